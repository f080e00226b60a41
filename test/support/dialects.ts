/**
 * One helper to run a suite against all three dialects: SQLite on a temporary
 * file, PostgreSQL and MariaDB on the servers started by the global setup, each
 * suite in its own database. A server that cannot be had fails the run.
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Database } from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import type { DialectName } from "../../src/query/Dialect.js"
import { createDatabase } from "./servers.js"

export interface DialectCase {
  readonly name: DialectName
  /** A fresh, isolated database for this suite. */
  readonly layer: Layer.Layer<Database | SqlClient.SqlClient, DatabaseError>
}

const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)

/** A unique database name for a suite (test files run in parallel workers). */
export const databaseName = (suite: string) => `q_${safe(suite)}_${process.pid}`

/** A temporary SQLite file path for a suite. */
export const sqliteFile = (suite: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quarry-sqlite-"))
  return path.join(dir, `${safe(suite)}.db`)
}

const sqlite = (suite: string): DialectCase => ({
  name: "sqlite",
  layer: Layer.unwrapEffect(Effect.sync(() => Sqlite.layer({ filename: sqliteFile(suite) })))
})

const postgres = (suite: string): DialectCase => ({
  name: "postgres",
  layer: Layer.unwrapEffect(
    Effect.promise(() => createDatabase("postgres", databaseName(suite))).pipe(
      Effect.map((url) => Postgres.layer({ url }))
    )
  )
})

const mysql = (suite: string): DialectCase => ({
  name: "mysql",
  layer: Layer.unwrapEffect(
    Effect.promise(() => createDatabase("mysql", databaseName(suite))).pipe(
      Effect.map((url) => Mysql.layer({ url }))
    )
  )
})

/** The three dialects, each with an isolated database named after the suite. */
export const cases = (suite: string): ReadonlyArray<DialectCase> => [sqlite(suite), postgres(suite), mysql(suite)]

/** One dialect's case. */
export const only = (name: DialectName, suite: string): DialectCase =>
  name === "sqlite" ? sqlite(suite) : name === "postgres" ? postgres(suite) : mysql(suite)
