/**
 * Shipping throughput: a PostgreSQL primary whose log holds N rows (written
 * through a replicated set with no shadow, in transactions of `PER_WRITE`
 * rows: one log entry each, after the `Ddl.createAll` entry), replayed into a
 * fresh shadow (SQLite file, MariaDB database) from the moment the shadow is
 * open to `Replication.caughtUp`; against `Query.insertMany` of the same rows
 * straight into a fresh database of the shadow's dialect. The log is built
 * once per run and replayed for every sample (a new shadow name each time).
 */
import { Context, Effect, Layer, ManagedRuntime, Option } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { eventInsert, Events } from "../clients/quarry.js"
import { chunks, event, range } from "../data/dataset.js"
import { type Measurement, stats } from "../harness.js"
import {
  compared,
  freshTarget,
  layerAt,
  type Pair,
  pairsOnOnePrimary,
  replicated,
  type ReplicationContext,
  type ReplicationWorkload,
  stamped
} from "../replication.js"
import type { Dialect, Library } from "../workload.js"

const PAIRS: ReadonlyArray<Pair> = [["postgres", "sqlite"], ["postgres", "mysql"]]
const PER_WRITE = 100
const rowsFor = (ctx: ReplicationContext) => (ctx.quick ? 20_000 : 50_000)
const samplesFor = (ctx: ReplicationContext) => (ctx.quick ? 2 : 3)

const rowsOf = (n: number) => range(0, n, (i) => eventInsert(event(i)))

const countEvents = Effect.map(
  Database.all({ sql: "SELECT COUNT(*) AS n FROM events", params: [] }),
  (rows) => Number(rows[0].n)
)

/** The primary with the log: `events` created and `n` rows inserted through a set with no shadow. */
const buildLog = async (ctx: ReplicationContext, n: number): Promise<string> => {
  const url = await freshTarget("postgres", "ship_primary")
  const runtime = ManagedRuntime.make(replicated(layerAt("postgres", url, ctx.pool), {}, [Events]))
  try {
    await runtime.runPromise(Effect.gen(function*() {
      yield* Ddl.createAll([Events])
      for (const c of chunks(rowsOf(n), PER_WRITE)) yield* Query.run(Query.insertMany(Events, c))
    }))
  } finally {
    await runtime.dispose()
  }
  return url
}

let shipped = 0

/** One replay: ms from the shadow opening to caught up, and the rows the shadow then has. */
const ship = (ctx: ReplicationContext, primaryUrl: string, shadow: Dialect) =>
  Effect.gen(function*() {
    const target = yield* Effect.promise(() => freshTarget(shadow, "ship_shadow"))
    const name = `ship${++shipped}`
    let opened = NaN
    const set = yield* Layer.build(replicated(
      layerAt("postgres", primaryUrl, ctx.pool),
      { [name]: stamped(layerAt(shadow, target, ctx.pool), (ms) => (opened = ms)) },
      [Events]
    ))
    yield* Replication.caughtUp({ timeout: "10 minutes" }).pipe(Effect.provide(set))
    const ms = performance.now() - opened
    const replication = Context.get(set, Replication.Replication)
    const db = yield* Effect.flatMap(replication.shadow(name), (open) =>
      Option.isSome(open) ? Effect.succeed(open.value) : Effect.dieMessage("the shadow is not open"))
    return { ms, rows: yield* Effect.provideService(countEvents, Database.Database, db) }
  }).pipe(Effect.scoped)

/** The reference: `Query.insertMany` of the same rows (one value: one transaction) into a fresh database. */
const direct = async (ctx: ReplicationContext, shadow: Dialect, rows: ReturnType<typeof rowsOf>) => {
  const runtime = ManagedRuntime.make(layerAt(shadow, await freshTarget(shadow, "ship_direct"), ctx.pool))
  try {
    await runtime.runPromise(Ddl.createAll([Events]))
    const start = performance.now()
    const written = await runtime.runPromise(Query.run(Query.insertMany(Events, rows)))
    const ms = performance.now() - start
    return { ms, rows: written.rowsAffected }
  } finally {
    await runtime.dispose()
  }
}

const measurement = (n: number, runs: ReadonlyArray<{ ms: number; rows: number }>): Measurement => {
  const samples = runs.map((r) => n / (r.ms / 1000))
  return { samples, throughput: stats(samples), opsPerSample: 1, checksum: runs[0]?.rows ?? NaN }
}

const runPair = async (ctx: ReplicationContext, primaryUrl: string, shadow: Dialect, n: number) => {
  const rows = rowsOf(n)
  const runs: Record<"quarry" | "quarry (replicated)", Array<{ ms: number; rows: number }>> = {
    quarry: [],
    "quarry (replicated)": []
  }
  const errors = new Map<Library, unknown>()
  for (let s = 0; s < samplesFor(ctx); s++) {
    // alternate which goes first, so that background load spreads over both
    const order = s % 2 === 0 ? (["quarry", "quarry (replicated)"] as const) : (["quarry (replicated)", "quarry"] as const)
    for (const library of order) {
      if (errors.has(library)) continue
      try {
        const run = library === "quarry"
          ? await direct(ctx, shadow, rows)
          : await Effect.runPromise(ship(ctx, primaryUrl, shadow))
        if (run.rows !== n) throw new Error(`${run.rows} rows in the shadow's events, expected ${n}`)
        runs[library].push(run)
      } catch (error) {
        errors.set(library, error)
      }
    }
  }
  const measured = new Map<Library, Measurement>()
  for (const library of ["quarry", "quarry (replicated)"] as const) {
    if (!errors.has(library) && runs[library].length > 0) measured.set(library, measurement(n, runs[library]))
  }
  return { measured, errors }
}

export const shipThroughput: ReplicationWorkload = {
  id: "ship-throughput",
  title: "Shipping throughput (shadow catching up)",
  work: `a PostgreSQL primary whose log holds 50,000 rows (20,000 in --quick) written in transactions of ${PER_WRITE} rows ` +
    "(one log entry each); a fresh shadow is opened and timed until `Replication.caughtUp` (default batch size: 100 entries " +
    "per shadow transaction); rows/s vs `Query.insertMany` of the same rows into a fresh database of the shadow's dialect " +
    "(one value, one transaction); one sample = one whole replay",
  run: (ctx, report) => {
    const n = rowsFor(ctx)
    return pairsOnOnePrimary(shipThroughput, PAIRS, ctx, report, () => buildLog(ctx, n), async (pair, h, primaryUrl) => {
      const { measured, errors } = await runPair(ctx, primaryUrl, pair[1], n)
      return compared(h, measured, errors, {
        quarry: "`Query.insertMany(Events, rows)` + `Query.run` into the shadow's database directly",
        "quarry (replicated)": "the shipper replaying the log: read from the primary, upserts by key on the shadow, position stored in the same transaction"
      })
    })
  }
}
