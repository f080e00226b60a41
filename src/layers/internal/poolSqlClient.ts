/**
 * The `@effect/sql` client a pooled database hands out (`Database.sql`, and
 * the `SqlClient` of its layer). Its statements run where this database's
 * statements run: inside `Database.transaction` on the transaction's
 * connection, elsewhere on a pooled one. It ignores `@effect/sql`'s global
 * `TransactionConnection`, so another client's `withTransaction` never
 * captures it, and its `withTransaction` is `Database.transaction`.
 *
 * Driver failures reach it as `SqlError`s whose `cause` is the classified
 * `DatabaseError`.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { Effect, Stream } from "effect"
import type * as DatabaseError from "../DatabaseError.js"
import type { Connections } from "./poolConnection.js"

/** @internal */
export const toSqlError = (error: DatabaseError.DatabaseError): SqlError =>
  new SqlError({ cause: error, message: error.message })

/** @internal */
export const make = (
  c: Connections,
  withTransaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | SqlError, R>
): SqlClient.SqlClient => {
  const on = <A>(sql: string, f: (conn: Connection) => Effect.Effect<A, SqlError>) =>
    Effect.mapError(c.use(sql, f), toSqlError)

  // One connection object whose every call picks the connection at run time.
  const connection: Connection = {
    execute: (sql, params, transformRows) => on(sql, (conn) => conn.execute(sql, params, transformRows)),
    executeRaw: (sql, params) => on(sql, (conn) => conn.executeRaw(sql, params)),
    executeValues: (sql, params) => on(sql, (conn) => conn.executeValues(sql, params)),
    executeUnprepared: (sql, params, transformRows) =>
      on(sql, (conn) => conn.executeUnprepared(sql, params, transformRows)),
    executeStream: (sql, params, transformRows) => Stream.mapError(c.stream(sql, params, transformRows), toSqlError)
  }

  const statement = Statement.make(
    Effect.succeed(connection),
    c.driver.compiler,
    [["db.system.name", c.driver.system]],
    undefined
  )
  const client: SqlClient.SqlClient = Object.assign(statement, {
    [SqlClient.TypeId]: SqlClient.TypeId as SqlClient.TypeId,
    safe: undefined as unknown as SqlClient.SqlClient,
    withoutTransforms: () => client,
    reserve: Effect.mapError(c.reserve, toSqlError),
    withTransaction,
    reactive: c.client.reactive,
    reactiveMailbox: c.client.reactiveMailbox
  })
  ;(client as { safe: SqlClient.SqlClient }).safe = client
  return client
}
