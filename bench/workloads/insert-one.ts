/**
 * Insert one row, autocommit (one transaction per row), WAL with
 * synchronous=NORMAL on SQLite; synchronous_commit as configured on the
 * PostgreSQL server.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { events } from "../clients/drizzle-sqlite.js"
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
import { event } from "../data/dataset.js"
import { eventInsert, Events, quarryMysql, quarryPg, quarrySqlite } from "../clients/quarry.js"
import * as Query from "../../src/query/Query.js"
import type { BatchWorkload } from "../workload.js"

export const SQLITE_INSERT = "INSERT INTO events (kind, payload, amount, created_at) VALUES (?, ?, ?, ?)"
export const PG_INSERT = "INSERT INTO events (kind, payload, amount, created_at) VALUES ($1, $2, $3, $4)"
export const SQLITE_RESET = "DELETE FROM events; PRAGMA wal_checkpoint(TRUNCATE);"
export const PG_RESET = "TRUNCATE events RESTART IDENTITY"
export const MYSQL_RESET = "TRUNCATE events"

/** The rows a mysql2 write reports as affected. */
export const affected = (result: unknown): number => (result as { affectedRows?: number }).affectedRows ?? 0

const quarryInsert = () => (i: number) =>
  Effect.map(Query.run(Query.insert(Events, eventInsert(event(i)))), (r) => r.rowsAffected)

/** `@effect/sql` (every dialect alike): `sql.insert(row)` per op. */
const effectInsert = (sql: SqlClient.SqlClient) => (i: number) => Effect.as(sql`INSERT INTO events ${sql.insert(event(i))}`, 1)

export const insertOne: BatchWorkload = {
  kind: "batch",
  id: "insert-one",
  title: "Insert one row",
  work: "`INSERT INTO events (kind, payload, amount, created_at) VALUES (?, ?, ?, ?)`, autocommit; table emptied before each sample",
  unit: "ops/s",
  plan: { verifyOps: 16, unitsPerOp: 1, maxOps: 20_000 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    reset: SQLITE_RESET,
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare(SQLITE_INSERT)
        return (i) => {
          const e = event(i)
          return stmt.run(e.kind, e.payload, e.amount, e.created_at).changes
        }
      }, { note: "prepared once" }),
      quarry: quarrySqlite(quarryInsert, {
        note: "`Query.insert` + `Query.run` per op (through the serialized writer)"
      }),
      "@effect/sql": effectSqlite(effectInsert, {
        note: "`sql.insert(row)`"
      }),
      drizzle: drizzleSqlite((db) => (i) => db.insert(events).values(event(i)).run().changes, {
        note: "query builder per op"
      }),
      kysely: kyselySqlite((db) => async (i) => {
        const r = await db.insertInto("events").values(event(i)).executeTakeFirst()
        return Number(r.numInsertedOrUpdatedRows)
      }, { note: "query builder per op" })
    }
  },
  postgres: {
    reset: PG_RESET,
    libs: {
      pg: pgRaw((pool) => async (i) => {
        const e = event(i)
        const r = await pool.query(PG_INSERT, [e.kind, e.payload, e.amount, e.created_at])
        return r.rowCount ?? 0
      }),
      quarry: quarryPg(quarryInsert, { note: "`Query.insert` + `Query.run` per op" }),
      "@effect/sql-pg": effectPg(effectInsert, {
        note: "`sql.insert(row)`"
      })
    }
  },
  mysql: {
    reset: MYSQL_RESET,
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const e = event(i)
        const [result] = await pool.execute(SQLITE_INSERT, [e.kind, e.payload, e.amount, e.created_at])
        return affected(result)
      }, { note: "`pool.execute` (prepared)" }),
      quarry: quarryMysql(quarryInsert, { note: "`Query.insert` + `Query.run` per op" }),
      "@effect/sql-mysql2": effectMysql(effectInsert, { note: "`sql.insert(row)`" })
    }
  }
}
