/**
 * The MySQL / MariaDB driver record: mysql2 pool under `@effect/sql-mysql2`.
 *
 * The pool is configured so that values come back exact and zone-free:
 * DATETIME / TIMESTAMP as strings in UTC (`dateStrings`, `timezone: "Z"`, and
 * the session `time_zone` set to UTC so that `NOW()` and TIMESTAMP columns
 * agree), BIGINT and DECIMAL as strings, charset utf8mb4.
 *
 * A few things need mysql2's own connection (`ConnectionImpl.conn` of
 * `@effect/sql-mysql2`, pinned at ~0.53): its thread id to stop an interrupted
 * statement with `KILL QUERY`, and `destroy` to drop a connection that cannot
 * be reused.
 *
 * @internal
 */
import * as MysqlClient from "@effect/sql-mysql2/MysqlClient"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { Duration, Effect, Option, Redacted } from "effect"
import type * as Mysql from "mysql2"
import Mysql2 from "mysql2"
import * as Dialect from "../../dialect/Dialect.js"
import type { IsolationLevel, RunResult } from "../Database.js"
import type { ConnectionOptions } from "./connectionOptions.js"
import { classify } from "./classifyMysql.js"
import type { Driver, OpenPool } from "./poolConnection.js"
import { connectConnection, destroyConnection, pooledStatement, type Session } from "./poolMysqlStatement.js"
import { take } from "./poolTake.js"

/**
 * MySQL-only settings: extra mysql2 pool options (ssl, socketPath, …).
 *
 * @internal
 */
export interface Extra {
  readonly poolConfig?: Mysql.PoolOptions | undefined
}

interface Target {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly username?: string | undefined
  readonly password?: string | undefined
}

const secret = (value: string | Redacted.Redacted | undefined) =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

const nonEmpty = (s: string) => (s === "" ? undefined : s)

