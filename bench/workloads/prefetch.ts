/**
 * Prefetch: 1,000 parents (users) with their 10 children (posts) each,
 * children attached to their parent. Quarry uses `Relation.prefetch`, Drizzle
 * its relational query (`with: { posts: true }`); the others run the
 * hand-written pair of queries (parents, then children
 * `WHERE user_id IN (…1,000 ids…)`) and group in JS.
 */
import type { SqlClient } from "@effect/sql"
import { asc, gt } from "drizzle-orm"
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
import { ids, type PostRow, PREFETCH_PARENTS, type UserRow } from "../data/dataset.js"
import { Posts, quarryMysql, quarryPg, quarrySqlite, Users } from "../clients/quarry.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Relation from "../../src/orm/Relation.js"
import type { BatchWorkload } from "../workload.js"

const PARENTS = `SELECT id, email, name, age, score FROM users WHERE id > ? ORDER BY id LIMIT ${PREFETCH_PARENTS}`
const PG_PARENTS = `SELECT id, email, name, age, score FROM users WHERE id > $1 ORDER BY id LIMIT ${PREFETCH_PARENTS}`
const CHILD_COLUMNS = "id, user_id, title, score, created_at"
const placeholders = (n: number, pg: boolean) => Array.from({ length: n }, (_, k) => (pg ? `$${k + 1}` : "?")).join(", ")
const CHILDREN = `SELECT ${CHILD_COLUMNS} FROM posts WHERE user_id IN (${placeholders(PREFETCH_PARENTS, false)})`
const PG_CHILDREN = `SELECT ${CHILD_COLUMNS} FROM posts WHERE user_id IN (${placeholders(PREFETCH_PARENTS, true)})`

type Parent = UserRow & { posts: Array<PostRow> }

/** Attach children to parents (what a hand-written prefetch does after its two queries). */
const attach = (parents: ReadonlyArray<UserRow>, children: ReadonlyArray<PostRow>): Array<Parent> => {
  const byId = new Map<number, Parent>()
  const out = parents.map((p) => {
    const parent: Parent = { ...p, posts: [] }
    byId.set(p.id, parent)
    return parent
  })
  for (const child of children) byId.get(child.user_id)?.posts.push(child)
  return out
}

const consume = (parents: ReadonlyArray<{ readonly posts: ReadonlyArray<{ readonly score: number }> }>): number => {
  if (parents.length !== PREFETCH_PARENTS) throw new Error(`expected ${PREFETCH_PARENTS} parents, got ${parents.length}`)
  let sum = 0
  for (const parent of parents) {
    if (parent.posts.length !== 10) throw new Error(`expected 10 children, got ${parent.posts.length}`)
    for (const child of parent.posts) sum += child.score
  }
  return sum
}

const UserRelations = Relation.define(Users, { posts: Relation.hasMany(() => Posts, { foreignKey: "userId" }) })

/** Quarry: the parents' query with `Relation.prefetch` (one query for the parents, one for all their children). */
const quarryPrefetch = () => (i: number) =>
  Query.from(Users).pipe(
    Query.where(Expr.gt(Users.c.id, ids.prefetchAfter(i))),
    Query.orderBy(Users.c.id),
    Query.limit(PREFETCH_PARENTS),
    Relation.prefetch(UserRelations, "posts"),
    Relation.all,
    Effect.map(consume)
  )

/** `@effect/sql` (every dialect alike): two tagged-template queries (`sql.in`), grouped in JS. */
const effectPrefetch = (sql: SqlClient.SqlClient) => (i: number) =>
  Effect.gen(function*() {
    const ps = yield* sql<UserRow>`SELECT id, email, name, age, score FROM users WHERE id > ${
      ids.prefetchAfter(i)
    } ORDER BY id LIMIT ${PREFETCH_PARENTS}`
    const cs = yield* sql<PostRow>`SELECT id, user_id, title, score, created_at FROM posts WHERE user_id IN ${
      sql.in(ps.map((p) => p.id))
    }`
    return consume(attach(ps, cs))
  })

export const prefetch: BatchWorkload = {
  kind: "batch",
  id: "prefetch",
  title: "Prefetch 1,000 parents × 10 children",
  work: "1,000 users and their 10 posts each, children attached to parents (11,000 rows per op)",
  unit: "ops/s",
  plan: { verifyOps: 4, unitsPerOp: 1 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const parents = db.prepare<[number], UserRow>(PARENTS)
        const children = db.prepare<Array<number>, PostRow>(CHILDREN)
        return (i) => {
          const ps = parents.all(ids.prefetchAfter(i))
          return consume(attach(ps, children.all(...ps.map((p) => p.id))))
        }
      }, { note: "hand-written: two prepared queries (IN list), grouped in JS" }),
      quarry: quarrySqlite(quarryPrefetch, { note: "`Relation.prefetch(UserRelations, \"posts\")` + `Relation.all`" }),
      "@effect/sql": effectSqlite(effectPrefetch, { note: "two tagged-template queries (`sql.in`), grouped in JS" }),
      drizzle: drizzleSqlite((db) => (i) =>
        consume(
          db.query.users.findMany({
            where: gt(users.id, ids.prefetchAfter(i)),
            orderBy: asc(users.id),
            limit: PREFETCH_PARENTS,
            with: { posts: true }
          }).sync()
        ), { note: "relational query `findMany({ with: { posts: true } })`" }),
      kysely: kyselySqlite((db) => async (i) => {
        const ps = await db.selectFrom("users").select(["id", "email", "name", "age", "score"])
          .where("id", ">", ids.prefetchAfter(i)).orderBy("id").limit(PREFETCH_PARENTS).execute()
        const cs = await db.selectFrom("posts").select(["id", "user_id", "title", "score", "created_at"])
          .where("user_id", "in", ps.map((p) => p.id)).execute()
        return consume(attach(ps, cs))
      }, { note: "two builder queries (IN list), grouped in JS" })
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) => {
        const ps = (await pool.query<UserRow>(PG_PARENTS, [ids.prefetchAfter(i)])).rows
        const cs = (await pool.query<PostRow>(PG_CHILDREN, ps.map((p) => p.id))).rows
        return consume(attach(ps, cs))
      }, { note: "hand-written: two queries (IN list), grouped in JS" }),
      quarry: quarryPg(quarryPrefetch, { note: "`Relation.prefetch(UserRelations, \"posts\")` + `Relation.all`" }),
      "@effect/sql-pg": effectPg(effectPrefetch, { note: "two tagged-template queries (`sql.in`), grouped in JS" })
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const [ps] = await pool.execute(PARENTS, [ids.prefetchAfter(i)])
        const parents = ps as Array<UserRow>
        const [cs] = await pool.execute(CHILDREN, parents.map((p) => p.id))
        return consume(attach(parents, cs as Array<PostRow>))
      }, { note: "hand-written: two prepared queries (IN list), grouped in JS" }),
      quarry: quarryMysql(quarryPrefetch, { note: "`Relation.prefetch(UserRelations, \"posts\")` + `Relation.all`" }),
      "@effect/sql-mysql2": effectMysql(effectPrefetch, { note: "two tagged-template queries (`sql.in`), grouped in JS" })
    }
  }
}
