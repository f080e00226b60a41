/**
 * The database: whatever `DATABASE_URL` names (postgres://…, mysql://…,
 * sqlite:…, a file path), else an SQLite file in the system's temporary
 * directory. The tables are created at start-up when they do not exist (a
 * real service would run migrations: see docs/migrations.md).
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseConfig, Ddl } from "effect-quarry"
import * as os from "node:os"
import * as path from "node:path"
import { tables } from "./models.js"

const url = Config.redacted("DATABASE_URL").pipe(
  Config.option,
  Config.map(Option.filter((url) => Redacted.value(url) !== "")),
  Config.map(Option.getOrElse(() => Redacted.make(path.join(os.tmpdir(), "quarry-http-example.db"))))
)

/** `Database` (and `SqlClient`) for the configured URL, its tables created. */
export const DatabaseLive = Layer.effectDiscard(Ddl.createAll(tables)).pipe(
  Layer.provideMerge(DatabaseConfig.layerConfig(url))
)

/** The configured URL's kind, for the start-up line (never the URL: it may hold a password). */
export const databaseKind = Effect.map(url, (u) => DatabaseConfig.kindOf(Redacted.value(u)))
