/**
 * A join: ten consecutive users with their posts (100 rows of user and post
 * columns), ordered by post id.
 */
import type { SqlClient } from "@effect/sql"
import { asc, between, eq } from "drizzle-orm"
import { Effect } from "effect"
import { posts, users } from "../clients/drizzle-sqlite.js"
import {
  betterSqliteAll,
  drizzleSqlite,
  effectMysql,
  effectPg,
  effectSqlite,
  kyselySqlite,
  mysqlAll,
  pgAll,
  sumOf
} from "../clients/entries.js"
import { ids } from "../data/dataset.js"
import { Posts, quarryMysql, quarryPg, quarrySqlite, Users } from "../clients/quarry.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import type { BatchWorkload } from "../workload.js"

interface JoinRow {
  readonly user_id: number
  readonly name: string
  readonly post_id: number
  readonly title: string
  readonly score: number
}

const COLUMNS = "u.id AS user_id, u.name, p.id AS post_id, p.title, p.score"
const SQL = `SELECT ${COLUMNS} FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id BETWEEN ? AND ? ORDER BY p.id`
const PG_SQL = `SELECT ${COLUMNS} FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id BETWEEN $1 AND $2 ORDER BY p.id`

const consume = (rows: ReadonlyArray<JoinRow>): number => {
  if (rows.length !== 100) throw new Error(`expected 100 rows, got ${rows.length}`)
  return sumOf(rows, "score")
}
const bounds = (i: number) => [ids.joinFirst(i), ids.joinFirst(i) + 9] as const

const quarryJoin = () => (i: number) =>
  Query.from(Users).pipe(
    Query.innerJoin(Posts, Expr.eq(Posts.c.userId, Users.c.id)),
    Query.where(Expr.between(Users.c.id, ...bounds(i))),
    Query.select({ user_id: Users.c.id, name: Users.c.name, post_id: Posts.c.id, title: Posts.c.title, score: Posts.c.score }),
    Query.orderBy(Posts.c.id),
    Query.all,
    Effect.map(consume)
  )

/** `@effect/sql` (every dialect alike): one tagged-template query per op. */
const effectJoin = (sql: SqlClient.SqlClient) => (i: number) => {
  const [lo, hi] = bounds(i)
  return Effect.map(
    sql<JoinRow>`SELECT u.id AS user_id, u.name, p.id AS post_id, p.title, p.score FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id BETWEEN ${lo} AND ${hi} ORDER BY p.id`,
    consume
  )
}

export const join: BatchWorkload = {
  kind: "batch",
  id: "join",
  title: "Join (users × posts)",
  work: "`users JOIN posts` for 10 consecutive users, 5 columns, `ORDER BY p.id`; 100 rows per op",
  unit: "ops/s",
  plan: { verifyOps: 32, unitsPerOp: 1 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    libs: {
      "better-sqlite3": betterSqliteAll(SQL, bounds, consume, { note: "prepared once" }),
      quarry: quarrySqlite(quarryJoin, { note: "query value built per op (`innerJoin` + `select`)" }),
      "@effect/sql": effectSqlite(effectJoin),
      drizzle: drizzleSqlite((db) => (i) =>
        consume(
          db.select({ user_id: users.id, name: users.name, post_id: posts.id, title: posts.title, score: posts.score })
            .from(users).innerJoin(posts, eq(posts.user_id, users.id)).where(between(users.id, ...bounds(i)))
            .orderBy(asc(posts.id)).all()
        ), { note: "query builder per op" }),
      kysely: kyselySqlite((db) => async (i) =>
        consume(
          await db.selectFrom("users as u").innerJoin("posts as p", "p.user_id", "u.id")
            .select(["u.id as user_id", "u.name", "p.id as post_id", "p.title", "p.score"])
            .where((eb) => eb.between("u.id", ...bounds(i))).orderBy("p.id").execute()
        ), { note: "query builder per op" })
    }
  },
  postgres: {
    libs: {
      pg: pgAll(PG_SQL, bounds, consume),
      quarry: quarryPg(quarryJoin, { note: "query value built per op (`innerJoin` + `select`)" }),
      "@effect/sql-pg": effectPg(effectJoin)
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlAll(SQL, bounds, consume, { note: "`pool.execute` (prepared)" }),
      quarry: quarryMysql(quarryJoin, { note: "query value built per op (`innerJoin` + `select`)" }),
      "@effect/sql-mysql2": effectMysql(effectJoin)
    }
  }
}
