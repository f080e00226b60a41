/**
 * The migrations workflow: `make` a migration file from the models, review
 * it, `apply` pending migrations, `rollback` the last ones, `status`, and
 * `check` in CI (models against the latest snapshot; optionally the live
 * database against it too).
 *
 * Applying runs each pending migration in id order, in its own transaction
 * where DDL is transactional (PostgreSQL, SQLite), under a lock that a
 * concurrent migrator waits on (up to `lockTimeout`, then `Locked`); the
 * migrations table records each applied migration with its checksum. On
 * MySQL every DDL statement commits by itself: the migrations table records
 * progress after each operation, so a migration that failed half-way can be
 * resumed (`resume: true`) or undone by hand.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Migrations, Sqlite } from "effect-quarry"
 *
 * // generate migrations/<timestamp>_add_posts.ts from the models
 * const make = Migrations.make("add posts", { directory: "migrations", tables: [Users, Posts] }).pipe(
 *   Effect.provide(NodeContext.layer)
 * )
 *
 * // apply what is pending
 * const apply = Effect.gen(function*() {
 *   const migrations = yield* Migrations.load("migrations")
 *   return yield* Migrations.apply({ migrations })
 * }).pipe(Effect.provide([Sqlite.layer({ filename: "app.db" }), NodeContext.layer]))
 * ```
 *
 * @since 0.2.0
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import type { Duration, Effect, Option } from "effect"
import type { Database } from "../layers/Database.js"
import type * as DatabaseError from "../layers/DatabaseError.js"
import type * as Table from "../schema/Table.js"
import * as files from "./internal/files.js"
import * as runner from "./internal/runner.js"
import type * as Migration from "./Migration.js"
import type * as MigrationError from "./MigrationError.js"
import type * as Operation from "./Operation.js"

/**
 * What every command on the database takes.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Every migration of the project (`load(directory)`, or the folder's generated `index.ts`). */
  readonly migrations: ReadonlyArray<Migration.Migration>
  /** The migrations table (default `quarry_migrations`). */
  readonly table?: string | undefined
  /** Let destructive operations run (drops, narrowing, NOT NULL over rows without a default). */
  readonly allowDestructive?: boolean | undefined
  /** How long to wait for another migrator's lock before failing with `Locked` (default 1 minute). */
  readonly lockTimeout?: Duration.DurationInput | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ApplyOptions extends Options {
  /** Apply a pending migration that sorts before an applied one (default: `OutOfOrder`). */
  readonly allowOutOfOrder?: boolean | undefined
  /** MySQL: continue a migration that stopped half-way from its recorded progress (default: `PartiallyApplied`). */
  readonly resume?: boolean | undefined
  /** Apply up to (and including) this id only. */
  readonly to?: string | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface RollbackOptions extends Options {
  /** How many of the last applied migrations to roll back (default 1). */
  readonly steps?: number | undefined
}

/**
 * One migration's state: `applied`; `pending`; `partial` (MySQL, stopped
 * half-way); `missing` (applied, but no file); `edited` (applied, but its
 * file changed since).
 *
 * @since 0.2.0
 * @category models
 */
export interface Status {
  readonly id: string
  readonly state: "applied" | "pending" | "partial" | "missing" | "edited"
  readonly appliedAt: Date | undefined
  /** Pending, but sorts before an applied migration (`apply` refuses it without `allowOutOfOrder`). */
  readonly outOfOrder: boolean
}

/**
 * @since 0.2.0
 * @category models
 */
export interface GenerateOptions extends files.GenerateOptions {}

/**
 * A generated migration file.
 *
 * @since 0.2.0
 * @category models
 */
export interface Generated extends files.Generated {}

/**
 * @since 0.2.0
 * @category models
 */
export interface MakeOptions extends Omit<GenerateOptions, "migrations"> {
  /** The project's migrations folder. */
  readonly directory: string
  /** The folder's migrations, when already loaded (default: `load(directory)`). */
  readonly migrations?: ReadonlyArray<Migration.Migration> | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface CheckOptions {
  readonly tables: ReadonlyArray<Table.Any>
  readonly migrations: ReadonlyArray<Migration.Migration>
  /** The migrations table, left out of the live comparison (default `quarry_migrations`). */
  readonly table?: string | undefined
  /** Also compare the live database's catalog with the latest snapshot (needs a `Database`). */
  readonly live?: boolean | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Report {
  readonly changes: ReadonlyArray<Operation.Operation>
  readonly drift: ReadonlyArray<string>
}

/**
 * The errors of the commands that run on a database.
 *
 * @since 0.2.0
 * @category models
 */
export type RunError = MigrationError.MigrationError | DatabaseError.DatabaseError

/**
 * Apply every pending migration, in id order; the ids applied (by this call).
 * Checks everything first — missing files, edited applied migrations,
 * out-of-order ids, destructive operations without permission — and fails
 * before any SQL runs.
 *
 * @since 0.2.0
 * @category commands
 */
export const apply = (options: ApplyOptions): Effect.Effect<ReadonlyArray<string>, RunError, Database> =>
  runner.apply(options)

/**
 * Roll back the last applied migrations (by `down`), newest first; the ids
 * rolled back.
 *
 * @since 0.2.0
 * @category commands
 */
export const rollback = (options: RollbackOptions): Effect.Effect<ReadonlyArray<string>, RunError, Database> =>
  runner.rollback(options)

/**
 * Every migration's state, in id order (missing ones included). Reads only.
 *
 * @since 0.2.0
 * @category commands
 */
export const status = (options: Omit<Options, "allowDestructive" | "lockTimeout">): Effect.Effect<
  ReadonlyArray<Status>,
  RunError,
  Database
> => runner.status(options as Options)

/**
 * For CI: fail with `OutOfSync` when the models differ from the latest
 * migration's snapshot (a migration was not generated), and — with
 * `live: true` — when the current database differs from it (drift: a change
 * made by hand, a migration not applied). Drift covers tables, columns
 * (type, nullability, default), primary keys, unique constraints, indexes
 * and foreign keys; not checks.
 *
 * @since 0.2.0
 * @category commands
 */
export const check: {
  (options: CheckOptions & { readonly live: true }): Effect.Effect<Report, RunError, Database>
  (options: CheckOptions & { readonly live?: false | undefined }): Effect.Effect<Report, MigrationError.MigrationError>
} = ((options: CheckOptions) => runner.check(options, options.live === true)) as never

/**
 * The next migration, from the models and the existing migrations, without
 * touching files: `None` when nothing changed. The same input (and clock)
 * gives the same file.
 *
 * @since 0.2.0
 * @category generation
 */
export const generate = (
  name: string,
  options: GenerateOptions
): Effect.Effect<Option.Option<Generated>, MigrationError.MigrationError> => files.generate(name, options)

/**
 * Generate the next migration and write it into `directory`, with the
 * folder's `index.ts` (every migration, in order) rewritten; `None` when the
 * models did not change. The file's id is `<UTC yyyymmddhhmmss>_<name>`.
 *
 * @since 0.2.0
 * @category generation
 */
export const make = (
  name: string,
  options: MakeOptions
): Effect.Effect<
  Option.Option<Generated & { readonly path: string }>,
  MigrationError.MigrationError | PlatformError,
  FileSystem.FileSystem | Path.Path
> => files.make(name, options)

/**
 * Every migration of a folder (each file's default export), in id order.
 * TypeScript files need a runtime that imports them (tsx, vitest, Bun); a
 * missing folder has none.
 *
 * @since 0.2.0
 * @category generation
 */
export const load = (
  directory: string
): Effect.Effect<
  ReadonlyArray<Migration.Migration>,
  MigrationError.InvalidMigration | PlatformError,
  FileSystem.FileSystem | Path.Path
> => files.load(directory)
