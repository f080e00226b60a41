/**
 * The performance targets set by other issues, checked against the same run.
 * A target whose Quarry row has no number says so (with the reason); a
 * target without a number threshold is reported, not judged.
 */
import { type Dialect, type Library, type Result, TITLE } from "./workload.js"

export type Status = "met" | "not met" | "not measured" | "reported"

export interface TargetOutcome {
  readonly target: string
  readonly required: string
  readonly measured: string
  readonly status: Status
  readonly detail: string
}

const find = (results: ReadonlyArray<Result>, dialect: Dialect, workload: string, library: Library, pair?: string) =>
  results.find((r) =>
    r.dialect === dialect && r.workload === workload && r.library === library && r.pair === pair
  )

const x = (n: number) => `${n.toFixed(2)}×`

/** Quarry's median over a reference library's median, against a minimum ratio. */
const ratioTarget = (
  results: ReadonlyArray<Result>,
  spec: {
    readonly target: string
    /** SQLite unless given. */
    readonly dialect?: Dialect
    readonly workload: string
    /** The library judged (Quarry unless given). */
    readonly library?: Library
    /** Replication workloads: the primary → shadow pair. */
    readonly pair?: string
    readonly against: Library
    readonly min: number
    readonly strict?: boolean
    readonly required: string
  }
): TargetOutcome => {
  const dialect = spec.dialect ?? "sqlite"
  const quarry = find(results, dialect, spec.workload, spec.library ?? "quarry", spec.pair)
  const other = find(results, dialect, spec.workload, spec.against, spec.pair)
  const base = { target: spec.target, required: spec.required }
  if (quarry?.status !== "ok" || quarry.measurement === undefined) {
    return { ...base, measured: "—", status: "not measured", detail: quarry?.reason ?? `workload \`${spec.workload}\` was not run` }
  }
  if (other?.status !== "ok" || other.measurement === undefined) {
    return {
      ...base,
      measured: "—",
      status: "not measured",
      detail: `${spec.pair === undefined ? spec.against : "reference"}: ${other?.reason ?? `workload \`${spec.workload}\` was not run`}`
    }
  }
  const q = quarry.measurement.throughput.median
  const o = other.measurement.throughput.median
  const ratio = q / o
  const met = spec.strict ? ratio > spec.min : ratio >= spec.min
  return {
    ...base,
    measured: x(ratio),
    status: met ? "met" : "not met",
    detail: (spec.pair === undefined
      ? `Quarry ${fmt(q)} vs ${spec.against} ${fmt(o)} ${quarry.unit} (medians)`
      : `replicated ${fmt(q)} vs ${fmt(o)} ${quarry.unit} (medians)`) +
      (met ? "" : `; short by ${x(spec.min / ratio)}`) + (quarry.note ? `. Quarry: ${quarry.note}` : "")
  }
}

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(n < 10 ? 2 : 0)

const loopTarget = (results: ReadonlyArray<Result>): TargetOutcome => {
  const base = {
    target: "Event-loop delay while a large batch commits (bulk insert 100k rows, SQLite)",
    required: "reported (no threshold set)"
  }
  const quarry = find(results, "sqlite", "bulk-insert", "quarry")
  const raw = find(results, "sqlite", "bulk-insert", "better-sqlite3")
  const rawDelay = raw?.measurement?.loopDelayMs
  const rawText = rawDelay ? `; raw better-sqlite3 stalls the loop ${rawDelay.median.toFixed(0)} ms` : ""
  const delay = quarry?.measurement?.loopDelayMs
  if (quarry?.status !== "ok" || delay === undefined) {
    return { ...base, measured: "—", status: "not measured", detail: (quarry?.reason ?? "bulk-insert was not run") + rawText }
  }
  return {
    ...base,
    measured: `${delay.median.toFixed(1)} ms`,
    status: "reported",
    detail: `longest stall per 100k-row commit, median of samples (max ${delay.max.toFixed(1)} ms)${rawText}`
  }
}

const pairOf = (primary: Dialect, shadow: Dialect) => `${TITLE[primary]} → ${TITLE[shadow]}`

/** Replication: the replicated row against the same work without replication (same run). */
const replicationTarget = (
  results: ReadonlyArray<Result>,
  target: string,
  workload: string,
  [primary, shadow]: readonly [Dialect, Dialect],
  min: number,
  required: string
) =>
  ratioTarget(results, {
    target: `${target} (${pairOf(primary, shadow)})`,
    dialect: primary,
    workload,
    library: "quarry (replicated)",
    pair: pairOf(primary, shadow),
    against: "quarry",
    min,
    required
  })

const notRun = (target: string, required: string, r: Result | undefined, workload: string): TargetOutcome => ({
  target,
  required,
  measured: "—",
  status: "not measured",
  detail: r?.reason ?? `workload \`${workload}\` was not run`
})

