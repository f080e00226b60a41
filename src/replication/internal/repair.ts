/**
 * Repair: re-copy the ranges verify found differing, and nothing else.
 *
 * Ordering with the shipper, so that a repair never writes an older image
 * over a newer one:
 * 1. Take the shadow's lease (owner `<owner>#repair`): the shipper finishes
 *    the batch it is applying (it holds the position row's lock) and then
 *    stands by, so the shadow's position S no longer moves.
 * 2. ONE read of the primary (REPEATABLE READ / a transaction on SQLite):
 *    the log's head P, then the rows of every differing range. P >= S,
 *    since the shadow never passes the primary's head.
 * 3. ONE shadow transaction (checking the lease): the shadow's rows of the
 *    same ranges are compared with the primary's; extra rows are deleted
 *    (children's tables first), missing and different rows upserted with the
 *    primary's images at P (parents first). The position stays S.
 * 4. The lease is given back: the shipper applies (S, P] and on. An entry
 *    in (S, P] carries an image at most as new as P's and the entries after
 *    it are newer still: each row ends as the primary has it.
 */
import { Effect } from "effect"
import type { Database } from "../../layers/Database.js"
import { type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import { deletes, upserts } from "./apply.js"
import * as Log from "./log.js"
import * as Ranges from "./ranges.js"
import { compare } from "./verify.js"

export interface Config {
  readonly name: string
  readonly primary: Database
  readonly shadow: Database
  readonly owner: string
  readonly leaseMillis: number
  /** The differing ranges, per table, tables in foreign-key order. */
  readonly tables: ReadonlyArray<{ readonly table: Table.Any; readonly ranges: ReadonlyArray<Ranges.Range> }>
}

/** What a repair wrote on the shadow, per table. */
export interface Repaired {
  readonly table: string
  readonly upserted: number
  readonly deleted: number
}

const leaseError = (c: Config, message: string) =>
  new ReplicationError({ reason: "Invalid", dialect: c.shadow.dialect.name, shadow: c.name, message })

/** Repair the ranges; the primary's position they were copied at, and what was written. */
export const run = (c: Config): Effect.Effect<{ readonly position: number; readonly tables: ReadonlyArray<Repaired> }, ReplicationError | DatabaseError> => {
  const owner = `${c.owner}#repair`
  const sd = c.shadow.dialect
  const take = c.shadow.transaction(Effect.gen(function*() {
    const lease = yield* Log.lockPosition(c.shadow, c.name)
    if (lease.owner !== owner && lease.owner !== c.owner && lease.owner !== "" && lease.until > Date.now()) {
      return yield* Effect.fail(leaseError(c, `shadow ${c.name} is being shipped to or repaired by ${lease.owner}`))
    }
    yield* Log.storePosition(c.shadow, c.name, { position: lease.position, owner, until: Date.now() + c.leaseMillis })
  }))
  const give = c.shadow.transaction(Effect.gen(function*() {
    const lease = yield* Log.lockPosition(c.shadow, c.name)
    if (lease.owner === owner) yield* Log.storePosition(c.shadow, c.name, { position: lease.position, owner: "", until: 0 })
  }))
  const body = Effect.gen(function*() {
    const snapshot = yield* c.primary.transaction(Effect.gen(function*() {
      const position = yield* Log.head(c.primary)
      const rows = yield* Effect.forEach(c.tables, (t) => Effect.forEach(t.ranges, (r) => Ranges.read(c.primary, t.table, r)))
      return { position, rows }
    }), { isolation: "repeatable read" })
    const tables = yield* c.shadow.transaction(Effect.gen(function*() {
      const lease = yield* Log.lockPosition(c.shadow, c.name)
      if (lease.owner !== owner) return yield* Effect.fail(leaseError(c, `shadow ${c.name}: the repair lost its lease`))
      const plans = yield* Effect.forEach(c.tables, (t, ti) =>
        Effect.map(
          Effect.forEach(t.ranges, (r, ri) => Effect.map(Ranges.read(c.shadow, t.table, r), (rows) => compare(t.table, snapshot.rows[ti][ri], rows))),
          (found) => {
            const differences = found.flat()
            return {
              table: t.table,
              extra: differences.flatMap((d) => (d._tag === "Extra" ? [d.key] : [])),
              copy: differences.flatMap((d) => (d._tag === "Extra" ? [] : [d.primary]))
            }
          }
        ))
      for (const plan of [...plans].reverse()) {
        if (plan.extra.length > 0) yield* Effect.forEach(deletes(sd, plan.table, [...plan.extra]), (s) => c.shadow.run(s), { discard: true })
      }
      for (const plan of plans) {
        if (plan.copy.length > 0) yield* Effect.forEach(upserts(sd, plan.table, [...plan.copy]), (s) => c.shadow.run(s), { discard: true })
      }
      return plans.map((p): Repaired => ({ table: p.table.name, upserted: p.copy.length, deleted: p.extra.length }))
    }))
    return { position: snapshot.position, tables }
  })
  return Effect.zipRight(take, Effect.ensuring(body, Effect.ignore(give)))
}
