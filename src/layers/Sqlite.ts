/**
 * The SQLite layer: a `Database` (and the `@effect/sql` `SqlClient` of the
 * same database, for the `sql` template) on one file, built on better-sqlite3.
 *
 * - Writes (`run`, `submit`, a write passed to `all`, DDL) go through ONE
 *   writer connection fed by a FIFO queue. The writer takes everything
 *   pending (up to `maxBatch` jobs), runs it in one `BEGIN IMMEDIATE`
 *   transaction with a savepoint per job (a failing write fails only its own
 *   caller), commits once, and only then acknowledges the jobs: an
 *   acknowledged write is committed (group commit). A write is accepted once
 *   queued: interrupting its caller afterwards does not cancel it.
 * - Reads (statements better-sqlite3 reports as read-only) run on `readers`
 *   read-only connections in WAL mode, round-robin: they never wait behind
 *   writes or open transactions and see only committed data. A read does not
 *   wait for writes that were submitted but not awaited (await the completion
 *   to read your own write); a read that cannot be prepared yet (its table is
 *   created by a queued write) is queued behind it instead.
 * - `stream` iterates on a read-only connection of its own, in chunks, and
 *   closes it when the stream ends, fails or is interrupted.
 * - A transaction holds the writer for its duration; inside it every
 *   statement of the same layer (reads, streams, `submit`, and the `sql`
 *   template) runs on the writer connection. It is found through a FiberRef
 *   of this layer instance, so another database's statements are never part
 *   of it. Nested transactions are savepoints; concurrent nested siblings take
 *   turns. SQLite transactions are serializable, which satisfies every
 *   requested isolation level. A write issued from outside the transaction's
 *   fibers (another runtime, a callback) is queued behind it: awaiting such
 *   a write inside the transaction would never end.
 * - Transaction control (`BEGIN`, `COMMIT`, `SAVEPOINT`, ...), `VACUUM` and
 *   connection pragmas (`foreign_keys`, `journal_mode`) must not be sent as
 *   statements: statements run inside the writer's transaction. Use the
 *   configuration and `transaction` instead.
 * - Closing the layer's scope (including interrupting the program, e.g.
 *   Ctrl-C under `NodeRuntime.runMain`) stops accepting work (new calls fail
 *   with `ConnectionError` "database is closing"), drains every accepted
 *   write, then closes the connections.
 * - The `SqlClient`'s statements ignore `@effect/sql`'s global transaction
 *   connection; its `withTransaction` is this layer's `transaction`; its
 *   `reserve` gives the shared (not exclusive) connection; integers come
 *   back as numbers (`SqlClient.SafeIntegers` is not supported).
 *
 * @since 0.1.0
 */
import type { SqlClient as SqlClientService } from "@effect/sql"
import * as SqlClient from "@effect/sql/SqlClient"
import { Config, type ConfigError, Context, Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { Database } from "./Database.js"
import type * as DatabaseError from "./DatabaseError.js"
import { connectionError } from "./internal/classifySqlite.js"
import * as DriverModule from "./internal/driverModule.js"
import { traced } from "./internal/trace.js"
import type * as internal from "./internal/sqliteDatabase.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface SqliteConfig {
  /**
   * The database file. `":memory:"` gives a private in-memory database on a
   * single connection: reads then share the writer connection (waiting while
   * a batch or transaction is open) and streams read their rows at once.
   */
  readonly filename: string
  /** Read-only connections for reads, used round-robin (default 2; 0 = reads use the writer connection). */
  readonly readers?: number | undefined
  /**
   * How long a write waits for another process's lock before failing with
   * `Busy` (default 5 seconds). Readers use it as SQLite's `busy_timeout`; the
   * writer retries `BEGIN IMMEDIATE` on `busyRetry` for up to this long,
   * sleeping without blocking the event loop.
   */
  readonly busyTimeout?: Duration.DurationInput | undefined
  /**
   * SQLite's `synchronous` setting (default `"full"`).
   *
   * - `"full"`: every committed batch is on disk before it is acknowledged;
   *   it survives power loss and OS crashes.
   * - `"normal"`: in WAL mode a commit is not synced until the next
   *   checkpoint: much faster, never corrupts the file, but a power loss or
   *   OS crash may lose the last acknowledged commits (a process crash loses
   *   nothing).
   * - `"off"`: no syncing at all; a power loss may corrupt the database.
   *
   * With `"full"` concurrent writes wait for each other to share one commit
   * (one fsync per batch). With `"normal"` or `"off"` a commit costs little,
   * so a write that finds the writer idle runs at once on the caller's fiber
   * (one caller per turn of the event loop; concurrent callers still share a
   * batch).
   */
  readonly synchronous?: "full" | "normal" | "off" | undefined
  /**
   * The most writes committed together in one group commit (default 1000).
   * A batch runs synchronously on the event loop (better-sqlite3 is
   * synchronous), commit and fsync included: a smaller batch keeps the event
   * loop more responsive under heavy write load, a larger one commits fewer
   * times.
   */
  readonly maxBatch?: number | undefined
  /** Enforce foreign keys (default true). */
  readonly foreignKeys?: boolean | undefined
  /** Prepared statements cached per connection, least recently used evicted (default 500). */
  readonly statementCache?: number | undefined
  /**
   * How the writer retries `BEGIN IMMEDIATE` while another process holds the
   * write lock (default: jittered exponential from 1 ms, capped at 25 ms per
   * wait, for up to `busyTimeout`). When it gives up the writes fail with `Busy`.
   */
  readonly busyRetry?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * Called after each commit of the writer with the number of jobs it
   * committed (observability: batch sizes, commit rate); a write that ran
   * at once on an idle writer (see `synchronous`) counts as a commit of one.
   */
  readonly onBatch?: ((info: { readonly size: number }) => void) | undefined
}