const lagTarget = (results: ReadonlyArray<Result>, pair: readonly [Dialect, Dialect]): TargetOutcome => {
  const target = `Median shadow lag under 1k writes/s (${pairOf(...pair)})`
  const required = "< 100 ms"
  const r = find(results, pair[0], "replication-lag", "quarry (replicated)", pairOf(...pair))
  if (r?.status !== "ok" || r.measurement === undefined || r.lag === undefined) return notRun(target, required, r, "replication-lag")
  const median = r.measurement.throughput.median
  return {
    target,
    required,
    measured: `${median.toFixed(1)} ms`,
    status: median < 100 ? "met" : "not met",
    detail: `p95 ${r.lag.p95Ms.toFixed(1)} ms, max ${r.lag.maxMs.toFixed(1)} ms over ${r.lag.writes} writes ` +
      `(${r.lag.writesPerSecond.toFixed(0)} writes/s reached of 1,000 offered)`
  }
}

const backfillMemoryTarget = (results: ReadonlyArray<Result>, pair: readonly [Dialect, Dialect]): TargetOutcome => {
  const target = `Backfill: resident-set growth during the copy (${pairOf(...pair)})`
  const required = "< 100 MB"
  const r = find(results, pair[0], "backfill", "quarry (replicated)", pairOf(...pair))
  if (r?.status !== "ok" || r.memory === undefined || r.measurement === undefined) return notRun(target, required, r, "backfill")
  const growth = r.memory.peakRssMB - r.memory.baseRssMB
  return {
    target,
    required,
    measured: `${growth.toFixed(0)} MB`,
    status: growth < 100 ? "met" : "not met",
    detail: `RSS ${r.memory.baseRssMB.toFixed(0)} → ${r.memory.peakRssMB.toFixed(0)} MB while copying ` +
      `${r.measurement.checksum.toLocaleString("en-US")} rows`
  }
}

/** Issue #14 (replication performance) and #15 (backfill). */
const replicationTargets = (results: ReadonlyArray<Result>): ReadonlyArray<TargetOutcome> => [
  ...([["sqlite", "sqlite"], ["postgres", "sqlite"]] as const).map((pair) =>
    replicationTarget(
      results,
      "Replicated single-row insert (async, one shadow) vs the same insert unreplicated",
      "replicated-insert",
      pair,
      1 / 1.3,
      "time ≤ 1.3× (≥ 0.77×)"
    )
  ),
  ...([["postgres", "sqlite"], ["postgres", "mysql"]] as const).map((pair) =>
    replicationTarget(results, "Shipping: rows/s of a shadow catching up vs `Query.insertMany` into it", "ship-throughput", pair, 0.5, "≥ 0.50×")
  ),
  ...([["sqlite", "sqlite"], ["postgres", "sqlite"]] as const).map((pair) => lagTarget(results, pair)),
  ...([["postgres", "mysql"], ["postgres", "sqlite"]] as const).flatMap((pair) => [
    replicationTarget(results, "Backfill rows/s vs `Query.insertMany` into the shadow", "backfill", pair, 0.5, "≥ 0.50×"),
    backfillMemoryTarget(results, pair)
  ])
]

export const targets = (results: ReadonlyArray<Result>): ReadonlyArray<TargetOutcome> => [
  ratioTarget(results, {
    target: "Select by pk through a Quarry prepared query value vs raw better-sqlite3",
    workload: "select-pk",
    against: "better-sqlite3",
    min: 0.8,
    required: "≥ 0.80×"
  }),
  ratioTarget(results, {
    target: "Select by pk, unprepared, vs `@effect/sql` tagged template",
    workload: "select-pk-unprepared",
    against: "@effect/sql",
    min: 2,
    required: "≥ 2.00×"
  }),
  ratioTarget(results, {
    target: "Bulk insert 100k rows vs raw better-sqlite3 single-transaction prepared insert",
    workload: "bulk-insert",
    against: "better-sqlite3",
    min: 0.5,
    required: "≥ 0.50×"
  }),
  ratioTarget(results, {
    target: "100 concurrent single-row inserts (synchronous=FULL) vs @effect/sql-sqlite-node autocommit",
    workload: "concurrent-insert",
    against: "@effect/sql",
    min: 15,
    required: "≥ 15.00×"
  }),
  loopTarget(results),
  ratioTarget(results, {
    target: "Prefetch 1,000 × 10 vs hand-written SQL doing the same work (raw better-sqlite3)",
    workload: "prefetch",
    against: "better-sqlite3",
    min: 1 / 1.5,
    required: "within 1.5× (≥ 0.67×)"
  }),
  ratioTarget(results, {
    target: "100 concurrent by-id lookups vs the same 100 lookups through Drizzle",
    workload: "concurrent-lookups",
    against: "drizzle",
    min: 1,
    strict: true,
    required: "> 1.00×"
  }),
  ratioTarget(results, {
    target: "MySQL / MariaDB: select by pk through a Quarry prepared query value vs raw mysql2 (`execute`)",
    dialect: "mysql",
    workload: "select-pk",
    against: "mysql2",
    min: 0.85,
    required: "≥ 0.85×"
  }),
  ratioTarget(results, {
    target: "MySQL / MariaDB: TPC-B transactions vs raw mysql2, same client count",
    dialect: "mysql",
    workload: "tpcb",
    against: "mysql2",
    min: 0.85,
    required: "≥ 0.85×"
  }),
  ...replicationTargets(results)
]
