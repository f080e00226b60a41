/**
 * The layer chosen by a DATABASE_URL.
 */
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigError, ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import { Database } from "../../src/layers/Database.js"
import * as DatabaseConfig from "../../src/layers/DatabaseConfig.js"
import { failure, freshUrl } from "./PoolSupport.js"
import { tempDbFile } from "../support/tempDir.js"

const dialectOf = (layer: Layer.Layer<Database, unknown>) =>
  Effect.map(Layer.build(layer), (context) => Context.get(context, Database).dialect.name)

describe("DatabaseConfig", () => {
  it("kindOf picks the database from the scheme", () => {
    expect(DatabaseConfig.kindOf("postgres://u:p@h/db")).toBe("postgres")
    expect(DatabaseConfig.kindOf("PostgreSQL://u:p@h/db")).toBe("postgres")
    expect(DatabaseConfig.kindOf("mysql://u:p@h/db")).toBe("mysql")
    expect(DatabaseConfig.kindOf("mariadb://u:p@h/db")).toBe("mysql")
    expect(DatabaseConfig.kindOf("sqlite:///var/app.db")).toBe("sqlite")
    expect(DatabaseConfig.kindOf("file:app.db")).toBe("sqlite")
    expect(DatabaseConfig.kindOf("./data/app.db")).toBe("sqlite")
  })

  it("sqliteFilename reads the path out of a SQLite URL", () => {
    expect(DatabaseConfig.sqliteFilename("sqlite:///var/app.db")).toBe("/var/app.db")
    expect(DatabaseConfig.sqliteFilename("sqlite://app.db")).toBe("app.db")
    expect(DatabaseConfig.sqliteFilename("sqlite:app.db")).toBe("app.db")
    expect(DatabaseConfig.sqliteFilename("file:///var/my%20app.db")).toBe("/var/my app.db")
    expect(DatabaseConfig.sqliteFilename("sqlite::memory:")).toBe(":memory:")
    expect(DatabaseConfig.sqliteFilename("/var/app.db")).toBe("/var/app.db")
  })

  it.scopedLive("layerFromUrl opens PostgreSQL, MariaDB and SQLite", () =>
    Effect.gen(function*() {
      const pg = yield* freshUrl("postgres", "config_url")
      const my = yield* freshUrl("mysql", "config_url")
      const file = tempDbFile("app")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(pg))).toBe("postgres")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(pg.replace(/^postgres:/, "postgresql:")))).toBe("postgres")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(Redacted.make(my), { maxConnections: 2 }))).toBe("mysql")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(my.replace(/^mysql:/, "mariadb:")))).toBe("mysql")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(`sqlite://${file}`))).toBe("sqlite")
      expect(yield* dialectOf(DatabaseConfig.layerFromUrl(file))).toBe("sqlite")
      expect(fs.existsSync(file)).toBe(true)
    }))

  it.scopedLive("layerConfig reads DATABASE_URL; a missing one is a ConfigError", () =>
    Effect.gen(function*() {
      const pg = yield* freshUrl("postgres", "config_env")
      const layer = DatabaseConfig.layerConfig(Config.redacted("DATABASE_URL"))
      const dialect = yield* dialectOf(layer).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", pg]])))
      )
      expect(dialect).toBe("postgres")
      const missing = yield* failure(
        Effect.scoped(dialectOf(layer)).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      )
      expect(ConfigError.isConfigError(missing)).toBe(true)
    }))
})
