/**
 * Opening the MySQL / MariaDB peers with the same pool size. Every pool
 * keeps its connections open while idle (mysql2's default closes idle ones
 * past `maxIdle`, which would make a library reconnect between samples).
 */
import { SqlClient } from "@effect/sql"
import { MysqlClient } from "@effect/sql-mysql2"
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2"
import { ManagedRuntime, Redacted } from "effect"
import { Kysely, MysqlDialect } from "kysely"
import mysql from "mysql2"
import * as DrizzleSchema from "./drizzle-mysql.js"
import type { KyselyDatabase } from "./kysely-types.js"

/** A mysql2 callback pool (its `.promise()` face is what the promise-based peers use). */
export const openMysqlPool = (url: string, size: number): mysql.Pool => {
  const pool = mysql.createPool({ uri: url, connectionLimit: size, maxIdle: size })
  pool.on("connection", (c) => c.on("error", () => {}))
  return pool
}

/** An `@effect/sql-mysql2` client behind a runtime built once per subject. */
export const openEffectMysql = async (url: string, size: number) => {
  const u = new URL(url)
  const runtime = ManagedRuntime.make(MysqlClient.layer({
    host: u.hostname,
    port: Number(u.port),
    database: decodeURIComponent(u.pathname.slice(1)),
    username: decodeURIComponent(u.username),
    password: Redacted.make(decodeURIComponent(u.password)),
    maxConnections: size,
    poolConfig: { maxIdle: size }
  }))
  const sql = await runtime.runPromise(SqlClient.SqlClient)
  return { runtime, sql }
}

export type DrizzleMysqlDb = MySql2Database<typeof DrizzleSchema.schema>

export const openDrizzleMysql = (url: string, size: number): { pool: mysql.Pool; db: DrizzleMysqlDb } => {
  const pool = openMysqlPool(url, size)
  return { pool, db: drizzle({ client: pool, schema: DrizzleSchema.schema, mode: "default" }) }
}

export const openKyselyMysql = (url: string, size: number): Kysely<KyselyDatabase> =>
  new Kysely<KyselyDatabase>({ dialect: new MysqlDialect({ pool: openMysqlPool(url, size) }) })
