/**
 * Opening each peer library on a SQLite file with the same settings
 * (journal_mode=WAL, the synchronous level of the workload), verified by
 * reading the pragmas back through the library's own connection.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import Database from "better-sqlite3"
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3"
import { Effect, ManagedRuntime } from "effect"
import { Kysely, SqliteDialect } from "kysely"
import { JOURNAL_MODE, type Synchronous } from "../data/sqlite.js"
import * as DrizzleSchema from "./drizzle-sqlite.js"
import type { KyselyDatabase } from "./kysely-types.js"

const SYNC_LEVEL: Record<Synchronous, number> = { NORMAL: 1, FULL: 2 }

/** Fail loudly if a connection does not run with the settings the report states. */
export const checkPragmas = (
  journalMode: unknown,
  synchronous: unknown,
  foreignKeys: unknown,
  expected: Synchronous,
  who: string
): void => {
  if (
    String(journalMode).toLowerCase() !== JOURNAL_MODE || Number(synchronous) !== SYNC_LEVEL[expected] ||
    Number(foreignKeys) !== 1
  ) {
    throw new Error(
      `${who}: connection runs journal_mode=${String(journalMode)} synchronous=${String(synchronous)} ` +
        `foreign_keys=${String(foreignKeys)}, expected ${JOURNAL_MODE}/${expected}/1`
    )
  }
}

export const openRaw = (file: string, sync: Synchronous): Database.Database => {
  const db = new Database(file)
  db.pragma(`journal_mode = ${JOURNAL_MODE}`)
  db.pragma(`synchronous = ${sync}`)
  checkPragmas(
    db.pragma("journal_mode", { simple: true }),
    db.pragma("synchronous", { simple: true }),
    db.pragma("foreign_keys", { simple: true }),
    sync,
    "better-sqlite3"
  )
  return db
}

export type DrizzleDb = BetterSQLite3Database<typeof DrizzleSchema.schema>

export const openDrizzle = (file: string, sync: Synchronous): { client: Database.Database; db: DrizzleDb } => {
  const client = openRaw(file, sync)
  return { client, db: drizzle({ client, schema: DrizzleSchema.schema }) }
}

export const openKysely = (
  file: string,
  sync: Synchronous
): { client: Database.Database; db: Kysely<KyselyDatabase> } => {
  const client = openRaw(file, sync)
  return { client, db: new Kysely<KyselyDatabase>({ dialect: new SqliteDialect({ database: client }) }) }
}

/** An `@effect/sql-sqlite-node` client behind a runtime built once per subject. */
export const openEffect = async (file: string, sync: Synchronous) => {
  const runtime = ManagedRuntime.make(SqliteClient.layer({ filename: file }))
  const sql = await runtime.runPromise(SqlClient.SqlClient)
  const [journal, synchronous, foreignKeys] = await runtime.runPromise(
    Effect.gen(function*() {
      yield* sql.unsafe(`PRAGMA synchronous = ${sync}`)
      const j = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      const s = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
      const f = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
      return [j[0]?.journal_mode, s[0]?.synchronous, f[0]?.foreign_keys] as const
    })
  )
  checkPragmas(journal, synchronous, foreignKeys, sync, "@effect/sql-sqlite-node")
  return { runtime, sql }
}
