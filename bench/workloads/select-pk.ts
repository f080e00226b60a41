/**
 * Select one user by primary key: once through each library's prepared /
 * reusable query ("select-pk"), once building the query anew for every call
 * ("select-pk-unprepared"), and once read through the query cache
 * ("select-pk-cached": every user's row is cached after the warm-up, so each
 * op is a hit; against the raw driver's read it saves).
 */
import type { SqlClient } from "@effect/sql"
import { eq, sql as dsql } from "drizzle-orm"
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { users as myUsers } from "../clients/drizzle-mysql.js"
import { users } from "../clients/drizzle-sqlite.js"
import { quarryMysql, quarryPg, quarrySqlite, Users } from "../clients/quarry.js"
import {
  betterSqlite,
  drizzleMysql,
  drizzleSqlite,
  effectMysql,
  effectPg,
  effectSqlite,
  kyselyMysql,
  kyselySqlite,
  mysqlRaw,
  pgRaw
} from "../clients/entries.js"
import { ids, type UserRow, USERS } from "../data/dataset.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import type { BatchWorkload } from "../workload.js"

const SQL = "SELECT id, email, name, age, score FROM users WHERE id = ?"
const PG_SQL = "SELECT id, email, name, age, score FROM users WHERE id = $1"

const consume = (row: UserRow | undefined): number => {
  if (row === undefined) throw new Error("row not found")
  return row.age + row.score
}

/** Quarry: a prepared query value (compiled once, run with a new `id`). */
const quarryById = () => {
  const byId = Prepared.make(Query.from(Users).pipe(Query.where(Expr.eq(Users.c.id, Query.param("id")))))
  return (i: number) => Effect.map(byId.get({ id: ids.user(i) }), consume)
}
/** Quarry: the prepared query, marked `Query.cached()`, over a `QueryCache` layer. */
const quarryCachedById = () => {
  const byId = Prepared.make(
    Query.from(Users).pipe(Query.where(Expr.eq(Users.c.id, Query.param("id"))), Query.cached())
  )
  return (i: number) => Effect.map(byId.get({ id: ids.user(i) }), consume)
}
/** Quarry: the query value built for every call. */
const quarryBuilt = () => (i: number) => Effect.map(Query.from(Users).pipe(Query.where({ id: ids.user(i) }), Query.get), consume)

/** `@effect/sql` (every dialect, both workloads): the tagged template per op (it has no prepared-query API). */
const effectById = (sql: SqlClient.SqlClient) => (i: number) =>
  Effect.map(
    sql<UserRow>`SELECT id, email, name, age, score FROM users WHERE id = ${ids.user(i)}`,
    (rows) => consume(rows[0])
  )

/** What both variants share: the same work, unit and plan on the same data. */
const common = {
  kind: "batch",
  work: "`SELECT id, email, name, age, score FROM users WHERE id = ?` on 10k users; one row per op",
  unit: "ops/s",
  plan: { verifyOps: 64, unitsPerOp: 1 }
} as const
const sqliteData = { dataset: "base", sync: "NORMAL" } as const
const TAGGED = "tagged template (the client caches prepared statements by SQL text)"

export const selectPk: BatchWorkload = {
  ...common,
  id: "select-pk",
  title: "Select by primary key (prepared)",
  sqlite: {
    ...sqliteData,
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare<[number], UserRow>(SQL)
        return (i) => consume(stmt.get(ids.user(i)))
      }, { note: "`db.prepare` once, `.get(id)` per op" }),
      quarry: quarrySqlite(quarryById, {
        note: "`Prepared.make(query)` once, `.get({ id })` per op (reads ≤ 2 rows to check uniqueness)"
      }),
      "@effect/sql": effectSqlite(effectById, { note: `no prepared-query API: ${TAGGED}` }),
      drizzle: drizzleSqlite((db) => {
        const q = db.select().from(users).where(eq(users.id, dsql.placeholder("id"))).prepare()
        return (i) => consume(q.get({ id: ids.user(i) }))
      }, { note: "`.prepare()` with `sql.placeholder`" }),
      kysely: kyselySqlite((db) => {
        const compiled = db.selectFrom("users").select(["id", "email", "name", "age", "score"]).where("id", "=", 0)
          .compile()
        return async (i) => {
          const result = await db.executeQuery<UserRow>(CompiledQuery.raw(compiled.sql, [ids.user(i)]))
          return consume(result.rows[0])
        }
      }, { note: "no prepared-query API: compiled once, `executeQuery` per op (its driver prepares per call)" })
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) => {
        const result = await pool.query<UserRow>({ name: "select-pk", text: PG_SQL, values: [ids.user(i)] })
        return consume(result.rows[0])
      }, { note: "named (server-side prepared) statement through `pg.Pool`" }),
      quarry: quarryPg(quarryById, { note: "`Prepared.make(query)` once, `.get({ id })` per op" }),
      "@effect/sql-pg": effectPg(effectById, { note: "no prepared-query API: tagged template (unnamed statement per call)" })
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const [rows] = await pool.execute(SQL, [ids.user(i)])
        return consume((rows as Array<UserRow>)[0])
      }, { note: "`pool.execute` (server-side prepared statement, cached per connection by mysql2)" }),
      quarry: quarryMysql(quarryById, { note: "`Prepared.make(query)` once, `.get({ id })` per op" }),
      "@effect/sql-mysql2": effectMysql(effectById, {
        note: "no prepared-query API: tagged template (`execute`, prepared and cached per connection by mysql2)"
      }),
      drizzle: drizzleMysql((db) => {
        const q = db.select().from(myUsers).where(eq(myUsers.id, dsql.placeholder("id"))).prepare()
        return async (i) => consume((await q.execute({ id: ids.user(i) }))[0])
      }, { note: "`.prepare()` with `sql.placeholder` (its mysql2 session sends text queries)" }),
      kysely: kyselyMysql((db) => {
        const compiled = db.selectFrom("users").select(["id", "email", "name", "age", "score"]).where("id", "=", 0)
          .compile()
        return async (i) => consume((await db.executeQuery<UserRow>(CompiledQuery.raw(compiled.sql, [ids.user(i)]))).rows[0])
      }, { note: "no prepared-query API: compiled once, `executeQuery` per op (text query)" })
    }
  }
}

