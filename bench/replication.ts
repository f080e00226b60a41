/**
 * What the replication workloads share: fresh databases per pair, Quarry's
 * replicated layer with the settings every workload uses, and result rows
 * whose ratio is to the same work done by Quarry without replication (or
 * straight into the shadow's database) in the same run.
 */
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import * as path from "node:path"
import type { Database } from "../src/layers/Database.js"
import * as Mysql from "../src/layers/Mysql.js"
import * as Postgres from "../src/layers/Postgres.js"
import * as Sqlite from "../src/layers/Sqlite.js"
import * as Replicated from "../src/replication/Replicated.js"
import type * as Table from "../src/schema/Table.js"
import { createDatabase } from "../test/support/servers.js"
import { removeFile, scratch } from "./data/sqlite.js"
import type { Measurement, Settings } from "./harness.js"
import { type Dialect, type Library, type Result, TITLE } from "./workload.js"

export interface ReplicationContext {
  readonly quick: boolean
  readonly settings: Settings
  /** The dialects chosen with --dialect: a pair runs when both of its dialects are. */
  readonly dialects: ReadonlyArray<Dialect>
  /** Whether the servers could be had (the run says why not). */
  readonly postgres: boolean
  readonly mysql: boolean
  readonly pool: number
}

export interface ReplicationWorkload {
  readonly id: string
  readonly title: string
  readonly work: string
  /** Run every pair this workload measures; `report` gets each pair's rows as soon as they are done. */
  readonly run: (ctx: ReplicationContext, report: (rows: ReadonlyArray<Result>) => void) => Promise<void>
}

export type Pair = readonly [primary: Dialect, shadow: Dialect]

export const pairName = ([primary, shadow]: Pair): string => `${TITLE[primary]} → ${TITLE[shadow]}`

/** Whether a pair can run: both dialects chosen, their servers there. */
export const available = (ctx: ReplicationContext, pair: Pair): string | undefined => {
  for (const d of pair) {
    if (!ctx.dialects.includes(d)) return `${TITLE[d]} not chosen (--dialect)`
    if ((d === "postgres" && !ctx.postgres) || (d === "mysql" && !ctx.mysql)) return `${TITLE[d]} is not available`
  }
  return undefined
}

/**
 * Log lines are kept out of the benchmark's output: shadows' state changes (info) and the slow-statement warning
 * that a bulk insert of thousands of rows trips on a busy machine. Errors still show.
 */
const quiet = Logger.minimumLogLevel(LogLevel.Error)

let databases = 0

/**
 * A fresh, empty database of a dialect: a new file under the run's scratch directory, or a database
 * `quarry_bench_repl_<label>` (dropped and created again) on the test server.
 */
export const freshTarget = async (dialect: Dialect, label: string): Promise<string> => {
  if (dialect === "sqlite") {
    const file = path.join(scratch(), `repl-${String(++databases).padStart(3, "0")}-${label}.db`)
    removeFile(file)
    return file
  }
  return createDatabase(dialect, `quarry_bench_repl_${label}`)
}

/** Quarry's own layer for a target of `freshTarget`. */
export const layerAt = (dialect: Dialect, target: string, pool: number): Layer.Layer<Database, unknown> =>
  (dialect === "sqlite"
    ? Sqlite.layer({ filename: target, synchronous: "normal" })
    : dialect === "postgres"
    ? Postgres.layer({ url: Redacted.make(target), maxConnections: pool })
    : Mysql.layer({ url: Redacted.make(target), maxConnections: pool })).pipe(Layer.provide(quiet))

/**
 * A replicated set with the benchmark's settings: async mode, and a log that is never pruned during a run
 * (a workload replays one log into several fresh shadows).
 */
