/**
 * What a project's `quarry.config.ts` (or `.js` / `.mjs`) exports by default:
 * the database, the tables (the models) and the migrations folder. The
 * `quarry` command finds the file by walking up from the working directory
 * (or takes `--config <file>`); `--url` and `DATABASE_URL` override its
 * database.
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Schema } from "effect"
 * import { Sqlite, Table } from "effect-quarry"
 *
 * class User extends Model.Class<User>("User")({ id: Model.Generated(Schema.Int), email: Schema.String }) {}
 * const Users = Table.make(User, { name: "users" })
 *
 * // quarry.config.ts
 * export default {
 *   database: Sqlite.layer({ filename: "app.db" }),
 *   tables: [Users],
 *   migrations: "migrations"
 * }
 * ```
 *
 * @since 0.2.0
 */
import type { Layer } from "effect"
import type { Database } from "../layers/Database.js"
import type * as Table from "../schema/Table.js"

/**
 * A project's `quarry` configuration.
 *
 * @since 0.2.0
 * @category models
 */
export interface Config {
  /**
   * The database: a layer (`Sqlite.layer`, `Postgres.layer`, `Replicated.layer`, …)
   * or a URL / SQLite file path. `--url` and `DATABASE_URL` take precedence.
   */
  readonly database?: Layer.Layer<Database, unknown> | string | undefined
  /** The models: what `migrate make` and `migrate check` compare against. */
  readonly tables?: ReadonlyArray<Table.Any> | undefined
  /** The migrations folder, relative to the config file (default `migrations`). */
  readonly migrations?: string | undefined
  /** The table recording applied migrations (default Quarry's). */
  readonly migrationsTable?: string | undefined
}

/**
 * The file names looked for, in order, in each directory from the working
 * directory up.
 *
 * @since 0.2.0
 * @category constants
 */
export const fileNames: ReadonlyArray<string> = [
  "quarry.config.ts",
  "quarry.config.mts",
  "quarry.config.js",
  "quarry.config.mjs"
]
