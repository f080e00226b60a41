/**
 * Small builders that turn "one operation number → checksum" functions into
 * subjects for each library, so workload files hold only the per-library
 * query code. Sync libraries run a plain loop; promise libraries await each
 * operation in turn; Effect libraries run the whole loop inside one
 * `runPromise`.
 */
import type { SqlClient } from "@effect/sql"
import type Database from "better-sqlite3"
import { Effect, type ManagedRuntime } from "effect"
import type { Kysely } from "kysely"
import type mysql from "mysql2"
import type pg from "pg"
import type { Subject } from "../harness.js"
import type { Entry, MysqlEnv, PgEnv, SqliteEnv } from "../workload.js"
import type { KyselyDatabase } from "./kysely-types.js"
import { type DrizzleMysqlDb, openDrizzleMysql, openEffectMysql, openKyselyMysql, openMysqlPool } from "./mysql.js"
import { openEffectPg, openPool } from "./postgres.js"
import { type DrizzleDb, openDrizzle, openEffect, openKysely, openRaw } from "./sqlite.js"

type Op<A> = (i: number) => A
type Note = { readonly note?: string }

export const loop = (n: number, offset: number, op: Op<number>): number => {
  let sum = 0
  for (let i = offset; i < offset + n; i++) sum += op(i)
  return sum
}

export const loopAsync = async (n: number, offset: number, op: Op<Promise<number>>): Promise<number> => {
  let sum = 0
  for (let i = offset; i < offset + n; i++) sum += await op(i)
  return sum
}

export const loopEffect = <E, R>(n: number, offset: number, op: Op<Effect.Effect<number, E, R>>) =>
  Effect.gen(function*() {
    let sum = 0
    for (let i = offset; i < offset + n; i++) sum += yield* op(i)
    return sum
  })

/** An Effect library's subject: the whole batch of `n` operations inside one `runPromise` on `runtime`. */
export const effectSubject = <E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  op: Op<Effect.Effect<number, E, R>>
): Subject => ({ run: (n, offset) => runtime.runPromise(loopEffect(n, offset, op)), close: () => runtime.dispose() })

const withNote = <Env>(open: (env: Env) => Promise<Subject>, options?: Note): Entry<Env> =>
  options?.note === undefined ? { open } : { open, note: options.note }

// ---------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------

export const betterSqlite = (make: (db: Database.Database) => Op<number>, options?: Note): Entry<SqliteEnv> =>
  withNote(async ({ file, sync }) => {
    const db = openRaw(file, sync)
    const op = make(db)
    return { run: (n, offset) => loop(n, offset, op), close: () => db.close() }
  }, options)

/** better-sqlite3: `sql` prepared once; every op consumes `.all(...params(i))`. */
export const betterSqliteAll = <Row>(
  sql: string,
  params: (i: number) => ReadonlyArray<unknown>,
  consume: (rows: ReadonlyArray<Row>) => number,
  options?: Note
): Entry<SqliteEnv> =>
  betterSqlite((db) => {
    const stmt = db.prepare<Array<unknown>, Row>(sql)
    return (i) => consume(stmt.all(...params(i)))
  }, options)

export const effectSqlite = <E>(make: (sql: SqlClient.SqlClient) => Op<Effect.Effect<number, E>>, options?: Note): Entry<SqliteEnv> =>
  withNote(async ({ file, sync }) => {
    const { runtime, sql } = await openEffect(file, sync)
    return effectSubject(runtime, make(sql))
  }, options)

export const drizzleSqlite = (make: (db: DrizzleDb) => Op<number | Promise<number>>, options?: Note): Entry<SqliteEnv> =>
  withNote(async ({ file, sync }) => {
    const { client, db } = openDrizzle(file, sync)
    const op = make(db)
    return {
      run: async (n, offset) => {
        let sum = 0
        for (let i = offset; i < offset + n; i++) {
          const r = op(i)
          sum += typeof r === "number" ? r : await r
        }
        return sum
      },
      close: () => client.close()
    }
  }, options)

