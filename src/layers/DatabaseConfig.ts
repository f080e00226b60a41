/**
 * Connection settings shared by the pooled layers, and a layer that picks
 * the database from a URL: `postgres://` and `postgresql://` open PostgreSQL,
 * `mysql://` and `mariadb://` open MySQL / MariaDB, `sqlite:` / `file:` or a
 * plain path open SQLite.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { DatabaseConfig } from "effect-quarry"
 *
 * // DATABASE_URL=postgres://app:secret@db:5432/app
 * const DatabaseLive = DatabaseConfig.layerConfig(Config.redacted("DATABASE_URL"))
 * ```
 *
 * @since 0.1.0
 */
import type { SqlClient } from "@effect/sql"
import { type Config, type ConfigError, Effect, Layer, Redacted } from "effect"
import type { Database } from "./Database.js"
import * as DatabaseError from "./DatabaseError.js"
import type * as Options from "./internal/connectionOptions.js"
import * as Mysql from "./Mysql.js"
import * as Postgres from "./Postgres.js"
import * as Sqlite from "./Sqlite.js"

/**
 * Where a pooled database is and how the pool behaves.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionOptions = Options.ConnectionOptions

/**
 * Which database a URL names.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "postgres" | "mysql" | "sqlite"

/**
 * Which database a URL names, from its scheme; anything without a known
 * scheme is a SQLite file path.
 *
 * @since 0.1.0
 * @category parsing
 */
export const kindOf = (url: string): Kind => {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1].toLowerCase()
  switch (scheme) {
    case "postgres":
    case "postgresql":
      return "postgres"
    case "mysql":
    case "mariadb":
      return "mysql"
    default:
      return "sqlite"
  }
}

/**
 * The file a SQLite URL names: `sqlite:///abs/app.db` and `file:///abs/app.db`
 * are absolute, `sqlite://app.db`, `sqlite:app.db` and `file:app.db` relative,
 * `sqlite::memory:` is in memory; a plain path is itself.
 *
 * @since 0.1.0
 * @category parsing
 */
export const sqliteFilename = (url: string): string => {
  const match = /^(?:sqlite3?|file):(?:\/\/)?(.*)$/i.exec(url)
  if (match === null) return url
  const rest = match[1].replace(/[?#].*$/, "")
  return rest === "" ? ":memory:" : decodeURIComponent(rest)
}

/**
 * A `Database` layer for the database a URL names. `options` tune the pool
 * of PostgreSQL and MySQL (SQLite ignores them).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromUrl = (
  url: string | Redacted.Redacted,
  options?: Omit<ConnectionOptions, "url"> | undefined
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError.DatabaseError> => {
  const text = Redacted.isRedacted(url) ? Redacted.value(url) : url
  switch (kindOf(text)) {
    case "postgres":
      return Postgres.layer({ ...options, url: Redacted.isRedacted(url) ? url : Redacted.make(url) })
    case "mysql":
      return Mysql.layer({ ...options, url: Redacted.isRedacted(url) ? url : Redacted.make(url) })
    case "sqlite": {
      const filename = sqliteFilename(text)
      return filename === ""
        ? Layer.fail(
          new DatabaseError.ConnectionError({ dialect: "sqlite", message: "empty database URL", retryable: false })
        )
        : Sqlite.layer({ filename })
    }
  }
}

/**
 * A `Database` layer for the URL read from configuration, typically
 * `Config.redacted("DATABASE_URL")`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  url: Config.Config<string | Redacted.Redacted>,
  options?: Omit<ConnectionOptions, "url"> | undefined
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError.DatabaseError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(url, (value) => layerFromUrl(value, options)))
