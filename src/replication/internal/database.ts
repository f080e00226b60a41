/**
 * The `Database` of a replicated set: the primary's, with every change
 * recorded for the shadows.
 *
 * - Writes made through Quarry (the query paths' change capture, see
 *   query/internal/capture.ts) hand the rows they wrote to `record`, which
 *   keeps them in the open transaction's frame. Nested transactions have
 *   frames of their own, merged into the parent when they commit and dropped
 *   when they roll back.
 * - The outermost transaction appends its frame to the log as its last step
 *   (see log.ts: the position follows commit order), then commits; after the
 *   commit the shippers are woken and, in sync mode, the write waits for
 *   every shadow to apply it.
 * - DDL (`Ddl.createAll` / `dropAll`) runs on the primary and is logged, for
 *   every dialect, in the same transaction (MySQL commits DDL at once: there
 *   the entry follows it).
 * - Raw statements that only read pass to the primary; raw writes are refused
 *   with `ReplicationError` ("Uncapturable") unless declared with
 *   `Replication.touching`, which re-reads the rows they touched.
 */
import { Effect, Either, FiberRef, Schema, Stream } from "effect"
import * as Dialect from "../../dialect/Dialect.js"
import type { Completion, Database, Row, RunResult, Statement } from "../../layers/Database.js"
import { ConnectionError, type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import { type CanReadNow, ReadNow } from "../../layers/internal/readNow.js"
import { Capture, type Change, type Capturing } from "../../query/internal/capture.js"
import { fetchByKeys } from "../../query/internal/returning.js"
import * as QueryError from "../../query/QueryError.js"
import * as Codec from "../../schema/Codec.js"
import { DdlCapture, type DdlCapturing, type DdlRecorder, DdlRecording } from "../../schema/internal/ddlCapture.js"
import type * as Table from "../../schema/Table.js"
import type { SqlClient } from "@effect/sql"
import type * as SqlStatement from "@effect/sql/Statement"
import { neutralRow } from "./image.js"
import * as Log from "./log.js"
import { encode, type Recorded } from "./payload.js"
import { isRead } from "./rawStatement.js"
import * as Routing from "./routing.js"
import * as SqlAdapter from "./sqlClient.js"

/** The key of `touching` on a replicated `Database`. */
export const Touching: unique symbol = Symbol.for("effect-quarry/Replication/Touching")

/** Run `effect` (raw writes allowed) and record the rows of `table` with these keys. */
export type TouchingFn = <A, E, R>(
  table: Table.Any,
  keys: ReadonlyArray<unknown>,
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | DatabaseError | QueryError.QueryError, R>

interface Frame {
  readonly recorded: Array<Recorded>
}

/** What the database needs from the set. */
export interface Options {
  readonly primary: Database
  /** The statement compiler of the primary's dialect, for the `@effect/sql` client. */
  readonly compiler: SqlStatement.Compiler
  readonly tables: ReadonlyMap<string, Table.Any>
  /** Whether the set is closing (new transactions are refused). */
  readonly closing: () => boolean
  /** After a commit that appended entries up to `position` (written at `at`): wake, and in sync mode wait. */
  readonly committed: (position: number, at: number) => Effect.Effect<void, ReplicationError>
  /** Where reads go by default, and the router choosing a shadow for a read. */
  readonly reads: "primary" | "shadows"
  readonly route: Routing.Route
}

const uncapturable = (dialect: Dialect.DialectName, sql: string) =>
  new ReplicationError({
    reason: "Uncapturable",
    dialect,
    sql,
    message: "a raw write on a replicated database cannot be recorded for the shadows; " +
      "write through Query / Repository, or declare the rows it touches with Replication.touching"
  })

const notReplicated = (dialect: Dialect.DialectName, table: string) =>
  new ReplicationError({
    reason: "NotReplicated",
    dialect,
    table,
    message: `table ${table} is not replicated: add it to the tables of Replicated.layer`
  })

/** The replicated `Database`. */
export const make = (options: Options): Database => {
  const primary = options.primary
  const dialect = primary.dialect
  const frameRef = FiberRef.unsafeMake<Frame | undefined>(undefined)
  const declaredRef = FiberRef.unsafeMake(false)
  // the log position of the fiber's last committed write: a read on a shadow waits for it (read-your-writes)
  const lastWriteRef = FiberRef.unsafeMake(0)

  const closing = () =>
    Effect.fail(new ConnectionError({ dialect: dialect.name, message: "database is closing", retryable: false }))

  const transaction = <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    txOptions?: import("../../layers/Database.js").TransactionOptions
  ): Effect.Effect<A, E | DatabaseError, R> =>
    Effect.flatMap(FiberRef.get(frameRef), (parent) => {
      const frame: Frame = { recorded: [] }
      if (parent !== undefined) {
        return Effect.tap(
          primary.transaction(Effect.locally(effect, frameRef, frame), txOptions),
          () => Effect.sync(() => parent.recorded.push(...frame.recorded))
        )
      }
      if (options.closing()) return closing()
      let appended: readonly [number, number] | undefined
      const flush = Effect.suspend(() => {
        if (frame.recorded.length === 0) return Effect.void
        const at = Date.now()
        return Effect.map(Log.append(primary, encode(frame.recorded, dialect), at), (position) => {
          appended = [position, at]
        })
      })
      return primary.transaction(Effect.locally(Effect.tap(effect, () => flush), frameRef, frame), txOptions).pipe(
        Effect.tap(() => {
          if (appended === undefined) return Effect.void
          const [position, at] = appended
          return Effect.zipRight(FiberRef.update(lastWriteRef, (p) => Math.max(p, position)), options.committed(position, at))
        })
      )
    })

  const record = (recorded: ReadonlyArray<Recorded>): Effect.Effect<void> =>
    Effect.flatMap(FiberRef.get(frameRef), (frame) =>
      frame === undefined
        ? Effect.dieMessage("replication: a change was recorded outside a transaction")
        : Effect.sync(() => {
          frame.recorded.push(...recorded)
        }))

  const refuse = (table: Table.Any): DatabaseError | undefined =>
    options.tables.get(table.name) === undefined ? notReplicated(dialect.name, table.name) : undefined

  const capture: Capturing = { target: primary, refuse, record }

  const ddl: DdlCapturing = (tables, statements) => {
    const unknown = tables.find((t) => refuse(t) !== undefined)
    if (unknown !== undefined) return Effect.fail(notReplicated(dialect.name, unknown.name))
    const op: Recorded = {
      _tag: "Ddl",
      tables: tables.map((t) => t.name),
      statements: { sqlite: statements(Dialect.sqlite), postgres: statements(Dialect.postgres), mysql: statements(Dialect.mysql) }
    }
    const run = Effect.forEach(statements(dialect), (sql) => primary.run({ sql, params: [] }), { discard: true })
    return dialect.name === "mysql"
      ? Effect.zipRight(run, transaction(record([op])))
      : transaction(Effect.zipRight(run, record([op])))
  }

  const recorder: DdlRecorder = {
    unrecorded: primary,
    record: (tables, statements) => record([{ _tag: "Ddl", tables, statements }])
  }

  const touching: TouchingFn = (table, keys, effect) => {
    const refused = refuse(table)
    if (refused !== undefined) return Effect.fail(refused)
    const driverKeys = encodeKeys(table, keys)
    if (Either.isLeft(driverKeys)) return Effect.fail(driverKeys.left)
    return transaction(Effect.tap(Effect.locally(effect, declaredRef, true), () => reread(table, driverKeys.right)))
  }

  /** The keys as the driver takes them (a single key's value, or a record of the key fields). */
  const encodeKeys = (table: Table.Any, keys: ReadonlyArray<unknown>) => {
    const pk = table.primaryKey
    const fields = table.model.fields as Record<string, Schema.Schema<unknown, unknown>>
    const encoders = pk.map((d) => ({
      encode: Schema.encodeUnknownEither(fields[d.field]),
      toDriver: Codec.toDriver(dialect, d.type.kind)
    }))
    const out: Array<ReadonlyArray<unknown>> = []
    for (const key of keys) {
      const record = typeof key === "object" && key !== null && !(key instanceof Date) && !(key instanceof Uint8Array)
      const values: Array<unknown> = []
      for (let i = 0; i < pk.length; i++) {
        const given = record ? (key as Record<string, unknown>)[pk[i].field] : pk.length === 1 ? key : undefined
        const encoded = encoders[i].encode(given)
        if (Either.isLeft(encoded)) return Either.left(QueryError.fromParseError(table.name, encoded.left))
        values.push(encoders[i].toDriver === undefined ? encoded.right : encoders[i].toDriver!(encoded.right))
      }
      out.push(values)
    }
    return Either.right(out)
  }

  /** Record the rows of `table` with these keys as they are now: present ones written, missing ones deleted. */
  const reread = (table: Table.Any, keys: ReadonlyArray<ReadonlyArray<unknown>>) => {
    const pk = table.primaryKey
    const at = pk.map((d) => table.columns.indexOf(d))
    const keyString = (row: Row) => JSON.stringify(neutralRow(table, dialect, at, row))
    const fields = table.columns.map((d) => d.field)
    return Effect.flatMap(fetchByKeys(primary, table, fields, pk, keys, Either.right), (found) => {
      const rows = found as Array<Row>
      const present = new Set(rows.map(keyString))
      const gone = keys
        .map((k) => Object.fromEntries(pk.map((d, i) => [d.field, k[i]])) as Row)
        .filter((k) => !present.has(keyString(k)))
      const changes: Array<Change> = []
      if (rows.length > 0) changes.push({ _tag: "Upsert", table, rows })
      if (gone.length > 0) changes.push({ _tag: "Delete", table, keys: gone })
      return record(changes)
    })
  }

  /** Run a read where it is routed: a shadow outside transactions when shadows are asked for, else the primary. */
  const routed = <A>(read: (db: Database) => Effect.Effect<A, DatabaseError>): Effect.Effect<A, DatabaseError> =>
    Effect.flatMap(FiberRef.get(frameRef), (frame) =>
      frame !== undefined ? read(primary) : Effect.flatMap(FiberRef.get(Routing.preference), (region) =>
        !Routing.wantsShadows(options.reads, region) ? read(primary) : Effect.flatMap(
          Effect.flatMap(FiberRef.get(lastWriteRef), options.route),
          // a shadow that cannot be reached is read around
          (db) => (db === primary ? read(primary) : Effect.catchTag(read(db), "ConnectionError", () => read(primary)))
        )))

  const allowed = (statement: Statement): Effect.Effect<boolean> =>
    isRead(statement.sql) ? Effect.succeed(true) : FiberRef.get(declaredRef)

  const guarded = <A>(statement: Statement, f: () => Effect.Effect<A, DatabaseError>) =>
    Effect.flatMap(allowed(statement), (ok) => (ok ? f() : Effect.fail(uncapturable(dialect.name, statement.sql))))

  const db: Database & CanReadNow & {
    [Capture]: Capturing
    [DdlCapture]: DdlCapturing
    [DdlRecording]: DdlRecorder
    [Touching]: TouchingFn
  } = {
    dialect,
    all: (statement) => (isRead(statement.sql) ? routed((d) => d.all(statement)) : guarded(statement, () => primary.all(statement))),
    run: (statement) => guarded(statement, () => primary.run(statement)),
    stream: (statement) =>
      isRead(statement.sql)
        ? Stream.unwrap(routed((d) => Effect.succeed(d.stream(statement))))
        : Stream.unwrap(guarded(statement, () => Effect.succeed(primary.stream(statement)))),
    transaction,
    submit: (statement) =>
      guarded(statement, () =>
        Effect.map(primary.run(statement), (result): Completion<RunResult> => ({ await: Effect.succeed(result) }))),
    sql: undefined as unknown as SqlClient.SqlClient,
    [ReadNow]: (fiber, statement, one) =>
      ReadNow in primary && isRead(statement.sql) &&
        (fiber.getFiberRef(frameRef) !== undefined || !Routing.wantsShadows(options.reads, fiber.getFiberRef(Routing.preference)))
        ? (primary as Database & CanReadNow)[ReadNow](fiber, statement, one)
        : db.all(statement),
    [Capture]: capture,
    [DdlCapture]: ddl,
    [DdlRecording]: recorder,
    [Touching]: touching
  }
  ;(db as { sql: SqlClient.SqlClient }).sql = SqlAdapter.make(db, primary.sql, options.compiler)
  return db
}
