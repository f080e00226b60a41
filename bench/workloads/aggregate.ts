/**
 * Aggregate with GROUP BY: post count and score total per user over a window
 * of 100 users (1,000 posts in, 100 groups out).
 */
import type { SqlClient } from "@effect/sql"
import { asc, between, count, sum } from "drizzle-orm"
import { Effect } from "effect"
import { posts } from "../clients/drizzle-sqlite.js"
import {
  betterSqliteAll,
  drizzleSqlite,
  effectMysql,
  effectPg,
  effectSqlite,
  kyselySqlite,
  mysqlAll,
  pgAll
} from "../clients/entries.js"
import { ids } from "../data/dataset.js"
import { Posts, quarryMysql, quarryPg, quarrySqlite } from "../clients/quarry.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import type { BatchWorkload } from "../workload.js"

/** Drivers return count/sum as number (SQLite) or string (PostgreSQL int8, MySQL DECIMAL); all are consumed as numbers. */
interface GroupRow {
  readonly user_id: number
  readonly n: number | string
  readonly total: number | string | null
}

const SQL =
  "SELECT user_id, count(*) AS n, sum(score) AS total FROM posts WHERE user_id BETWEEN ? AND ? GROUP BY user_id ORDER BY user_id"
const PG_SQL =
  "SELECT user_id, count(*) AS n, sum(score) AS total FROM posts WHERE user_id BETWEEN $1 AND $2 GROUP BY user_id ORDER BY user_id"

const consume = (rows: ReadonlyArray<GroupRow>): number => {
  if (rows.length !== 100) throw new Error(`expected 100 groups, got ${rows.length}`)
  let sum = 0
  for (const row of rows) sum += Number(row.n) + Number(row.total)
  return sum
}
const bounds = (i: number) => [ids.aggregateFirst(i), ids.aggregateFirst(i) + 99] as const

const quarryAggregate = () => (i: number) =>
  Query.from(Posts).pipe(
    Query.where(Expr.between(Posts.c.userId, ...bounds(i))),
    Query.groupBy(Posts.c.userId),
    Query.select({ user_id: Posts.c.userId, n: Expr.count(), total: Expr.sum(Posts.c.score) }),
    Query.orderBy(Posts.c.userId),
    Query.all,
    Effect.map(consume)
  )

/** `@effect/sql` (every dialect alike): one tagged-template query per op. */
const effectAggregate = (sql: SqlClient.SqlClient) => (i: number) => {
  const [lo, hi] = bounds(i)
  return Effect.map(
    sql<GroupRow>`SELECT user_id, count(*) AS n, sum(score) AS total FROM posts WHERE user_id BETWEEN ${lo} AND ${hi} GROUP BY user_id ORDER BY user_id`,
    consume
  )
}

export const aggregate: BatchWorkload = {
  kind: "batch",
  id: "aggregate",
  title: "Aggregate with GROUP BY",
  work: "`SELECT user_id, count(*), sum(score) FROM posts WHERE user_id BETWEEN ? AND ? GROUP BY user_id`; 1,000 rows in, 100 groups out",
  unit: "ops/s",
  plan: { verifyOps: 32, unitsPerOp: 1 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    libs: {
      "better-sqlite3": betterSqliteAll(SQL, bounds, consume, { note: "prepared once" }),
      quarry: quarrySqlite(quarryAggregate, {
        note: "query value built per op (`groupBy` + `select` with `Expr.count` / `Expr.sum`)"
      }),
      "@effect/sql": effectSqlite(effectAggregate),
      drizzle: drizzleSqlite((db) => (i) =>
        consume(
          db.select({ user_id: posts.user_id, n: count(), total: sum(posts.score) }).from(posts)
            .where(between(posts.user_id, ...bounds(i))).groupBy(posts.user_id).orderBy(asc(posts.user_id)).all()
        ), { note: "query builder per op" }),
      kysely: kyselySqlite((db) => async (i) =>
        consume(
          await db.selectFrom("posts")
            .select((eb) => ["user_id", eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("score").as("total")])
            .where((eb) => eb.between("user_id", ...bounds(i))).groupBy("user_id").orderBy("user_id").execute()
        ), { note: "query builder per op" })
    }
  },
  postgres: {
    libs: {
      pg: pgAll(PG_SQL, bounds, consume),
      quarry: quarryPg(quarryAggregate, {
        note: "query value built per op; counts decoded to numbers by the model schema"
      }),
      "@effect/sql-pg": effectPg(effectAggregate)
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlAll(SQL, bounds, consume, { note: "`pool.execute` (prepared)" }),
      quarry: quarryMysql(quarryAggregate, {
        note: "query value built per op; sums decoded to numbers by the model schema"
      }),
      "@effect/sql-mysql2": effectMysql(effectAggregate)
    }
  }
}
