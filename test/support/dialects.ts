/**
 * One helper to run a suite against all three dialects: SQLite on a temporary
 * file, PostgreSQL and MariaDB on the servers started by the global setup, each
 * suite in its own database. A server that cannot be had fails the run.
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer, type Scope } from "effect"
import type { Database } from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import type { DialectName } from "../../src/dialect/Dialect.js"
import { createDatabase, type DatabaseKind, dropDatabase, suiteDatabaseName } from "./servers.js"
import { tempDbFile } from "./tempDir.js"

export interface DialectCase {
  readonly name: DialectName
  /** A fresh, isolated database for this suite. */
  readonly layer: Layer.Layer<Database | SqlClient.SqlClient, DatabaseError>
}

/** A unique database name for a suite (test files run in parallel workers). */
export const databaseName = (suite: string) => suiteDatabaseName(suite)

/** A temporary SQLite file path for a suite. */
export const sqliteFile = (suite: string) => tempDbFile(suite)

/**
 * A fresh database `databaseName(suite)` on a server, for the life of the
 * current scope: dropped when the scope closes (after whatever was opened on
 * it later in the same scope has closed).
 */
export const serverDatabase = (kind: DatabaseKind, suite: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => createDatabase(kind, databaseName(suite))),
    () => Effect.promise(() => dropDatabase(kind, databaseName(suite)))
  )

const sqlite = (suite: string): DialectCase => ({
  name: "sqlite",
  layer: Layer.unwrapEffect(Effect.sync(() => Sqlite.layer({ filename: sqliteFile(suite) })))
})

const postgres = (suite: string): DialectCase => ({
  name: "postgres",
  layer: Layer.unwrapScoped(Effect.map(serverDatabase("postgres", suite), (url) => Postgres.layer({ url })))
})

const mysql = (suite: string): DialectCase => ({
  name: "mysql",
  layer: Layer.unwrapScoped(Effect.map(serverDatabase("mysql", suite), (url) => Mysql.layer({ url })))
})

/** The three dialects, each with an isolated database named after the suite. */
export const cases = (suite: string): ReadonlyArray<DialectCase> => [sqlite(suite), postgres(suite), mysql(suite)]

/**
 * A fresh database of one dialect for the life of the current scope, as the
 * URL a user would give `DatabaseConfig` (a file path on SQLite).
 */
export const databaseUrl = (name: DialectName, suite: string): Effect.Effect<string, never, Scope.Scope> =>
  name === "sqlite" ? Effect.sync(() => sqliteFile(suite)) : serverDatabase(name, suite)

/** The dialect's own layer (`Sqlite.layer`, `Postgres.layer`, `Mysql.layer`) for a URL of `databaseUrl`. */
export const layerAt = (
  name: DialectName,
  url: string
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError> =>
  name === "sqlite"
    ? Sqlite.layer({ filename: url })
    : name === "postgres"
    ? Postgres.layer({ url })
    : Mysql.layer({ url })

/** One dialect's case. */
export const only = (name: DialectName, suite: string): DialectCase =>
  name === "sqlite" ? sqlite(suite) : name === "postgres" ? postgres(suite) : mysql(suite)
