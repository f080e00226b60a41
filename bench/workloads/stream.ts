/**
 * Stream 1,000,000 rows (`SELECT id, a, b, c FROM big ORDER BY id`) and fold
 * them into a checksum. Each library runs in its own child process
 * (bench/stream-child.ts) so that peak memory — the kernel's RSS high-water
 * mark and the highest V8 heap seen while consuming — belongs to that library
 * alone. Libraries without a streaming API load all rows and are marked so.
 */
import type { SqlClient } from "@effect/sql"
import { Effect, type ManagedRuntime, Stream } from "effect"
import type { PoolConnection } from "mysql2"
import type { Database } from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import { Bigs, openQuarryMysql, openQuarryPg, openQuarrySqlite } from "../clients/quarry.js"
import { big } from "../clients/drizzle-sqlite.js"
import { openEffectMysql, openMysqlPool } from "../clients/mysql.js"
import { openEffectPg, openPool } from "../clients/postgres.js"
import { openDrizzle, openEffect, openKysely, openRaw } from "../clients/sqlite.js"
import { STREAM_ROWS } from "../data/dataset.js"
import type { MysqlLibrary, PgLibrary, SqliteLibrary } from "../workload.js"

export interface BigRow {
  readonly id: number
  readonly a: number
  readonly b: string
  readonly c: number
}

export interface Streamer {
  /** Stream every row of `big` into `onRow`. */
  readonly stream: (onRow: (row: BigRow) => void) => Promise<void>
  readonly close: () => Promise<void> | void
}

export type StreamEntry =
  | { readonly open: (target: string, pool: number) => Promise<Streamer>; readonly note: string }
  | { readonly notMeasured: string }

const SQL = "SELECT id, a, b, c FROM big ORDER BY id"
const LOADS_ALL = "no streaming API: loads all rows into an array first"

export const STREAM_WORK = `\`${SQL}\`: ${STREAM_ROWS.toLocaleString("en-US")} rows folded into a checksum`

/** Quarry: `Query.stream` of the query value, consumed per chunk. */
const quarryStream = (open: (target: string, pool: number) => Promise<ManagedRuntime.ManagedRuntime<Database, unknown>>) =>
async (target: string, pool: number): Promise<Streamer> => {
  const runtime = await open(target, pool)
  const query = Query.from(Bigs).pipe(Query.orderBy(Bigs.c.id))
  return {
    stream: (onRow) =>
      runtime.runPromise(Stream.runForEachChunk(Query.stream(query), (chunk) => Effect.sync(() => each(chunk, onRow)))),
    close: () => runtime.dispose()
  }
}

const each = (rows: Iterable<BigRow>, onRow: (row: BigRow) => void) => {
  for (const row of rows) onRow(row)
}

export const sqliteStreams: Partial<Record<SqliteLibrary, StreamEntry>> = {
  "better-sqlite3": {
    note: "`stmt.iterate()`",
    open: async (file) => {
      const db = openRaw(file, "NORMAL")
      const stmt = db.prepare<[], BigRow>(SQL)
      return {
        stream: async (onRow) => {
          for (const row of stmt.iterate()) onRow(row)
        },
        close: () => {
          db.close()
        }
      }
    }
  },
  quarry: {
    note: "`Query.stream(query)` (rows decoded by the model), consumed per chunk",
    open: quarryStream((file) => openQuarrySqlite(file, "NORMAL"))
  },
  "@effect/sql": {
    note: `${LOADS_ALL} (sqlite-node's \`executeStream\` is not implemented)`,
    open: async (file) => {
      const { runtime, sql } = await openEffect(file, "NORMAL")
      return {
        stream: (onRow) => runtime.runPromise(Effect.map(sql<BigRow>`SELECT id, a, b, c FROM big ORDER BY id`, (rows) => each(rows, onRow))),
        close: () => runtime.dispose()
      }
    }
  },
  drizzle: {
    note: `${LOADS_ALL} (no iterator for better-sqlite3)`,
    open: async (file) => {
      const { client, db } = openDrizzle(file, "NORMAL")
      return {
        stream: async (onRow) => each(db.select().from(big).orderBy(big.id).all(), onRow),
        close: () => {
          client.close()
        }
      }
    }
  },
  kysely: {
    note: "`.stream()` (better-sqlite3 `iterate`)",
    open: async (file) => {
      const { client, db } = openKysely(file, "NORMAL")
      return {
        stream: async (onRow) => {
          for await (const row of db.selectFrom("big").select(["id", "a", "b", "c"]).orderBy("id").stream()) onRow(row)
        },
        close: async () => {
          await db.destroy()
          if (client.open) client.close()
        }
      }
    }
  }
}

/** `@effect/sql`'s `sql.stream` on a client opened by `open`, consumed per chunk. */
const effectStream = (
  open: (url: string, pool: number) => Promise<{ runtime: ManagedRuntime.ManagedRuntime<any, unknown>; sql: SqlClient.SqlClient }>
) =>
async (url: string, size: number): Promise<Streamer> => {
  const { runtime, sql } = await open(url, size)
  return {
    stream: (onRow) =>
      runtime.runPromise(
        Stream.runForEachChunk(
          sql<BigRow>`SELECT id, a, b, c FROM big ORDER BY id`.stream,
          (chunk) => Effect.sync(() => each(chunk, onRow))
        )
      ),
    close: () => runtime.dispose()
  }
}

const PG_FETCH = 1_000

export const pgStreams: Partial<Record<PgLibrary, StreamEntry>> = {
  pg: {
    note: `server-side cursor: \`DECLARE … CURSOR\`, \`FETCH ${PG_FETCH}\` in a transaction`,
    open: async (url, size) => {
      const pool = openPool(url, size)
      return {
        stream: async (onRow) => {
          const client = await pool.connect()
          try {
            await client.query("BEGIN")
            await client.query(`DECLARE big_cursor NO SCROLL CURSOR FOR ${SQL}`)
            for (;;) {
              const { rows } = await client.query<BigRow>(`FETCH ${PG_FETCH} FROM big_cursor`)
              if (rows.length === 0) break
              each(rows, onRow)
            }
            await client.query("COMMIT")
          } finally {
            client.release()
          }
        },
        close: () => pool.end()
      }
    }
  },
  quarry: {
    note: "`Query.stream(query)` (rows decoded by the model), consumed per chunk",
    open: quarryStream(openQuarryPg)
  },
  "@effect/sql-pg": {
    note: "`sql.stream` (pg-cursor, 128 rows per read), consumed per chunk",
    open: effectStream(openEffectPg)
  }
}

export const mysqlStreams: Partial<Record<MysqlLibrary, StreamEntry>> = {
  mysql2: {
    note: "`connection.query(sql).stream()` (rows as they arrive, paused while not consumed)",
    open: async (url, size) => {
      const pool = openMysqlPool(url, size)
      return {
        stream: async (onRow) => {
          const conn = await new Promise<PoolConnection>((resolve, reject) =>
            pool.getConnection((error, c) => (error ? reject(error) : resolve(c)))
          )
          try {
            for await (const row of conn.query(SQL).stream()) onRow(row as BigRow)
          } finally {
            conn.release()
          }
        },
        close: () => pool.promise().end()
      }
    }
  },
  quarry: {
    note: "`Query.stream(query)` (rows decoded by the model), consumed per chunk",
    open: quarryStream(openQuarryMysql)
  },
  "@effect/sql-mysql2": {
    note: "`sql.stream` (mysql2 `query().stream()`), consumed per chunk",
    open: effectStream(openEffectMysql)
  }
}
