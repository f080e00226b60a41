/**
 * Bulk insert of 100,000 rows in one transaction into an empty table. The
 * longest event-loop stall during the call is recorded too: a synchronous
 * driver blocks the loop for the whole commit.
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
import { BULK_CHUNK, BULK_ROWS, chunks, event, type EventRow, range } from "../data/dataset.js"
import { eventInsert, Events, quarryMysql, quarryPg, quarrySqlite } from "../clients/quarry.js"
import * as Query from "../../src/query/Query.js"
import { affected, MYSQL_RESET, PG_RESET, SQLITE_INSERT, SQLITE_RESET } from "./insert-one.js"
import type { BatchWorkload } from "../workload.js"

let rows: Array<EventRow> | undefined
let chunked: Array<Array<EventRow>> | undefined
/** The rows, generated once (untimed) and shared by every library. */
export const bulkRows = (): Array<EventRow> => (rows ??= range(0, BULK_ROWS, event))
export const bulkChunks = (): Array<Array<EventRow>> => (chunked ??= chunks(bulkRows(), BULK_CHUNK))

let quarryRows: Array<ReturnType<typeof eventInsert>> | undefined
/** The same rows in the shape of Quarry's model, generated once (untimed). */
const quarryBulkRows = () => (quarryRows ??= bulkRows().map(eventInsert))

/** Quarry: one `insertMany` value (chunked under the bind limit, one transaction). */
const quarryBulk = () => () => Effect.map(Query.run(Query.insertMany(Events, quarryBulkRows())), (r) => r.rowsAffected)

/** `@effect/sql` (every dialect alike): `sql.insert(chunk)` per chunk inside `sql.withTransaction`. */
const effectBulk = (sql: SqlClient.SqlClient) => () =>
  sql.withTransaction(
    Effect.reduce(bulkChunks(), 0, (n, c) => Effect.as(sql`INSERT INTO events ${sql.insert(c)}`, n + c.length))
  )

/** A multi-row INSERT of `size` rows, with PostgreSQL's numbered or MySQL's `?` placeholders. */
const chunkSql = (size: number, numbered: boolean): string => {
  const tuples: Array<string> = []
  for (let r = 0; r < size; r++) {
    const b = r * 4
    tuples.push(numbered ? `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4})` : "(?, ?, ?, ?)")
  }
  return `INSERT INTO events (kind, payload, amount, created_at) VALUES ${tuples.join(", ")}`
}
const pgChunkSql = (size: number) => chunkSql(size, true)

/** A chunk's values, flattened row by row. */
const chunkValues = (c: ReadonlyArray<EventRow>): Array<string | number> => {
  const values: Array<string | number> = []
  for (const e of c) values.push(e.kind, e.payload, e.amount, e.created_at)
  return values
}

const multiRow = `multi-row INSERT of ${BULK_CHUNK.toLocaleString("en-US")} rows per statement inside one transaction`

export const bulkInsert: BatchWorkload = {
  kind: "batch",
  id: "bulk-insert",
  title: "Bulk insert 100k rows",
  work: "100,000 rows into the empty `events` table in one transaction; rows/s; plus the longest event-loop stall",
  unit: "rows/s",
  plan: { verifyOps: 1, unitsPerOp: BULK_ROWS, fixedOps: true, trackEventLoop: true, maxSamples: 5 },
  sqlite: {
    dataset: "base",
    sync: "NORMAL",
    reset: SQLITE_RESET,
    libs: {
      "better-sqlite3": betterSqlite((db) => {
        const stmt = db.prepare(SQLITE_INSERT)
        const insertAll = db.transaction((all: ReadonlyArray<EventRow>) => {
          let n = 0
          for (const e of all) n += stmt.run(e.kind, e.payload, e.amount, e.created_at).changes
          return n
        })
        return () => insertAll(bulkRows())
      }, { note: "prepared single-row INSERT, 100k `.run()` calls inside `db.transaction`" }),
      quarry: quarrySqlite(quarryBulk, {
        note: "`Query.insertMany(Events, rows)` + `Query.run`: multi-row VALUES chunked under the bind limit, one transaction, through the writer"
      }),
      "@effect/sql": effectSqlite(effectBulk, { note: `\`sql.insert(rows)\`, ${multiRow}` }),
      drizzle: drizzleSqlite((db) => () =>
        db.transaction((tx) => {
          let n = 0
          for (const c of bulkChunks()) n += tx.insert(events).values(c).run().changes
          return n
        }), { note: `\`insert().values(rows)\`, ${multiRow}` }),
      kysely: kyselySqlite((db) => () =>
        db.transaction().execute(async (trx) => {
          let n = 0
          for (const c of bulkChunks()) {
            const r = await trx.insertInto("events").values(c).executeTakeFirst()
            n += Number(r.numInsertedOrUpdatedRows)
          }
          return n
        }), { note: `\`insertInto().values(rows)\`, ${multiRow}` })
    }
  },
  postgres: {
    reset: PG_RESET,
    libs: {
      pg: pgRaw((pool) => {
        const text = pgChunkSql(BULK_CHUNK)
        return async () => {
          const client = await pool.connect()
          try {
            await client.query("BEGIN")
            let n = 0
            for (const c of bulkChunks()) {
              const r = await client.query(c.length === BULK_CHUNK ? text : pgChunkSql(c.length), chunkValues(c))
              n += r.rowCount ?? 0
            }
            await client.query("COMMIT")
            return n
          } catch (error) {
            await client.query("ROLLBACK")
            throw error
          } finally {
            client.release()
          }
        }
      }, { note: multiRow }),
      quarry: quarryPg(quarryBulk, { note: "`Query.insertMany(Events, rows)` + `Query.run`" }),
      "@effect/sql-pg": effectPg(effectBulk, { note: `\`sql.insert(rows)\`, ${multiRow}` })
    }
  },
  mysql: {
    reset: MYSQL_RESET,
    libs: {
      mysql2: mysqlRaw((pool) => {
        const text = chunkSql(BULK_CHUNK, false)
        return async () => {
          const conn = await pool.getConnection()
          try {
            await conn.beginTransaction()
            let n = 0
            for (const c of bulkChunks()) {
              const [r] = await conn.execute(c.length === BULK_CHUNK ? text : chunkSql(c.length, false), chunkValues(c))
              n += affected(r)
            }
            await conn.commit()
            return n
          } catch (error) {
            await conn.rollback()
            throw error
          } finally {
            conn.release()
          }
        }
      }, { note: `${multiRow} (\`execute\`, prepared)` }),
      quarry: quarryMysql(quarryBulk, { note: "`Query.insertMany(Events, rows)` + `Query.run`" }),
      "@effect/sql-mysql2": effectMysql(effectBulk, { note: `\`sql.insert(rows)\`, ${multiRow}` })
    }
  }
}
