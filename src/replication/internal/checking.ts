/**
 * `Replication.verify` and `Replication.repair` of one shadow: the chosen
 * tables, the wait for the start position, and the results as the public
 * values (neutral keys and rows as records of fields).
 */
import { Duration, Effect } from "effect"
import type { Database } from "../../layers/Database.js"
import { type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import * as Ddl from "../../schema/Ddl.js"
import type * as Table from "../../schema/Table.js"
import type * as Replication from "../Replication.js"
import * as Log from "./log.js"
import * as Ranges from "./ranges.js"
import * as Repair from "./repair.js"
import * as Verify from "./verify.js"

export interface Deps {
  readonly name: string
  readonly primary: Database
  readonly shadow: Effect.Effect<Database, ReplicationError>
  readonly tables: ReadonlyMap<string, Table.Any>
  readonly owner: string
  readonly leaseMillis: number
  /** Wait until the shadow has applied a position (waking its shipper). */
  readonly waitFor: (position: number, timeout: Duration.Duration) => Effect.Effect<void, ReplicationError>
  /** Wake the shadow's shipper. */
  readonly wake: Effect.Effect<void>
}

const DEFAULT_TIMEOUT = Duration.seconds(30)
const ROUNDS = 5

const chosen = (d: Deps, names: ReadonlyArray<string> | undefined) => {
  const unknown = (names ?? []).filter((n) => !d.tables.has(n))
  return unknown.length > 0
    ? Effect.fail(new ReplicationError({ reason: "NotReplicated", shadow: d.name, message: `not replicated: ${unknown.join(", ")}` }))
    : Effect.succeed(Ddl.sortByDependencies([...d.tables.values()].filter((t) => names === undefined || names.includes(t.name))))
}

const run = (d: Deps, options: Replication.VerifyOptions | undefined) =>
  Effect.gen(function*() {
    const chunkSize = options?.chunkSize ?? 1000
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      return yield* Effect.fail(new ReplicationError({ reason: "Invalid", shadow: d.name, message: `chunkSize must be an integer >= 1, got ${chunkSize}` }))
    }
    const tables = yield* chosen(d, options?.tables)
    const timeout = Duration.decode(options?.timeout ?? DEFAULT_TIMEOUT)
    const shadow = yield* d.shadow
    const position = yield* Log.head(d.primary)
    yield* d.waitFor(position, timeout)
    const config: Verify.Config = {
      name: d.name,
      primary: d.primary,
      shadow,
      chunkSize,
      rounds: ROUNDS,
      waitFor: (p) => d.waitFor(p, timeout)
    }
    const results = yield* Effect.forEach(tables, (t) => Verify.table(config, t))
    return { shadow, position, results }
  })

const keyOrUndefined = (table: Table.Any, key: Ranges.Key | undefined) => (key === undefined ? undefined : Ranges.keyRecord(table, key))

const difference = (table: Table.Any, d: Verify.Difference): Replication.RowDifference => {
  const key = Ranges.keyRecord(table, d.key)
  switch (d._tag) {
    case "Missing":
      return { _tag: "Missing", key, primary: Ranges.rowRecord(table, d.primary) }
    case "Extra":
      return { _tag: "Extra", key, shadow: Ranges.rowRecord(table, d.shadow) }
    case "Different": {
      const primary = Ranges.rowRecord(table, d.primary)
      const shadow = Ranges.rowRecord(table, d.shadow)
      const fields = table.columns.map((c) => c.field).filter((f) => JSON.stringify(primary[f]) !== JSON.stringify(shadow[f]))
      return { _tag: "Different", key, fields, primary, shadow }
    }
  }
}

const tableVerification = (r: Verify.TableResult): Replication.TableVerification => ({
  table: r.table.name,
  equal: r.differing.length === 0,
  rows: r.rows,
  ranges: r.ranges,
  differing: r.differing.map((x) => ({
    range: { after: keyOrUndefined(r.table, x.range.from), upTo: keyOrUndefined(r.table, x.range.to) },
    rows: x.differences.map((diff) => difference(r.table, diff))
  }))
})

/** Compare the shadow with the primary. */
export const verify = (d: Deps, options?: Replication.VerifyOptions): Effect.Effect<Replication.Verification, ReplicationError | DatabaseError> =>
  Effect.map(run(d, options), ({ position, results }) => {
    const tables = results.map(tableVerification)
    return { shadow: d.name, position, equal: tables.every((t) => t.equal), tables }
  })

/** Verify, then re-copy the differing ranges. */
export const repair = (d: Deps, options?: Replication.VerifyOptions): Effect.Effect<Replication.Repair, ReplicationError | DatabaseError> =>
  Effect.gen(function*() {
    const { shadow, position, results } = yield* run(d, options)
    const differing = results.filter((r) => r.differing.length > 0)
    if (differing.length === 0) return { shadow: d.name, position, tables: [] }
    const repaired = yield* Repair.run({
      name: d.name,
      primary: d.primary,
      shadow,
      owner: d.owner,
      leaseMillis: d.leaseMillis,
      tables: differing.map((r) => ({ table: r.table, ranges: r.differing.map((x) => x.range) }))
    }).pipe(Effect.ensuring(d.wake))
    return { shadow: d.name, position: repaired.position, tables: repaired.tables }
  })