// @effect/sql-mysql2 ignores `poolConfig` when given a URL, so the URL is taken apart here.
const fromUrl = (url: string): Target => {
  const u = new URL(url)
  return {
    host: nonEmpty(u.hostname.replace(/^\[(.*)\]$/, "$1")),
    port: u.port === "" ? undefined : Number(u.port),
    database: nonEmpty(decodeURIComponent(u.pathname.replace(/^\//, ""))),
    username: nonEmpty(decodeURIComponent(u.username)),
    password: nonEmpty(decodeURIComponent(u.password))
  }
}

const target = (options: ConnectionOptions): Target => {
  const url = secret(options.url)
  const base = url === undefined ? {} : fromUrl(url)
  return {
    host: options.host ?? base.host,
    port: options.port ?? base.port,
    database: options.database ?? base.database,
    username: options.username ?? base.username,
    password: secret(options.password) ?? base.password
  }
}

const raw = (conn: Connection): Mysql.PoolConnection | undefined => {
  const inner = (conn as unknown as { conn?: Mysql.PoolConnection }).conn
  return inner !== undefined && typeof (inner as { release?: unknown }).release === "function" ? inner : undefined
}

/** What of mysql2's pool (internal fields) tells whether a connection is free right now. */
interface MysqlPoolState {
  readonly _freeConnections: { readonly length: number }
  readonly _connectionQueue: { readonly length: number }
}

const poolOf = (c: Mysql.PoolConnection | undefined): (Mysql.Pool & MysqlPoolState) | undefined => {
  const pool = (c as unknown as { _pool?: Partial<MysqlPoolState & Mysql.Pool> } | undefined)?._pool
  return pool !== undefined && typeof pool._freeConnections?.length === "number" &&
      typeof pool._connectionQueue?.length === "number" && typeof pool.getConnection === "function"
    ? pool as Mysql.Pool & MysqlPoolState
    : undefined
}

const destroy = (conn: Connection) =>
  Effect.sync(() => {
    const c = raw(conn)
    if (c !== undefined) destroyConnection(c)
  })

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

const longlong = (v: bigint): unknown =>
  v >= INT64_MIN && v <= INT64_MAX
    ? Mysql2.TypedParameter.LONGLONG(v)
    : v > INT64_MAX && v <= UINT64_MAX
    ? Mysql2.TypedParameter.LONGLONG.unsigned(v)
    // out of every integer type: the server reports the overflow as it would for text
    : String(v)

/**
 * Bigints bound as 64-bit integers: mysql2 sends a bigint as text, which the
 * server turns into a DOUBLE wherever no column gives the parameter a type
 * (`col + ?`), exact only up to 2^53. Other parameters are left as they are;
 * a statement without a bigint keeps its array.
 */
const bindBigInts = (params: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
  for (let i = 0; i < params.length; i++) {
    if (typeof params[i] === "bigint") {
      return params.map((p) => (typeof p === "bigint" ? longlong(p) : p))
    }
  }
  return params
}

/** Every session in UTC: `NOW()`, TIMESTAMP columns and our DATETIME strings agree. */
const SET_UP_SESSION = "SET time_zone = '+00:00'"

const isolationSql = (isolation: IsolationLevel) => isolation.toUpperCase()

const insertId = (id: unknown): number | bigint | undefined =>
  id === undefined || id === null || id === 0 || id === "0"
    ? undefined
    : typeof id === "string"
    ? BigInt(id)
    : typeof id === "bigint" || typeof id === "number"
    ? id
    : undefined

/**
 * What the layer learns and keeps about one open pool, for the build that
 * opened it: mysql2's pool and `@effect/sql-mysql2`'s connection wrapper
 * (neither is exposed: both are known from the first connection handed
 * out), and when each physical connection was set up.
 */
const openPool = (client: SqlClient, connectionTTL: Duration.DurationInput | undefined): OpenPool => {
  // When each physical connection was first set up (mysql2 has no lifetime setting: enforced on reuse).
  const born = new WeakMap<object, number>()
  let pool: (Mysql.Pool & MysqlPoolState) | undefined
  let wrap: ((c: Mysql.PoolConnection) => Connection) | undefined
  const ttl = connectionTTL === undefined ? undefined : Duration.toMillis(connectionTTL)
  const session: Session = {
    expired: (c) => {
      const since = born.get(c)
      return ttl !== undefined && since !== undefined && Date.now() - since >= ttl
    },
    ready: (c) => born.has(c),
    setUp: (c) => born.set(c, Date.now()),
    setUpSql: SET_UP_SESSION
  }
  return {
    client,
    prepare: (conn) => {
      const c = raw(conn)
      pool ??= poolOf(c)
      if (wrap === undefined && c !== undefined) {
        const ctor = (conn as unknown as { constructor: new(c: Mysql.PoolConnection) => Connection }).constructor
        wrap = (next) => new ctor(next)
      }
      if (c === undefined || session.ready(c)) return Effect.void
      return Effect.map(conn.executeUnprepared(SET_UP_SESSION, [], undefined), () => session.setUp(c))
    },
    // mysql2 cannot cancel a statement: ask the server, from another connection, to stop it. If that
    // cannot be done, the connection may still be running the statement: it must not be reused.
    cancel: (conn, spare) => {
      const id = raw(conn)?.threadId
      if (typeof id !== "number") return destroy(conn)
      return Effect.scoped(
        Effect.flatMap(spare, (other) => other.executeUnprepared(`KILL QUERY ${Math.trunc(id)}`, [], undefined))
      ).pipe(
        Effect.timeoutOption("5 seconds"),
        Effect.flatMap(Option.match({ onNone: () => destroy(conn), onSome: () => Effect.void })),
        Effect.catchAll(() => destroy(conn))
      )
    },
    expired: (conn) => {
      const c = raw(conn)
      return c !== undefined && session.expired(c)
    },
    idle: () => pool !== undefined && pool._freeConnections.length > 0 && pool._connectionQueue.length === 0,
    // until a first connection has shown us mysql2's pool, statements reserve one
    pooled: (sql, params, rawResult) =>
      pool === undefined ? undefined : pooledStatement(pool, session, sql, params, rawResult),
    take: () => pool === undefined || wrap === undefined ? undefined : take(connectConnection(pool), wrap)
  }
}

/** @internal */
export const driver = (extra: Extra): Driver => ({
  dialect: Dialect.mysql,
  system: "mysql",
  compiler: MysqlClient.makeCompiler(),
  bind: bindBigInts,
  open: (options) => {
    const t = target(options)
    const maxConnections = options.maxConnections ?? 10
    const client = MysqlClient.make({
      host: t.host,
      port: t.port,
      database: t.database,
      username: t.username,
      password: t.password === undefined ? undefined : Redacted.make(t.password),
      maxConnections,
      // @effect/sql-mysql2 hands this to mysql2 as its `idleTimeout`.
      connectionTTL: options.idleTimeout,
      poolConfig: {
        ...extra.poolConfig,
        // idle connections kept regardless of idleTimeout (@effect/sql-mysql2 defaults it to 0: none)
        maxIdle: options.minConnections ?? maxConnections,
        connectTimeout: Duration.toMillis(options.connectTimeout ?? Duration.seconds(5)),
        charset: "UTF8MB4_UNICODE_CI",
        // each connection's session is set up once (time_zone): a reset on release would undo it
        resetOnRelease: false,
        timezone: "Z",
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        decimalNumbers: false
      }
    })
    return Effect.map(client, (client) => openPool(client, options.connectionTTL))
  },
  classify,
  begin: (isolation) =>
    isolation === undefined
      ? ["START TRANSACTION"]
      : [`SET TRANSACTION ISOLATION LEVEL ${isolationSql(isolation)}`, "START TRANSACTION"],
  control: (conn, sql) => conn.executeUnprepared(sql, [], undefined),
  runResult: (result): RunResult => {
    if (Array.isArray(result)) return { rowsAffected: result.length, lastInsertId: undefined }
    const header = result as { affectedRows?: number; insertId?: unknown } | undefined
    return { rowsAffected: header?.affectedRows ?? 0, lastInsertId: insertId(header?.insertId) }
  },
  commitRolledBack: () => false,
  // InnoDB rolls back the whole transaction of a deadlock victim; later statements would autocommit.
  transactionLost: (error) => error._tag === "Deadlock" || error._tag === "SerializationFailure",
  // A half-read result cannot be skipped without reading it all: drop the connection.
  streamAbandoned: (conn) => Effect.as(destroy(conn), false),
  discard: destroy
})
