/**
 * The migrations table: one row per applied migration (id, checksum, the
 * order it was applied in, when), and on MySQL the progress of a migration
 * under way. It is a Quarry table itself, created and queried like any other.
 *
 * @internal
 */
import { Model } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import * as Database from "../../layers/Database.js"
import type * as DatabaseError from "../../layers/DatabaseError.js"
import * as Query from "../../query/Query.js"
import type * as QueryError from "../../query/QueryError.js"
import * as Ddl from "../../schema/Ddl.js"
import * as Table from "../../schema/Table.js"
import { tableExists } from "./catalog.js"

/** @internal */
export class Applied extends Model.Class<Applied>("QuarryMigration")({
  id: Schema.String.pipe(Schema.maxLength(255)),
  checksum: Schema.String.pipe(Schema.maxLength(64)),
  /** The order migrations were applied in (rollback goes backwards through it). */
  seq: Schema.Int,
  /** `partial`: a migration stopped half-way where DDL is not transactional (MySQL). */
  state: Schema.Literal("applied", "partial"),
  /** How many operations of `up` have run. */
  step: Schema.Int,
  appliedAt: Schema.Date
}) {}

/** @internal */
export type HistoryTable = Table.Table<typeof Applied>

const tables = new Map<string, HistoryTable>()

/** The migrations table under a name. @internal */
export const table = (name: string): HistoryTable => {
  let t = tables.get(name)
  if (t === undefined) {
    t = Table.make(Applied, { name })
    tables.set(name, t)
  }
  return t
}

/** Our own queries cannot fail validation: such a failure is a bug. */
const orDie = <A>(
  effect: Effect.Effect<A, QueryError.QueryError | DatabaseError.DatabaseError, Database.Database>
): Effect.Effect<A, DatabaseError.DatabaseError, Database.Database> =>
  Effect.catchIf(
    effect,
    (e): e is QueryError.QueryError =>
      e._tag === "ValidationError" || e._tag === "NotFound" || e._tag === "MultipleFound" || e._tag === "Unsupported",
    Effect.die
  ) as Effect.Effect<A, DatabaseError.DatabaseError, Database.Database>

/** @internal */
export const ensure = (t: HistoryTable): Effect.Effect<void, DatabaseError.DatabaseError, Database.Database> =>
  Effect.flatMap(Database.Database, (db) =>
    Effect.forEach(Ddl.createTable(t, db.dialect, { ifNotExists: true }), (sql) => db.run({ sql, params: [] }), {
      discard: true
    }))

/** Every row, in the order applied; none when the table does not exist yet. @internal */
export const read = (t: HistoryTable): Effect.Effect<ReadonlyArray<Applied>, DatabaseError.DatabaseError, Database.Database> =>
  Effect.flatMap(
    tableExists(t.name),
    (exists) => exists ? orDie(Query.all(Query.from(t).pipe(Query.orderBy(t.c.seq)))) : Effect.succeed([])
  )

/** @internal */
export const find = (t: HistoryTable, id: string) =>
  Effect.map(orDie(Query.all(Query.from(t).pipe(Query.where({ id })))), (rows) => rows[0])

/** A migration starts (`partial`, step 0) or is recorded applied. @internal */
export const insert = (t: HistoryTable, row: { readonly id: string; readonly checksum: string; readonly state: Applied["state"] }) =>
  Effect.gen(function*() {
    const rows = yield* orDie(Query.all(Query.from(t)))
    const seq = rows.reduce((max, r) => Math.max(max, r.seq), 0) + 1
    const now = yield* Clock.currentTimeMillis
    yield* orDie(Query.run(Query.insert(t, { ...row, seq, step: 0, appliedAt: new Date(now) })))
  })

/** @internal */
export const update = (t: HistoryTable, id: string, values: { readonly state?: Applied["state"]; readonly step?: number }) =>
  Effect.asVoid(orDie(Query.run(Query.update(t, values).pipe(Query.where({ id })))))

/** @internal */
export const remove = (t: HistoryTable, id: string) =>
  Effect.asVoid(orDie(Query.run(Query.delete(t).pipe(Query.where({ id })))))