const integer = (name: string, value: number, min: number) =>
  Number.isInteger(value) && value >= min
    ? Effect.succeed(value)
    : Effect.fail(connectionError(`invalid SQLite configuration: ${name} must be an integer >= ${min}, got ${value}`))

const resolve = (config: SqliteConfig): Effect.Effect<internal.Resolved, DatabaseError.ConnectionError> =>
  Effect.gen(function*() {
    const busyTimeout = Duration.decodeUnknown(config.busyTimeout ?? "5 seconds")
    if (busyTimeout._tag === "None") {
      const shown = String(config.busyTimeout)
      return yield* Effect.fail(connectionError(`invalid SQLite configuration: busyTimeout ${shown}`))
    }
    const synchronous = config.synchronous ?? "full"
    if (synchronous !== "full" && synchronous !== "normal" && synchronous !== "off") {
      return yield* Effect.fail(connectionError(`invalid SQLite configuration: synchronous ${String(synchronous)}`))
    }
    return {
      filename: config.filename,
      readers: yield* integer("readers", config.readers ?? 2, 0),
      busyTimeoutMillis: Duration.toMillis(busyTimeout.value),
      synchronous,
      maxBatch: yield* integer("maxBatch", config.maxBatch ?? 1000, 1),
      foreignKeys: config.foreignKeys ?? true,
      statementCache: yield* integer("statementCache", config.statementCache ?? 500, 0),
      busyRetry: config.busyRetry ?? Schedule.exponential("1 millis", 1.5).pipe(
        Schedule.union(Schedule.spaced("25 millis")),
        Schedule.jittered,
        Schedule.upTo(busyTimeout.value)
      ),
      onBatch: config.onBatch
    }
  })

/**
 * Open the database in the current scope; closing the scope drains the
 * writer and closes the connections. Bad configuration (an unwritable path, a
 * missing directory, a file that is not a database) fails with
 * `ConnectionError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: SqliteConfig): Effect.Effect<Database, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.flatMap(resolve(config), (resolved) =>
    // better-sqlite3 is an optional peer: loaded when a database is opened, not when the package is imported.
    Effect.flatMap(
      DriverModule.load("sqlite", () => import("./internal/sqliteDatabase.js")),
      (module) => Effect.map(module.make(resolved), (db) => traced(db, { system: "sqlite", namespace: resolved.filename }))
    ))

const toContext = (database: Database) =>
  Context.make(Database, database).pipe(Context.add(SqlClient.SqlClient, database.sql))

/**
 * A `Database` and the `SqlClient` of the same database.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Database, Sqlite } from "effect-quarry"
 *
 * const program = Database.run({ sql: "INSERT INTO t (name) VALUES (?)", params: ["a"] })
 * program.pipe(Effect.provide(Sqlite.layer({ filename: "app.db" })), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: SqliteConfig
): Layer.Layer<Database | SqlClientService.SqlClient, DatabaseError.DatabaseError> =>
  Layer.scopedContext(Effect.map(make(config), toContext))

/**
 * `layer`, with the configuration read from `Config` (e.g. the environment).
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Sqlite } from "effect-quarry"
 *
 * const Live = Sqlite.layerConfig({ filename: Config.string("DATABASE_FILE") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<SqliteConfig>
): Layer.Layer<Database | SqlClientService.SqlClient, ConfigError.ConfigError | DatabaseError.DatabaseError> =>
  Layer.scopedContext(Effect.map(Effect.flatMap(Config.unwrap(config), make), toContext))
