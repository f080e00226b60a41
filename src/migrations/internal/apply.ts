/**
 * Running migrations: the plan (what is applied, pending, edited, missing —
 * every check before any SQL), then each migration in its own transaction,
 * under the migrations lock, re-reading the migrations table once the lock is
 * held so that two migrators never both apply one migration.
 *
 * @internal
 */
import { Duration, Effect, Schedule } from "effect"
import * as Database from "../../layers/Database.js"
import type * as DatabaseError from "../../layers/DatabaseError.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import * as Diff from "../Diff.js"
import * as Migration from "../Migration.js"
import * as MigrationError from "../MigrationError.js"
import type * as Operation from "../Operation.js"
import { compileAll } from "./compile.js"
import { byName, type DdlDialect, type Step } from "./ddlDialect.js"
import { hazards } from "./hazard.js"
import * as History from "./history.js"
import * as Recording from "./recording.js"
import { describe } from "./state.js"

/** @internal */
export interface Options {
  readonly migrations: ReadonlyArray<Migration.Migration>
  readonly table?: string | undefined
  readonly allowDestructive?: boolean | undefined
  readonly lockTimeout?: Duration.DurationInput | undefined
}

type E = MigrationError.MigrationError | DatabaseError.DatabaseError

/** The migrations in id order, checked for duplicates and bad ids. @internal */
export const ordered = (
  migrations: ReadonlyArray<Migration.Migration>
): Effect.Effect<ReadonlyArray<Migration.Migration>, MigrationError.InvalidMigration> => {
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (let i = 0; i < sorted.length; i++) {
    const m = sorted[i]
    const reason = !Migration.isMigration(m)
      ? "not made by Migration.make"
      : m.id === "" || m.id.length > 255
      ? "the id must have 1 to 255 characters"
      : i > 0 && sorted[i - 1].id === m.id
      ? "two migrations have this id"
      : m.checksum !== Migration.checksum(m)
      ? "its checksum does not match its operations (changed after Migration.make)"
      : undefined
    if (reason !== undefined) return Effect.fail(new MigrationError.InvalidMigration({ migration: String(m?.id), reason }))
  }
  return Effect.succeed(sorted)
}

/** The snapshot before a migration: its predecessor's. @internal */
export const before = (sorted: ReadonlyArray<Migration.Migration>, m: Migration.Migration): Snapshot.Snapshot => {
  const i = sorted.indexOf(m)
  return i > 0 ? sorted[i - 1].snapshot : Migration.empty
}

/** What the migrations table says next to the files. @internal */
export interface Plan {
  readonly sorted: ReadonlyArray<Migration.Migration>
  readonly rows: ReadonlyArray<History.Applied>
  readonly history: History.HistoryTable
}

/** @internal */
export const load = (options: Options): Effect.Effect<Plan, E, Database.Database> =>
  Effect.gen(function*() {
    const sorted = yield* ordered(options.migrations)
    const history = History.table(options.table ?? "quarry_migrations")
    const rows = yield* History.read(history)
    return { sorted, rows, history }
  })

/** Applied rows must have their file, unedited. @internal */
export const verify = (plan: Plan): Effect.Effect<void, MigrationError.MissingMigration | MigrationError.ChecksumMismatch> =>
  Effect.forEach(plan.rows, (row): Effect.Effect<void, MigrationError.MissingMigration | MigrationError.ChecksumMismatch> => {
    const m = plan.sorted.find((x) => x.id === row.id)
    if (m === undefined) return Effect.fail(new MigrationError.MissingMigration({ migration: row.id }))
    if (m.checksum !== row.checksum) {
      return Effect.fail(new MigrationError.ChecksumMismatch({ migration: row.id, applied: row.checksum, current: m.checksum }))
    }
    return Effect.void
  }, { discard: true })

/** Destructive operations without permission, found before any SQL runs. @internal */
export const refuseDestructive = (
  m: Migration.Migration,
  ops: ReadonlyArray<Operation.Operation>,
  start: Snapshot.Snapshot,
  dialect: DdlDialect,
  allowed: boolean | undefined
): Effect.Effect<void, MigrationError.DestructiveChange> => {
  if (allowed === true || m.allowDestructive === true) return Effect.void
  const found = Diff.hazards(ops, start, dialect.dialect.name).find((h) => !h.whenRows)
  return found === undefined
    ? Effect.void
    : Effect.fail(new MigrationError.DestructiveChange({ migration: m.id, operation: found.operation, reason: found.reason }))
}

const runStep = (t: Recording.Target, op: Operation.Operation) => (step: Step) =>
  step._tag === "Statement"
    ? Effect.asVoid(Database.run({ sql: step.sql, params: [] }))
    : op._tag === "Run"
    ? Recording.recorded(t, step.effect)
    : step.effect