export const kyselySqlite = (make: (db: Kysely<KyselyDatabase>) => Op<Promise<number>>, options?: Note): Entry<SqliteEnv> =>
  withNote(async ({ file, sync }) => {
    const { client, db } = openKysely(file, sync)
    const op = make(db)
    return {
      run: (n, offset) => loopAsync(n, offset, op),
      close: async () => {
        await db.destroy()
        if (client.open) client.close()
      }
    }
  }, options)

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

export const pgRaw = (make: (pool: pg.Pool) => Op<Promise<number>>, options?: Note): Entry<PgEnv> =>
  withNote(async ({ url, pool: size }) => {
    const pool = openPool(url, size)
    const op = make(pool)
    return { run: (n, offset) => loopAsync(n, offset, op), close: () => pool.end() }
  }, options)

export const effectPg = <E>(make: (sql: SqlClient.SqlClient) => Op<Effect.Effect<number, E>>, options?: Note): Entry<PgEnv> =>
  withNote(async ({ url, pool }) => {
    const { runtime, sql } = await openEffectPg(url, pool)
    return effectSubject(runtime, make(sql))
  }, options)

/** pg: `pool.query(sql, [...params(i)])` per op; its rows consumed. */
export const pgAll = <Row extends pg.QueryResultRow>(
  sql: string,
  params: (i: number) => ReadonlyArray<unknown>,
  consume: (rows: ReadonlyArray<Row>) => number,
  options?: Note
): Entry<PgEnv> => pgRaw((pool) => async (i) => consume((await pool.query<Row>(sql, [...params(i)])).rows), options)

// ---------------------------------------------------------------------------
// MySQL / MariaDB
// ---------------------------------------------------------------------------

/** mysql2 (the promise face of its pool): `make(pool)` gives the op. */
export const mysqlRaw = (make: (pool: ReturnType<mysql.Pool["promise"]>) => Op<Promise<number>>, options?: Note): Entry<MysqlEnv> =>
  withNote(async ({ url, pool: size }) => {
    const pool = openMysqlPool(url, size).promise()
    const op = make(pool)
    return { run: (n, offset) => loopAsync(n, offset, op), close: () => pool.end() }
  }, options)

/** mysql2: `pool.execute(sql, [...params(i)])` per op (a server-side prepared statement, cached per connection). */
export const mysqlAll = <Row>(
  sql: string,
  params: (i: number) => ReadonlyArray<unknown>,
  consume: (rows: ReadonlyArray<Row>) => number,
  options?: Note
): Entry<MysqlEnv> =>
  mysqlRaw((pool) => async (i) => {
    const [rows] = await pool.execute(sql, [...params(i)] as Array<any>)
    return consume(rows as unknown as ReadonlyArray<Row>)
  }, options)

export const effectMysql = <E>(make: (sql: SqlClient.SqlClient) => Op<Effect.Effect<number, E>>, options?: Note): Entry<MysqlEnv> =>
  withNote(async ({ url, pool }) => {
    const { runtime, sql } = await openEffectMysql(url, pool)
    return effectSubject(runtime, make(sql))
  }, options)

export const drizzleMysql = (make: (db: DrizzleMysqlDb) => Op<Promise<number>>, options?: Note): Entry<MysqlEnv> =>
  withNote(async ({ url, pool: size }) => {
    const { pool, db } = openDrizzleMysql(url, size)
    const op = make(db)
    return { run: (n, offset) => loopAsync(n, offset, op), close: () => pool.promise().end() }
  }, options)

export const kyselyMysql = (make: (db: Kysely<KyselyDatabase>) => Op<Promise<number>>, options?: Note): Entry<MysqlEnv> =>
  withNote(async ({ url, pool }) => {
    const db = openKyselyMysql(url, pool)
    const op = make(db)
    return { run: (n, offset) => loopAsync(n, offset, op), close: () => db.destroy() }
  }, options)

/** Sum a numeric field over rows (how results are consumed). */
export const sumOf = <K extends string>(rows: ReadonlyArray<{ readonly [k in K]: unknown }>, key: K): number => {
  let sum = 0
  for (const row of rows) sum += Number(row[key])
  return sum
}
