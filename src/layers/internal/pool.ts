/**
 * The `Database` service over a pool of server connections, shared by
 * PostgreSQL and MySQL / MariaDB; what differs between them is a `Driver`
 * record. Opening is acquiring: a database that cannot be reached, refuses
 * the credentials or does not exist fails the layer with a `ConnectionError`
 * within the connect timeout. Closing first refuses new work, then awaits
 * every accepted `submit`, then closes the pool.
 *
 * @internal
 */
import type * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import { Context, Duration, Effect, Fiber, FiberSet, identity, Redacted, type Scope } from "effect"
import * as Database from "../Database.js"
import type { ConnectionOptions } from "./connectionOptions.js"
import * as DatabaseError from "../DatabaseError.js"
import { InTransaction, type KnowsTransaction } from "./inTransaction.js"
import * as Connections from "./poolConnection.js"
import * as PoolSqlClient from "./poolSqlClient.js"
import * as Transaction from "./poolTransaction.js"
import { type Target, traced } from "./trace.js"

export type { Driver, OpenPool } from "./poolConnection.js"

/** Opening failed: whatever the driver said, the layer could not connect. */
const connectionError = (driver: Connections.Driver, error: unknown): DatabaseError.ConnectionError => {
  const classified = driver.classify(error)
  return classified._tag === "ConnectionError"
    ? classified
    : new DatabaseError.ConnectionError({
      dialect: driver.dialect.name,
      code: classified.code,
      message: `could not connect: ${classified.message}`,
      cause: classified.cause
    })
}

const plain = (value: string | Redacted.Redacted | undefined) =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

/** Where the pool connects, for the spans' `db.namespace` and `server.*` attributes (never credentials). */
const target = (driver: Connections.Driver, options: ConnectionOptions): Target => {
  const raw = plain(options.url)
  let url: URL | undefined
  try {
    url = raw === undefined ? undefined : new URL(raw)
  } catch {
    url = undefined
  }
  const fromPath = url === undefined ? "" : decodeURIComponent(url.pathname.replace(/^\//, ""))
  const port = options.port ?? (url === undefined || url.port === "" ? undefined : Number(url.port))
  return {
    system: driver.system,
    namespace: options.database ?? (fromPath === "" ? undefined : fromPath),
    address: options.host ?? (url?.hostname === "" ? undefined : url?.hostname),
    port
  }
}

/**
 * The `Database` and `SqlClient` services of a pooled database, open for the
 * life of the scope.
 *
 * @internal
 */
export const make = (
  driver: Connections.Driver,
  options: ConnectionOptions
): Effect.Effect<
  Context.Context<Database.Database | SqlClient.SqlClient>,
  DatabaseError.DatabaseError,
  Scope.Scope | Reactivity.Reactivity
> =>
  Effect.gen(function*() {
    const dialect = driver.dialect.name
    const connectTimeout = Duration.decode(options.connectTimeout ?? Duration.seconds(5))
    // This build's own pool: nothing of it outlives the scope or is seen by another build.
    const pool = yield* Effect.mapError(driver.open(options), (e) => connectionError(driver, e))
    const c = Connections.make(driver, pool)

    // Prove the database answers now, so that bad settings fail the layer, not the first query.
    // The version also tells MariaDB from MySQL, for the spans' db.system.name.
    const probed = yield* Effect.scoped(
      Effect.flatMap(c.acquire, (conn) => conn.executeUnprepared("SELECT VERSION() AS v", [], undefined))
    ).pipe(
      Effect.timeoutFail({
        duration: connectTimeout,
        onTimeout: () =>
          new DatabaseError.ConnectionError({
            dialect,
            message: `could not connect within ${Duration.format(connectTimeout)}`
          })
      }),
      Effect.mapError((e) => connectionError(driver, e))
    )

    const transaction = Transaction.make(c)
    const sql = PoolSqlClient.make(c, transaction(PoolSqlClient.toSqlError))

    // Accepted writes run outside any transaction, in fibers the layer owns; registered after the
    // pool, this finalizer runs before the pool closes.
    const writes = yield* FiberSet.make<Database.RunResult, DatabaseError.DatabaseError>()
    const fork = yield* FiberSet.runtime(writes)<never>()
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        c.state.closing = true
        return FiberSet.awaitEmpty(writes)
      })
    )

    const run = (statement: Database.Statement, admitted: boolean) =>
      Effect.map(c.statement(statement.sql, statement.params, true, admitted), driver.runResult)

    const db: Database.Database & KnowsTransaction = {
      [InTransaction]: (fiber) => fiber.getFiberRef(c.current)?.tx.open === true,
      dialect: driver.dialect,
      all: (statement) =>
        c.statement(statement.sql, statement.params, false) as Effect.Effect<
          ReadonlyArray<Database.Row>,
          DatabaseError.DatabaseError
        >,
      run: (statement) => run(statement, false),
      stream: (statement) => c.stream(statement.sql, statement.params),
      transaction: transaction(identity),
      // The check and the fork happen in one synchronous step: nothing is accepted after closing began.
      submit: (statement) =>
        Effect.suspend(() => {
          if (c.state.closing) {
            return Effect.fail(
              new DatabaseError.ConnectionError({ dialect, message: "database is closing", retryable: false })
            )
          }
          const fiber = fork(run(statement, true))
          return Effect.succeed<Database.Completion<Database.RunResult>>({ await: Fiber.join(fiber) })
        }),
      sql
    }
    const version = Array.isArray(probed) ? (probed[0] as { readonly v?: unknown } | undefined)?.v : undefined
    const system = driver.system === "mysql" && /mariadb/i.test(String(version)) ? "mariadb" : driver.system
    return Context.make(Database.Database, traced(db, { ...target(driver, options), system })).pipe(Context.add(SqlClient.SqlClient, sql))
  })
