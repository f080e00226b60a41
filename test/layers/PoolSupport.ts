/**
 * Helpers for the PostgreSQL / MariaDB layer tests: open a pooled database
 * of either dialect, write statements with the dialect's placeholders, and
 * read the server's own view of our connections.
 */
import { Context, Effect, Either, Layer, type Scope } from "effect"
import { Database, type Statement } from "../../src/layers/Database.js"
import type { ConnectionOptions } from "../../src/layers/DatabaseConfig.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import { only, serverDatabase } from "../support/dialects.js"

export const pooled = ["postgres", "mysql"] as const
export type Pooled = typeof pooled[number]

/** The URL of a fresh database for `suite` (dropped and created again), dropped when the scope closes. */
export const freshUrl = (kind: Pooled, suite: string) => serverDatabase(kind, suite)

/** The layer of a pooled database at `url`. */
export const layerAt = (kind: Pooled, url: string, options?: Omit<ConnectionOptions, "url">) =>
  kind === "postgres" ? Postgres.layer({ ...options, url }) : Mysql.layer({ ...options, url })

/** Open the database at `url` for the life of the current scope. */
export const openAt = (
  kind: Pooled,
  url: string,
  options?: Omit<ConnectionOptions, "url">
): Effect.Effect<Database, DatabaseError, Scope.Scope> =>
  Effect.map(Layer.build(layerAt(kind, url, options)), Context.get(Database))

/** A fresh database for `suite`, open for the life of the current scope (through `only`). */
export const open = (kind: Pooled, suite: string): Effect.Effect<Database, DatabaseError, Scope.Scope> =>
  Effect.map(Layer.build(only(kind, suite).layer), Context.get(Database))

/** A statement from a template: every interpolated value becomes a bound parameter. */
export const sql = (db: Database) => (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Statement => ({
  sql: strings.reduce((acc, s, i) => acc + db.dialect.placeholder(i) + s),
  params: values
})

export const exec = (db: Database, text: string) => db.run({ sql: text, params: [] })

export const count = (db: Database, table: string, where = "1 = 1") =>
  Effect.map(db.all({ sql: `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params: [] }), (rows) => Number(rows[0].n))

export const failure = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.either(effect), (either) =>
    Either.isLeft(either)
      ? Effect.succeed(either.left)
      : Effect.dieMessage(`expected a failure, got ${JSON.stringify(either.right)}`))

// InnoDB's own list of the transactions it has started, read live: the sessions it names.
// (`information_schema.INNODB_TRX` is no substitute: it is a server-wide cache refilled only when
// nobody has read it for 100 ms, and every read restarts that wait, so readers polling it, here or in
// any other session on the server, can keep it stale for as long as they poll.)
const innodbTransactionThreads = (db: Database) =>
  Effect.map(db.all({ sql: "SHOW ENGINE INNODB STATUS", params: [] }), (rows) => {
    const blocks = String(rows[0]?.Status ?? "").split("\n---TRANSACTION ").slice(1)
    return new Set(blocks.flatMap((block) => {
      const [header, ...rest] = block.split(/\n-{3,}/)[0].split("\n")
      const thread = /thread id (\d+)/.exec(rest.join("\n"))
      return header.includes("not started") || thread === null ? [] : [Number(thread[1])]
    }))
  })

/**
 * Our connections the server holds inside an open transaction (other than
 * the one asking): PostgreSQL's `idle in transaction` backends, InnoDB
 * transactions of MariaDB threads on this database. Both read live state.
 */
export const openTransactions = (db: Database) =>
  db.dialect.name === "postgres"
    ? Effect.map(
      db.all({
        sql: "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" +
          " AND (state LIKE 'idle in transaction%' OR backend_xid IS NOT NULL)",
        params: []
      }),
      (rows) => Number(rows[0].n)
    )
    : Effect.gen(function*() {
      const threads = yield* innodbTransactionThreads(db)
      const ours = yield* db.all({
        sql: "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
        params: []
      })
      return ours.filter((row) => threads.has(Number(row.id))).length
    })

/**
 * The server's ids of our connections running a statement (other than the
 * one asking). A MariaDB session runs a prepared statement as `Execute`, a
 * plain one as `Query`, and between statements it is `Sleep`.
 */
export const runningIds = (db: Database) =>
  Effect.map(
    db.all({
      sql: db.dialect.name === "postgres"
        ? "SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" +
          " AND state = 'active'"
        : "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()" +
          " AND COMMAND <> 'Sleep'",
      params: []
    }),
    (rows) => rows.map((row) => Number(row.id))
  )

/** How many of our connections the server is running a statement for (other than the one asking). */
export const runningStatements = (db: Database) => Effect.map(runningIds(db), (ids) => ids.length)

/** The server's id of the connection a statement runs on. */
export const connectionId = (db: Database) =>
  Effect.map(
    db.all({ sql: db.dialect.name === "postgres" ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id", params: [] }),
    (rows) => Number(rows[0].id)
  )

/** Our connections the server has open on this database (the one asking included). */
export const serverConnections = (db: Database) =>
  Effect.map(
    db.all({
      sql: db.dialect.name === "postgres"
        ? "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
        : "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE()",
      params: []
    }),
    (rows) => Number(rows[0].n)
  )

/** The SQL of a lazily produced sequence 1..n, for streams far larger than memory. */
export const sequence = (db: Database, n: number) =>
  db.dialect.name === "postgres"
    ? `SELECT generate_series(1, ${n}) AS n`
    : `SELECT seq AS n FROM seq_1_to_${n}`

/**
 * Read `effect` until `done` holds, then return the last reading: the server
 * finishes some work after the client has moved on (a cancelled statement
 * stops, a dropped connection's session ends). Poll live views only, and
 * outside a transaction (PostgreSQL keeps one `pg_stat_activity` snapshot per
 * transaction).
 */
export const eventually = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  attempts = 100
): Effect.Effect<A, E, R> =>
  Effect.flatMap(effect, (a) =>
    done(a) || attempts <= 1
      ? Effect.succeed(a)
      : Effect.zipRight(Effect.sleep("50 millis"), eventually(effect, done, attempts - 1)))

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