/** NOT NULL without a default is destructive only over rows that would be refused (or invented, on MySQL). */
const refuseOverRows = (
  m: Migration.Migration,
  op: Operation.Operation,
  state: Snapshot.Snapshot,
  dd: DdlDialect,
  allowed: boolean
) =>
  Effect.forEach(allowed ? [] : hazards(op, state, dd.dialect.name), (h) => {
    if (h.whenRows === undefined) return Effect.void
    const q = dd.dialect.quote
    const where = h.whenRows.nullColumn === undefined ? "" : ` WHERE ${q(h.whenRows.nullColumn)} IS NULL`
    return Effect.flatMap(
      Database.all({ sql: `SELECT 1 AS found FROM ${q(h.whenRows.table)}${where} LIMIT 1`, params: [] }),
      (rows) =>
        rows.length === 0
          ? Effect.void
          : Effect.fail(new MigrationError.DestructiveChange({ migration: m.id, operation: describe(op), reason: `${h.reason} over existing rows` }))
    )
  }, { discard: true })

/** Take the migrations lock (retrying while another migrator holds it, up to the timeout). */
const lock = (dd: DdlDialect, id: string, timeout: Duration.Duration) => {
  const sql = dd.tryLock
  if (sql === undefined) return Effect.void
  return Database.all({ sql, params: [] }).pipe(
    Effect.flatMap((rows) => (Number(rows[0]?.got) === 1 ? Effect.void : Effect.fail(new MigrationError.Locked({ migration: id })))),
    Effect.retry({
      while: (e) => e._tag === "Locked",
      schedule: Schedule.spaced("25 millis").pipe(Schedule.upTo(timeout))
    })
  )
}

/**
 * Run `body` as one unit under the lock: in a transaction where DDL is
 * transactional (SQLite with foreign keys off, for its rebuilds); on MySQL a
 * transaction only pins the connection that holds the lock.
 *
 * @internal
 */
export const locked = <A, E1>(
  dd: DdlDialect,
  id: string,
  options: Options,
  body: Effect.Effect<A, E1, Database.Database>
): Effect.Effect<A, E1 | E, Database.Database> => {
  const timeout = Duration.decode(options.lockTimeout ?? "1 minute")
  const unlock = dd.unlock === undefined ? Effect.void : Effect.ignore(Database.all({ sql: dd.unlock, params: [] }))
  const unit = Effect.zipRight(lock(dd, id, timeout), Effect.ensuring(body, unlock))
  return Database.transaction(unit, { foreignKeysOff: dd.dialect.name === "sqlite" }).pipe(
    // SQLite: another process's migration holds the file's write lock
    Effect.retry({
      while: (e) => typeof e === "object" && e !== null && "_tag" in e && e._tag === "Busy",
      schedule: Schedule.spaced("25 millis").pipe(Schedule.upTo(timeout))
    }),
    Effect.catchIf(
      (e): e is DatabaseError.Busy => typeof e === "object" && e !== null && "_tag" in e && e._tag === "Busy",
      () => Effect.fail(new MigrationError.Locked({ migration: id }))
    )
  )
}

const foreignKeyCheck = (m: Migration.Migration) =>
  Effect.flatMap(Database.all({ sql: "PRAGMA foreign_key_check", params: [] }), (rows) =>
    rows.length === 0
      ? Effect.void
      : Effect.fail(new MigrationError.ForeignKeyCheckFailed({
        migration: m.id,
        violations: rows.map((r) => ({ table: String(r.table), parent: String(r.parent), rowid: r.rowid }))
      })))

/**
 * Run one direction of a migration's operations from `first` on (recording
 * MySQL's progress after each); the caller holds the lock. On a database that
 * records DDL each operation is recorded for the shadows as it runs.
 *
 * @internal
 */
export const runOperations = (
  m: Migration.Migration,
  direction: "up" | "down",
  start: Snapshot.Snapshot,
  first: number,
  dd: DdlDialect,
  options: Options,
  history: History.HistoryTable,
  t: Recording.Target
): Effect.Effect<void, E, Database.Database> =>
  Effect.gen(function*() {
    const ops = direction === "up" ? m.up : m.down
    const compiled = compileAll(ops, start, dd.dialect.name)
    const allowed = options.allowDestructive === true || m.allowDestructive === true
    for (let index = first; index < compiled.length; index++) {
      const { before: state, operation, steps } = compiled[index]
      yield* refuseOverRows(m, operation, state, dd, allowed)
      yield* Effect.logDebug(`${m.id} ${direction} #${index}: ${describe(operation)}`)
      yield* Effect.forEach(steps, runStep(t, operation), { discard: true }).pipe(
        Effect.mapError((cause) =>
          new MigrationError.OperationFailed({ migration: m.id, index, operation: describe(operation), direction, cause })
        )
      )
      yield* Recording.record(t, operation, state)
      if (!dd.transactionalDdl && direction === "up") yield* History.update(history, m.id, { step: index + 1 })
    }
    if (dd.dialect.name === "sqlite") yield* foreignKeyCheck(m)
  })

/** @internal */
export const dialect = Effect.map(Database.Database, (db) => byName[db.dialect.name])