export const selectPkUnprepared: BatchWorkload = {
  ...common,
  id: "select-pk-unprepared",
  title: "Select by primary key (built per call)",
  sqlite: {
    ...sqliteData,
    libs: {
      "better-sqlite3": betterSqlite(
        (db) => (i) => consume(db.prepare<[number], UserRow>(SQL).get(ids.user(i))),
        { note: "`db.prepare(sql).get(id)` per op" }
      ),
      quarry: quarrySqlite(quarryBuilt, { note: "`Query.from(Users).pipe(Query.where({ id }), Query.get)` per op" }),
      "@effect/sql": effectSqlite(effectById, { note: TAGGED }),
      drizzle: drizzleSqlite(
        (db) => (i) => consume(db.select().from(users).where(eq(users.id, ids.user(i))).get()),
        { note: "query builder per op" }
      ),
      kysely: kyselySqlite(
        (db) => async (i) =>
          consume(
            await db.selectFrom("users").select(["id", "email", "name", "age", "score"]).where("id", "=", ids.user(i))
              .executeTakeFirst()
          ),
        { note: "query builder per op" }
      )
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) => consume((await pool.query<UserRow>(PG_SQL, [ids.user(i)])).rows[0]), {
        note: "unnamed statement per op"
      }),
      quarry: quarryPg(quarryBuilt, { note: "`Query.from(Users).pipe(Query.where({ id }), Query.get)` per op" }),
      "@effect/sql-pg": effectPg(effectById, { note: "tagged template" })
    }
  },
  mysql: {
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const [rows] = await pool.query(SQL, [ids.user(i)])
        return consume((rows as Array<UserRow>)[0])
      }, { note: "`pool.query` per op (text protocol, values escaped by mysql2)" }),
      quarry: quarryMysql(quarryBuilt, { note: "`Query.from(Users).pipe(Query.where({ id }), Query.get)` per op" }),
      "@effect/sql-mysql2": effectMysql(effectById, { note: "tagged template" }),
      drizzle: drizzleMysql(
        (db) => async (i) => consume((await db.select().from(myUsers).where(eq(myUsers.id, ids.user(i))))[0]),
        { note: "query builder per op" }
      ),
      kysely: kyselyMysql(
        (db) => async (i) =>
          consume(
            await db.selectFrom("users").select(["id", "email", "name", "age", "score"]).where("id", "=", ids.user(i))
              .executeTakeFirst()
          ),
        { note: "query builder per op" }
      )
    }
  }
}

export const selectPkCached: BatchWorkload = {
  ...common,
  id: "select-pk-cached",
  title: "Select by primary key (Quarry's query cache)",
  sqlite: {
    ...sqliteData,
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare<[number], UserRow>(SQL)
        return (i) => consume(stmt.get(ids.user(i)))
      }, { note: "`db.prepare` once, `.get(id)` per op (no cache: the read a hit saves)" }),
      quarry: quarrySqlite(quarryCachedById, {
        note: "`Prepared.make(Query.cached(query))` once, `.get({ id })` per op, `QueryCache.layer` (all 10k rows read once when it opens)",
        cache: { maxEntries: 20_000 },
        prime: USERS
      })
    }
  },
  postgres: {
    libs: {
      pg: pgRaw((pool) => async (i) => {
        const result = await pool.query<UserRow>({ name: "select-pk", text: PG_SQL, values: [ids.user(i)] })
        return consume(result.rows[0])
      }, { note: "named (server-side prepared) statement through `pg.Pool` (no cache: the round trip a hit saves)" }),
      quarry: quarryPg(quarryCachedById, {
        note: "`Prepared.make(Query.cached(query))` once, `.get({ id })` per op, `QueryCache.layer` (all 10k rows read once when it opens)",
        cache: { maxEntries: 20_000 },
        prime: USERS
      })
    }
  }
}
