/**
 * The PostgreSQL driver record: node-postgres pool under `@effect/sql-pg`.
 *
 * The pool is built here and handed to `PgClient.fromPool` so that the
 * connect timeout bounds opening one connection only: pg-pool applies its
 * `connectionTimeoutMillis` to waiting for a busy pool too, which would fail
 * work that merely queues behind a full pool. Each client gets the timeout
 * instead.
 *
 * @internal
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { Duration, Effect, Redacted } from "effect"
import * as Pg from "pg"
import * as Dialect from "../../dialect/Dialect.js"
import type { IsolationLevel, RunResult } from "../Database.js"
import type { ConnectionOptions } from "./connectionOptions.js"
import { classify } from "./classifyPostgres.js"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import type { Driver, OpenPool } from "./poolConnection.js"
import { connectClient, names, pooledStatement } from "./poolPgStatement.js"
import { take } from "./poolTake.js"

/**
 * PostgreSQL-only settings.
 *
 * @internal
 */
export interface Extra {
  readonly ssl?: Pg.ClientConfig["ssl"] | undefined
  readonly applicationName?: string | undefined
  /**
   * Run statements outside a transaction as named (server-side prepared)
   * statements, parsed and planned once per connection and SQL text (default
   * `true`). Turn off behind a pooler that does not keep prepared statements
   * from one transaction to the next (PgBouncer in transaction mode before
   * 1.21, or without `max_prepared_statements`).
   */
  readonly preparedStatements?: boolean | undefined
}

const secret = (value: string | Redacted.Redacted | undefined) =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

const millis = (d: Duration.DurationInput | undefined) => d === undefined ? undefined : Duration.toMillis(d)

const newPool = (options: ConnectionOptions & Extra) => {
  const connectMillis = millis(options.connectTimeout ?? Duration.seconds(5))
  class Client extends Pg.Client {
    constructor(config?: string | Pg.ClientConfig) {
      super({ ...(typeof config === "string" ? { connectionString: config } : config), connectionTimeoutMillis: connectMillis })
    }
  }
  const ttl = options.connectionTTL === undefined ? undefined : Duration.toSeconds(options.connectionTTL)
  const pool = new Pg.Pool({
    connectionString: secret(options.url),
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.username,
    password: secret(options.password),
    ssl: options.ssl,
    max: options.maxConnections ?? 10,
    min: options.minConnections,
    idleTimeoutMillis: millis(options.idleTimeout),
    maxLifetimeSeconds: ttl === undefined ? undefined : Math.max(1, Math.round(ttl)),
    application_name: options.applicationName ?? "effect-quarry",
    Client: Client as unknown as new() => Pg.ClientBase
  })
  // An idle client's error (server restart) is reported on the next use; it must not crash the process.
  pool.on("error", () => {})
  return pool
}

const isolationSql = (isolation: IsolationLevel) => isolation.toUpperCase()

const pgClient = (conn: unknown): Pg.PoolClient | undefined => (conn as { pg?: Pg.PoolClient }).pg

/** What `@effect/sql-pg` and pg-pool tell about one open pool, for the build that opened it. */
const openPool = (pool: Pg.Pool, client: SqlClient, prepared: boolean): OpenPool => {
  // @effect/sql-pg's connection over one client, known from the first connection it hands out
  let wrap: ((client: Pg.PoolClient) => Connection) | undefined
  const named = prepared ? names() : undefined
  return {
    client,
    prepare: (conn) =>
      Effect.sync(() => {
        const ctor = (conn as unknown as { constructor?: new(client: Pg.PoolClient) => Connection }).constructor
        if (wrap === undefined && pgClient(conn) !== undefined && ctor !== undefined) wrap = (client) => new ctor(client)
      }),
    // @effect/sql-pg cancels an interrupted statement itself (pg_cancel_backend).
    cancel: undefined,
    // pg-pool enforces the lifetime itself (`maxLifetimeSeconds`).
    expired: () => false,
    idle: () => pool.idleCount > 0 && pool.waitingCount === 0,
    pooled: (sql, params, raw) => pooledStatement(pool, sql, params, raw, named),
    take: () => wrap === undefined ? undefined : take(connectClient(pool), wrap)
  }
}

/** @internal */
export const driver = (extra: Extra): Driver => ({
  dialect: Dialect.postgres,
  system: "postgresql",
  bind: undefined,
  compiler: PgClient.makeCompiler(),
  open: (options) =>
    Effect.gen(function*() {
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => newPool({ ...options, ...extra })),
        (pool) => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption("5 seconds"))
      )
      const client = yield* PgClient.fromPool({
        acquire: Effect.succeed(pool),
        applicationName: extra.applicationName ?? "effect-quarry"
      })
      return openPool(pool, client, extra.preparedStatements !== false)
    }),
  classify,
  begin: (isolation) => [isolation === undefined ? "BEGIN" : `BEGIN ISOLATION LEVEL ${isolationSql(isolation)}`],
  control: (conn, sql) => conn.executeRaw(sql, []),
  runResult: (raw): RunResult => {
    const result = (Array.isArray(raw) ? raw[raw.length - 1] : raw) as Pg.QueryResult | undefined
    return { rowsAffected: result?.rowCount ?? 0, lastInsertId: undefined }
  },
  commitRolledBack: (raw) => (raw as Pg.QueryResult | undefined)?.command === "ROLLBACK",
  // PostgreSQL keeps a failed transaction open (aborted) until ROLLBACK; COMMIT reports it.
  transactionLost: () => false,
  // The cursor is closed by @effect/sql-pg's finalizer; the connection stays usable.
  streamAbandoned: () => Effect.succeed(true),
  discard: (conn) =>
    Effect.sync(() => {
      // An ended client is dropped by pg-pool when it is released.
      pgClient(conn)?.end().catch(() => {})
    })
})
