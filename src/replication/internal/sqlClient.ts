/**
 * The `@effect/sql` client of a replicated database (`Database.sql`, and the
 * `SqlClient` of its layer): its statements go through the replicated
 * database itself, so reads pass to the primary and raw writes are refused
 * unless declared with `Replication.touching`; its `withTransaction` is the
 * replicated database's transaction (recorded for the shadows).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { Effect, Stream } from "effect"
import type { Database } from "../../layers/Database.js"
import { type ConnectionError, type DatabaseError, isDatabaseError } from "../../layers/DatabaseError.js"
import * as DriverModule from "../../layers/internal/driverModule.js"

const toSqlError = (error: DatabaseError): SqlError => new SqlError({ cause: error, message: error.message })

/**
 * The statement compiler of the primary's dialect. The driver packages are
 * optional peers, so PostgreSQL's and MySQL's compilers are loaded when a
 * replicated layer is built over such a primary, never at import.
 */
export const compilerFor = (dialect: Database["dialect"]["name"]): Effect.Effect<Statement.Compiler, ConnectionError> => {
  switch (dialect) {
    case "sqlite":
      return Effect.succeed(Statement.makeCompilerSqlite())
    case "postgres":
      return Effect.map(DriverModule.load(dialect, () => import("@effect/sql-pg/PgClient")), (m) => m.makeCompiler())
    case "mysql":
      return Effect.map(DriverModule.load(dialect, () => import("@effect/sql-mysql2/MysqlClient")), (m) => m.makeCompiler())
  }
}

/** The client of `db` (the replicated database), borrowing what it cannot make from the primary's client. */
export const make = (db: Database, primary: SqlClient.SqlClient, compiler: Statement.Compiler): SqlClient.SqlClient => {
  const rows = (sql: string, params: ReadonlyArray<unknown>) => Effect.mapError(db.all({ sql, params }), toSqlError)
  const execute = (sql: string, params: ReadonlyArray<unknown>, transformRows?: (rows: ReadonlyArray<object>) => ReadonlyArray<object>) =>
    transformRows === undefined ? rows(sql, params) : Effect.map(rows(sql, params), (r) => transformRows(r as ReadonlyArray<object>))
  const connection: Connection = {
    execute: execute as Connection["execute"],
    executeRaw: (sql, params) => rows(sql, params),
    executeValues: (sql, params) =>
      Effect.map(rows(sql, params), (r) => r.map((row) => Object.values(row))) as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>,
    executeUnprepared: execute as Connection["executeUnprepared"],
    executeStream: (sql, params, transformRows) => {
      const stream = Stream.mapError(db.stream({ sql, params }), toSqlError)
      return (transformRows === undefined
        ? stream
        : Stream.mapChunks(stream, (chunk) => transformRows(Array.from(chunk) as ReadonlyArray<object>) as any)) as any
    }
  }
  const statement = Statement.make(Effect.succeed(connection), compiler, [["db.system.name", db.dialect.name]], undefined)
  const client: SqlClient.SqlClient = Object.assign(statement, {
    [SqlClient.TypeId]: SqlClient.TypeId as SqlClient.TypeId,
    safe: undefined as unknown as SqlClient.SqlClient,
    withoutTransforms: () => client,
    reserve: Effect.succeed(connection) as unknown as SqlClient.SqlClient["reserve"],
    // the transaction's own failures (commit, the log) come back as SqlErrors
    withTransaction: <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.mapError(db.transaction(effect), (e) => (isDatabaseError(e) ? toSqlError(e) : e)) as Effect.Effect<A, E | SqlError, R>,
    reactive: primary.reactive,
    reactiveMailbox: primary.reactiveMailbox
  })
  ;(client as { safe: SqlClient.SqlClient }).safe = client
  return client
}
