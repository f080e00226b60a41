/**
 * Migrations on a database that records DDL (a replicated set): the
 * migrations table, the lock and the primary's statements run unrecorded on
 * the primary, inside the recording database's transaction; each operation
 * is recorded with its statements for every dialect, so each shadow applies
 * it in its own dialect, in order with the rows; a data migration (`Run`)
 * runs on the recording database, so the rows it writes are recorded.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Dialect from "../../dialect/Dialect.js"
import * as Database from "../../layers/Database.js"
import { type DdlRecorder, ddlRecorder } from "../../schema/internal/ddlCapture.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import type * as Operation from "../Operation.js"
import { compile } from "./compile.js"

/** The database migrations were given, and its recorder if it records DDL. @internal */
export interface Target {
  readonly db: Database.Database
  readonly recorder: DdlRecorder | undefined
}

/** @internal */
export const target: Effect.Effect<Target, never, Database.Database> = Effect.map(
  Database.Database,
  (db) => ({ db, recorder: ddlRecorder(db) })
)

/** Run `effect` on the primary, unrecorded (on a database that records nothing: as it is). @internal */
export const unrecorded = <A, E, R>(t: Target, effect: Effect.Effect<A, E, R>) =>
  t.recorder === undefined ? effect : Effect.provideService(effect, Database.Database, t.recorder.unrecorded)

/** Run `effect` on the database migrations were given (a data migration's writes are recorded). @internal */
export const recorded = <A, E, R>(t: Target, effect: Effect.Effect<A, E, R>) =>
  t.recorder === undefined ? effect : Effect.provideService(effect, Database.Database, t.db)

const tablesOf = (op: Operation.Operation): ReadonlyArray<string> => {
  switch (op._tag) {
    case "CreateTable":
      return [op.table.name]
    case "RenameTable":
      return [op.from, op.to]
    case "Sql":
    case "Run":
      return []
    default:
      return [op.table]
  }
}

/** The statements of `op` in `dialect`; a step that is an effect travels as its `shadowSql`. */
const statements = (op: Operation.Operation, state: Snapshot.Snapshot, dialect: Dialect.DialectName) =>
  compile(op, state, dialect).flatMap((step) =>
    step._tag === "Statement" ? [step.sql] : step.shadowSql === undefined ? [] : [step.shadowSql]
  )

/** Record `op` (compiled against `state`) for the shadows; a `Run` is recorded as the rows it writes. @internal */
export const record = (t: Target, op: Operation.Operation, state: Snapshot.Snapshot): Effect.Effect<void> =>
  t.recorder === undefined || op._tag === "Run"
    ? Effect.void
    : t.recorder.record(tablesOf(op), {
      sqlite: statements(op, state, Dialect.sqlite.name),
      postgres: statements(op, state, Dialect.postgres.name),
      mysql: statements(op, state, Dialect.mysql.name)
    })
