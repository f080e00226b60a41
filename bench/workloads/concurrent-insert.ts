/**
 * 100 concurrent single-row inserts, each its own autocommit write, with
 * synchronous=FULL on SQLite (every commit is durable). One operation is a
 * round of 100 inserts started together and awaited together; the unit is
 * rows/s. Synchronous drivers cannot overlap calls, so for them "concurrent"
 * is the same 100 autocommit inserts in a row.
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
import { CONCURRENCY, event, range } from "../data/dataset.js"
import { eventInsert, Events, quarryMysql, quarryPg, quarrySqlite } from "../clients/quarry.js"
import * as Query from "../../src/query/Query.js"
import { affected, MYSQL_RESET, PG_INSERT, PG_RESET, SQLITE_INSERT, SQLITE_RESET } from "./insert-one.js"
import type { BatchWorkload } from "../workload.js"

/** The row numbers of round `i`. */
const round = (i: number): Array<number> => range(i * CONCURRENCY, CONCURRENCY, (k) => k)

const quarryRound = () => (i: number) =>
  Effect.map(
    Effect.forEach(round(i), (k) => Query.run(Query.insert(Events, eventInsert(event(k)))), { concurrency: "unbounded" }),
    (results) => results.reduce((n, r) => n + r.rowsAffected, 0)
  )

/** `@effect/sql` (every dialect alike): `sql.insert(row)` per row, all started at once, autocommit each. */
const effectRound = (sql: SqlClient.SqlClient) => (i: number) =>
  Effect.map(
    Effect.forEach(round(i), (k) => Effect.as(sql`INSERT INTO events ${sql.insert(event(k))}`, 1), {
      concurrency: "unbounded"
    }),
    (ones) => ones.length
  )

export const concurrentInsert: BatchWorkload = {
  kind: "batch",
  id: "concurrent-insert",
  title: "100 concurrent single-row inserts (durable commits)",
  work: "100 single-row autocommit INSERTs started at once and awaited together, every commit durable " +
    "(SQLite synchronous=FULL, PostgreSQL synchronous_commit=on, InnoDB innodb_flush_log_at_trx_commit=1); table emptied before each sample; rows/s",
  unit: "rows/s",
  plan: { verifyOps: 1, unitsPerOp: CONCURRENCY, maxOps: 200 },
  sqlite: {
    dataset: "base",
    sync: "FULL",
    reset: SQLITE_RESET,
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare(SQLITE_INSERT)
        return (i) => {
          let n = 0
          for (const k of round(i)) {
            const e = event(k)
            n += stmt.run(e.kind, e.payload, e.amount, e.created_at).changes
          }
          return n
        }
      }, { note: "synchronous driver: the 100 autocommit inserts run one after another" }),
      quarry: quarrySqlite(quarryRound, {
        note: "`Effect.forEach(…, { concurrency: \"unbounded\" })` of `Query.insert` + `Query.run`; the writer group-commits"
      }),
      "@effect/sql": effectSqlite(effectRound, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`, autocommit each" }),
      drizzle: drizzleSqlite((db) => async (i) => {
        const results = await Promise.all(round(i).map((k) => db.insert(events).values(event(k))))
        return results.reduce((n, r) => n + r.changes, 0)
      }, { note: "`Promise.all` of 100 inserts (the driver is synchronous)" }),
      kysely: kyselySqlite((db) => async (i) => {
        const results = await Promise.all(round(i).map((k) => db.insertInto("events").values(event(k)).executeTakeFirst()))
        return results.reduce((n, r) => n + Number(r.numInsertedOrUpdatedRows), 0)
      }, { note: "`Promise.all` of 100 inserts" })
    }
  },
  postgres: {
    reset: PG_RESET,
    libs: {
      pg: pgRaw((pool) => async (i) => {
        const results = await Promise.all(round(i).map((k) => {
          const e = event(k)
          return pool.query(PG_INSERT, [e.kind, e.payload, e.amount, e.created_at])
        }))
        return results.reduce((n, r) => n + (r.rowCount ?? 0), 0)
      }, { note: "`Promise.all` of 100 inserts over the pool" }),
      quarry: quarryPg(quarryRound, {
        note: "`Effect.forEach(…, { concurrency: \"unbounded\" })` of `Query.insert` + `Query.run`"
      }),
      "@effect/sql-pg": effectPg(effectRound, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`" })
    }
  },
  mysql: {
    reset: MYSQL_RESET,
    libs: {
      mysql2: mysqlRaw((pool) => async (i) => {
        const results = await Promise.all(round(i).map((k) => {
          const e = event(k)
          return pool.execute(SQLITE_INSERT, [e.kind, e.payload, e.amount, e.created_at])
        }))
        return results.reduce((n, [r]) => n + affected(r), 0)
      }, { note: "`Promise.all` of 100 inserts over the pool" }),
      quarry: quarryMysql(quarryRound, {
        note: "`Effect.forEach(…, { concurrency: \"unbounded\" })` of `Query.insert` + `Query.run`"
      }),
      "@effect/sql-mysql2": effectMysql(effectRound, { note: "`Effect.forEach(…, { concurrency: \"unbounded\" })`" })
    }
  }
}
