/**
 * Backfill (issue #15): a PostgreSQL primary whose `big` table holds N rows
 * written without the log (generated on the server), copied to a fresh
 * shadow by `Replication.backfill` (default chunk: 1,000 rows per shadow
 * transaction), against `Query.insertMany` of the same rows (10,000 per
 * value, one transaction each) straight into a fresh database of the
 * shadow's dialect. Each copy runs in its own child process
 * (bench/backfill-child.ts), so that its resident-set growth — sampled from
 * just before the copy to its end — is its own.
 */
import { execute } from "../data/postgres.js"
import { type Measurement, stats } from "../harness.js"
import {
  compared,
  freshTarget,
  type Pair,
  pairsOnOnePrimary,
  type ReplicationContext,
  type ReplicationWorkload
} from "../replication.js"
import { runChild } from "../runners.js"
import type { Dialect, Library, Memory, Result } from "../workload.js"

const PAIRS: ReadonlyArray<Pair> = [["postgres", "mysql"], ["postgres", "sqlite"]]
const rowsFor = (ctx: ReplicationContext) => (ctx.quick ? 100_000 : 1_000_000)

interface ChildOutput {
  readonly ms: number
  readonly rows: number
  readonly memory: {
    readonly peakRssMB: number
    readonly baseRssMB: number
    readonly afterHeapMB: number
    readonly baseHeapMB: number
    readonly kernelPeakRssMB: number
  }
}

/** The primary: `big` with N rows (the same values as `bigRow`), no log entry for them. */
const preparePrimary = async (n: number): Promise<string> => {
  const url = await freshTarget("postgres", "backfill_primary")
  await execute(url, [
    "CREATE TABLE big (id integer PRIMARY KEY, a integer NOT NULL, b text NOT NULL, c double precision NOT NULL)",
    `INSERT INTO big (id, a, b, c) SELECT g, g % 1000, 'row ' || g, g / 4.0 FROM generate_series(1, ${n}) AS g`,
    "VACUUM ANALYZE big"
  ])
  return url
}

const copy = async (ctx: ReplicationContext, mode: "backfill" | "direct", shadow: Dialect, primaryUrl: string, n: number) => {
  const target = await freshTarget(shadow, `backfill_${mode}`)
  const out = await runChild<ChildOutput>(
    [mode, shadow, mode === "backfill" ? primaryUrl : "-", target, String(n), String(ctx.pool)],
    900_000,
    "backfill-child.ts"
  )
  if (out.rows !== n) throw new Error(`${out.rows} rows in the copy, expected ${n}`)
  return out
}

const runPair = async (ctx: ReplicationContext, primaryUrl: string, shadow: Dialect, n: number) => {
  const measured = new Map<Library, Measurement>()
  const errors = new Map<Library, unknown>()
  const memory: Partial<Record<Library, Memory>> = {}
  // one copy each (a full run copies 1M rows per copy); the reference first
  for (const [library, mode] of [["quarry", "direct"], ["quarry (replicated)", "backfill"]] as const) {
    try {
      const out = await copy(ctx, mode, shadow, primaryUrl, n)
      const samples = [n / (out.ms / 1000)]
      measured.set(library, { samples, throughput: stats(samples), opsPerSample: 1, checksum: out.rows })
      const { afterHeapMB, baseHeapMB, baseRssMB, peakRssMB } = out.memory
      // the heap figure here is the live heap right after the copy (see bench/backfill-child.ts)
      memory[library] = { peakRssMB, baseRssMB, peakHeapMB: afterHeapMB, baseHeapMB }
    } catch (error) {
      errors.set(library, error)
    }
  }
  return { measured, errors, memory }
}

export const backfill: ReplicationWorkload = {
  id: "backfill",
  title: "Backfill a shadow",
  work: "a PostgreSQL primary's `big` table (1,000,000 rows; 100,000 in --quick; 4 columns) loaded without the log, " +
    "copied to a fresh shadow by `Replication.backfill` (one REPEATABLE READ snapshot, chunks of 1,000 rows, each one " +
    "shadow transaction of bulk upserts with its progress row); rows/s vs `Query.insertMany` of the same rows (10,000 " +
    "per value, one transaction each) into a fresh database of the shadow's dialect; each copy in its own child " +
    "process, whose resident-set growth (sampled every 20 ms from just before the copy, no GC forced: it includes " +
    "garbage not yet collected) and live heap before and right after the copy (after a forced GC) are reported; one " +
    "copy each",
  run: (ctx, report) => {
    const n = rowsFor(ctx)
    return pairsOnOnePrimary(backfill, PAIRS, ctx, report, () => preparePrimary(n), async (pair, h, primaryUrl) => {
      const { measured, errors, memory } = await runPair(ctx, primaryUrl, pair[1], n)
      const extra: Partial<Record<Library, Partial<Result>>> = {}
      for (const library of ["quarry", "quarry (replicated)"] as const) {
        if (memory[library] !== undefined) extra[library] = { memory: memory[library] }
      }
      return compared(h, measured, errors, {
        quarry: `\`Query.insertMany(Bigs, rows)\` + \`Query.run\`, 10,000 rows per value, into the shadow's database directly`,
        "quarry (replicated)": "`Replication.backfill(name)` run to its end (`Stream.runForEach` over its progress)"
      }, extra)
    })
  }
}