export const replicated = (
  primary: Layer.Layer<Database, unknown>,
  shadows: { readonly [name: string]: Layer.Layer<Database, unknown> },
  tables: ReadonlyArray<Table.Any>
) =>
  Replicated.layer({
    primary,
    shadows,
    tables,
    mode: "async",
    retention: "1 hour",
    pruneInterval: "1 hour",
    drainTimeout: "60 seconds"
  }).pipe(Layer.provide(quiet))


/** A layer that records when it finished building (when a shadow is open: shipping starts). */
export const stamped = <A, E>(layer: Layer.Layer<A, E>, at: (ms: number) => void): Layer.Layer<A, E> =>
  Layer.tap(layer, () => Effect.sync(() => at(performance.now())))

export const message = (error: unknown): string =>
  error instanceof Error ? error.message.split("\n")[0].slice(0, 300) : String(error).slice(0, 300)

type Head = Pick<Result, "workload" | "title" | "work" | "dialect" | "unit" | "pair">

export const head = (w: Pick<ReplicationWorkload, "id" | "title" | "work">, pair: Pair, unit: string): Head => ({
  workload: w.id,
  title: w.title,
  work: w.work,
  dialect: pair[0],
  unit,
  pair: pairName(pair)
})

/** A pair that did not run, for every library it has. */
export const skipped = (h: Head, libraries: ReadonlyArray<Library>, reason: string, status: Result["status"] = "not measured") =>
  libraries.map((library): Result => ({ ...h, library, status, reason }))

/**
 * Rows of a pair: the reference (`quarry`, without replication) and `quarry (replicated)`, each ratio to the
 * reference's median; a checksum that differs from the reference's fails the row (not the same work).
 */
export const compared = (
  h: Head,
  measured: ReadonlyMap<Library, Measurement>,
  errors: ReadonlyMap<Library, unknown>,
  notes: Partial<Record<Library, string>>,
  extra: Partial<Record<Library, Partial<Result>>> = {}
): Array<Result> => {
  const reference = measured.get("quarry")
  return (["quarry", "quarry (replicated)"] as const).map((library): Result => {
    const m = measured.get(library)
    const base = { ...h, library, note: notes[library], ...extra[library] }
    if (m === undefined) return { ...base, status: "failed", reason: message(errors.get(library) ?? "no measurement") }
    if (reference !== undefined && m.checksum !== reference.checksum) {
      return { ...base, status: "failed", reason: `checksum ${m.checksum} differs from the reference's ${reference.checksum}: not the same work` }
    }
    return {
      ...base,
      status: "ok",
      measurement: m,
      ratio: reference === undefined ? undefined : m.throughput.median / reference.throughput.median
    }
  })
}

/**
 * Run the pairs of a workload whose pairs share one prepared primary: pairs whose dialects are not chosen or
 * not available are reported skipped; a failed preparation fails every runnable pair; `each` gives the rows of
 * one pair (`compared`) once the primary is ready.
 */
export const pairsOnOnePrimary = async (
  w: Pick<ReplicationWorkload, "id" | "title" | "work">,
  pairs: ReadonlyArray<Pair>,
  ctx: ReplicationContext,
  report: (rows: ReadonlyArray<Result>) => void,
  prepare: () => Promise<string>,
  each: (pair: Pair, h: Head, primaryUrl: string) => Promise<ReadonlyArray<Result>>
): Promise<void> => {
  const libraries: ReadonlyArray<Library> = ["quarry", "quarry (replicated)"]
  const runnable = pairs.filter((p) => available(ctx, p) === undefined)
  for (const pair of pairs) {
    const missing = available(ctx, pair)
    if (missing !== undefined) report(skipped(head(w, pair, "rows/s"), libraries, missing))
  }
  if (runnable.length === 0) return
  let primaryUrl: string
  try {
    primaryUrl = await prepare()
  } catch (error) {
    for (const pair of runnable) report(skipped(head(w, pair, "rows/s"), libraries, `setup: ${message(error)}`, "failed"))
    return
  }
  for (const pair of runnable) report(await each(pair, head(w, pair, "rows/s"), primaryUrl))
}
