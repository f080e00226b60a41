/**
 * 100 concurrent by-id lookups: a round of 100 `SELECT … WHERE id = ?`
 * started together and awaited together (the shape of a GraphQL resolver
 * fan-out). Unit: lookups/s.
 */
import type { SqlClient } from "@effect/sql"
import { eq } from "drizzle-orm"
import { Effect } from "effect"
import { users } from "../clients/drizzle-sqlite.js"
import {
  betterSqlite,
  drizzleSqlite,
  effectMysql,
  effectPg,
  effectSqlite,
  kyselySqlite,
  mysqlRaw,
  pgRaw
} from "../clients/entries.js"
import { CONCURRENCY, ids, range, type UserRow } from "../data/dataset.js"
import { quarryMysql, quarryPg, quarrySqlite, Users } from "../clients/quarry.js"
import * as Loader from "../../src/orm/Loader.js"
import type { BatchWorkload } from "../workload.js"

const SQL = "SELECT id, email, name, age, score FROM users WHERE id = ?"
const PG_SQL = "SELECT id, email, name, age, score FROM users WHERE id = $1"

/** The user ids of round `i`. */
const round = (i: number): Array<number> => range(i * CONCURRENCY, CONCURRENCY, ids.user)

const consume = (rows: ReadonlyArray<UserRow | undefined>): number => {
  let sum = 0
  for (const row of rows) {
    if (row === undefined) throw new Error("row not found")
    sum += row.age
  }
  return sum
}

/** Quarry: one `Loader` shared by every lookup; lookups made together become one `WHERE id IN (…)` query. */
const quarryLookups = () => {
  const users = Loader.make(Users, "id")
  return (i: number) =>
    Effect.map(Effect.forEach(round(i), users.get, { concurrency: "unbounded", batching: true }), consume)
}

/** `@effect/sql` (every dialect alike): one tagged-template query per id, all started at once. */
const effectLookups = (sql: SqlClient.SqlClient) => (i: number) =>
  Effect.map(
    Effect.forEach(
      round(i),
      (id) => Effect.map(sql<UserRow>`SELECT id, email, name, age, score FROM users WHERE id = ${id}`, (r) => r[0]),
      { concurrency: "unbounded" }
    ),
    consume
  )

export const concurrentLookups: BatchWorkload = {
  kind: "batch",
  id: "concurrent-lookups",
  title: "100 concurrent by-id lookups",
  work: "100 `SELECT … FROM users WHERE id = ?` started at once and awaited together; lookups/s",
  unit: "lookups/s",
  plan: { verifyOps: 4, unitsPerOp: CONCURRENCY },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare<[number], UserRow>(SQL)
        return (i) => consume(round(i).map((id) => stmt.get(id)))
      }, { note: "synchronous driver: 100 prepared `.get` in a row" }),
      quarry: quarrySqlite(quarryLookups, {
        note: "`Effect.forEach(ids, loader.get, { concurrency: \"unbounded\", batching: true })`: batched into one IN query"
      }),
      "@effect/sql": effectSqlite(effectLookups, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`" }),
      drizzle: drizzleSqlite((db) => async (i) => {
        const rows = await Promise.all(round(i).map((id) => db.select().from(users).where(eq(users.id, id))))
        return consume(rows.map((r) => r[0]))
      }, { note: "`Promise.all` of 100 builder queries" }),
      kysely: kyselySqlite((db) => async (i) =>
        consume(
          await Promise.all(
            round(i).map((id) =>
              db.selectFrom("users").select(["id", "email", "name", "age", "score"]).where("id", "=", id)
                .executeTakeFirst()
            )
          )
        ), { note: "`Promise.all` of 100 builder queries" })
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) =>
        consume((await Promise.all(round(i).map((id) => pool.query<UserRow>(PG_SQL, [id])))).map((r) => r.rows[0])), {
        note: "`Promise.all` of 100 queries over the pool"
      }),
      quarry: quarryPg(quarryLookups, {
        note: "`Effect.forEach(ids, loader.get, { concurrency: \"unbounded\", batching: true })`: batched into one IN query"
      }),
      "@effect/sql-pg": effectPg(effectLookups, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`" })
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const results = await Promise.all(round(i).map((id) => pool.execute(SQL, [id])))
        return consume(results.map(([rows]) => (rows as Array<UserRow>)[0]))
      }, { note: "`Promise.all` of 100 `pool.execute` over the pool" }),
      quarry: quarryMysql(quarryLookups, {
        note: "`Effect.forEach(ids, loader.get, { concurrency: \"unbounded\", batching: true })`: batched into one IN query"
      }),
      "@effect/sql-mysql2": effectMysql(effectLookups, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`" })
    }
  }
}
