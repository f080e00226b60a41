/**
 * A filtered, ordered and limited select: the 20 first users (by age, id) at
 * or above an age with at least a given score. Uses the `users (age)` index.
 */
import type { SqlClient } from "@effect/sql"
import { and, asc, gte } from "drizzle-orm"
import { Effect } from "effect"
import { users } from "../clients/drizzle-sqlite.js"
import {
  betterSqlite,
  drizzleSqlite,
  effectMysql,
  effectPg,
  effectSqlite,
  kyselySqlite,
  mysqlAll,
  pgRaw,
  sumOf
} from "../clients/entries.js"
import { ids, type UserRow } from "../data/dataset.js"
import { quarryMysql, quarryPg, quarrySqlite, Users } from "../clients/quarry.js"
import * as Query from "../../src/query/Query.js"
import type { BatchWorkload } from "../workload.js"

const SQL = "SELECT id, email, name, age, score FROM users WHERE age >= ? AND score >= ? ORDER BY age, id LIMIT 20"
const PG_SQL = "SELECT id, email, name, age, score FROM users WHERE age >= $1 AND score >= $2 ORDER BY age, id LIMIT 20"

const consume = (rows: ReadonlyArray<UserRow>): number => {
  if (rows.length !== 20) throw new Error(`expected 20 rows, got ${rows.length}`)
  return sumOf(rows, "id")
}

const quarryFilter = () => (i: number) =>
  Query.from(Users).pipe(
    Query.where({ age: { gte: ids.minAge(i) }, score: { gte: ids.minScore(i) } }),
    Query.orderBy(Users.c.age, Users.c.id),
    Query.limit(20),
    Query.all,
    Effect.map(consume)
  )

/** `@effect/sql` (every dialect alike): one tagged-template query per op. */
const effectFilter = (sql: SqlClient.SqlClient) => (i: number) =>
  Effect.map(
    sql<UserRow>`SELECT id, email, name, age, score FROM users WHERE age >= ${ids.minAge(i)} AND score >= ${
      ids.minScore(i)
    } ORDER BY age, id LIMIT 20`,
    consume
  )

export const selectFilter: BatchWorkload = {
  kind: "batch",
  id: "select-filter",
  title: "Filtered + ordered + limited select",
  work: "`SELECT … FROM users WHERE age >= ? AND score >= ? ORDER BY age, id LIMIT 20`; 20 rows per op",
  unit: "ops/s",
  plan: { verifyOps: 64, unitsPerOp: 1 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare<[number, number], UserRow>(SQL)
        return (i) => consume(stmt.all(ids.minAge(i), ids.minScore(i)))
      }, { note: "prepared once" }),
      quarry: quarrySqlite(quarryFilter, {
        note: "query value built per op (lookup object `{ age: { gte }, score: { gte } }`)"
      }),
      "@effect/sql": effectSqlite(effectFilter),
      drizzle: drizzleSqlite((db) => (i) =>
        consume(
          db.select().from(users).where(and(gte(users.age, ids.minAge(i)), gte(users.score, ids.minScore(i))))
            .orderBy(asc(users.age), asc(users.id)).limit(20).all()
        ), { note: "query builder per op" }),
      kysely: kyselySqlite((db) => async (i) =>
        consume(
          await db.selectFrom("users").select(["id", "email", "name", "age", "score"])
            .where("age", ">=", ids.minAge(i)).where("score", ">=", ids.minScore(i))
            .orderBy("age").orderBy("id").limit(20).execute()
        ), { note: "query builder per op" })
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) => consume((await pool.query<UserRow>(PG_SQL, [ids.minAge(i), ids.minScore(i)])).rows)),
      quarry: quarryPg(quarryFilter, { note: "query value built per op" }),
      "@effect/sql-pg": effectPg(effectFilter)
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlAll(SQL, (i) => [ids.minAge(i), ids.minScore(i)], consume, { note: "`pool.execute` (prepared)" }),
      quarry: quarryMysql(quarryFilter, { note: "query value built per op" }),
      "@effect/sql-mysql2": effectMysql(effectFilter)
    }
  }
}
