/**
 * A replicated database: one primary plus shadow databases of any dialect.
 * The layer provides `Database` (and `SqlClient`) — app code does not
 * change — and the `Replication` service.
 *
 * Every write made through Quarry (`Query` inserts, updates, deletes,
 * upserts, bulk writes, `Repository`, relation writes) records the full
 * image of each row it wrote (deletes: the key), as the primary stored it,
 * in a log table on the primary, in the same transaction as the write. A
 * shipper per shadow applies the log in commit order as upserts / deletes by
 * primary key, compiled for the shadow's dialect, and stores the shadow's
 * position in the shadow in the same transaction. A shadow that is down
 * catches up from its position; nothing committed on the primary is lost.
 * `Ddl.createAll` / `Ddl.dropAll` run on the primary and every shadow.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ddl, Query, Replicated, Replication, Sqlite } from "effect-quarry"
 *
 * const Db = Replicated.layer({
 *   primary: Sqlite.layer({ filename: "primary.db" }),
 *   shadows: { backup: Sqlite.layer({ filename: "backup.db" }) },
 *   tables: [Users],
 *   mode: "async"
 * })
 *
 * const program = Effect.gen(function*() {
 *   yield* Ddl.createAll([Users])
 *   yield* Query.run(Query.insert(Users, { email: "ada@example.com", name: "Ada", age: 36 }))
 *   yield* Replication.caughtUp()
 *   return yield* Replication.status
 * })
 *
 * program.pipe(Effect.provide(Db), Effect.runPromise)
 * ```
 *
 * @since 0.2.0
 */
import type { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { hostname } from "node:os"
import type { Context } from "effect"
import type { Database } from "../layers/Database.js"
import { ReplicationError } from "../layers/DatabaseError.js"
import type * as Table from "../schema/Table.js"
import * as Set from "./internal/set.js"
import type * as Replication from "./Replication.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface ReplicatedConfig<E = never> {
  /** The primary: reads and writes go to it. */
  readonly primary: Layer.Layer<Database, E>
  /**
   * The shadows, by name (the name keys the shadow's position, in the
   * shadow). Each is opened in the background: one that cannot be opened is
   * `down` and retried, never failing the layer. Whatever they fail with
   * is reported in the status. More can be added to the running set with
   * `Replication.addShadow` (and taken out with `Replication.removeShadow`).
   */
  readonly shadows: { readonly [name: string]: Layer.Layer<Database, unknown> }
  /**
   * The tables replicated. Writes and DDL on other tables fail with
   * `ReplicationError` ("NotReplicated"); a table without a primary key
   * fails the layer ("NoPrimaryKey").
   */
  readonly tables: ReadonlyArray<Table.Any>
  /**
   * `"async"` (default): a write completes when the primary commits; the
   * shadows follow. `"sync"`: a write completes when every shadow has
   * applied it; a shadow that does not within `syncTimeout` fails the write's
   * completion with `ReplicationError` ("Timeout") naming it — the primary's
   * commit stands and the entry is still shipped later.
   */
  readonly mode?: "async" | "sync" | undefined
  /** How long a sync-mode write waits for the shadows (default 5 seconds). */
  readonly syncTimeout?: Duration.DurationInput | undefined
  /** The most log entries one shadow transaction applies (default 100; an entry is a transaction's changes, up to 500 rows). */
  readonly batchSize?: number | undefined
  /** How often a shipper looks for entries written by other processes (default 500 ms; this process's commits wake it at once). */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** How long a process's hold on shipping to a shadow lasts unrenewed (default 10 seconds): another process takes over after it. */
  readonly lease?: Duration.DurationInput | undefined
  /** How a shipper whose shadow is down retries (default: exponential from 100 ms, capped at 10 s, jittered, forever). */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** At shutdown, how long the shippers may go on to apply what is committed (default 10 seconds). */
  readonly drainTimeout?: Duration.DurationInput | undefined
  /** How long entries every shadow has applied are kept before pruning (default 0). */
  readonly retention?: Duration.DurationInput | undefined
  /** How often applied entries are pruned (default 30 seconds). */
  readonly pruneInterval?: Duration.DurationInput | undefined
  /**
   * Where reads outside transactions go (default `"primary"`): `"shadows"`
   * reads from shadows of the primary's dialect (statements are compiled for
   * it), with read-your-writes; a transaction always uses the primary.
   * `Replication.readFromShadows` / `readFromPrimary` choose per region.
   */
  readonly reads?: "primary" | "shadows" | undefined
  /**
   * How long a read routed to a shadow waits for the shadow to apply the
   * fiber's last write before it reads the primary instead (default 1 second).
   */
  readonly readYourWritesTimeout?: Duration.DurationInput | undefined
  /** How many rows one backfill chunk copies (one shadow transaction; default 1000). */
  readonly backfillChunkSize?: number | undefined
  /** This process's name in the shadows' leases (default host, pid and a random suffix). */
  readonly owner?: string | undefined
}

const invalid = (message: string, table?: string) => new ReplicationError({ reason: "NoPrimaryKey", table, message })

const duration = (name: string, value: Duration.DurationInput | undefined, fallback: Duration.DurationInput) => {
  const decoded = Duration.decodeUnknown(value ?? fallback)
  return decoded._tag === "Some"
    ? Effect.succeed(decoded.value)
    : Effect.fail(invalidConfig(`${name} is not a duration: ${String(value)}`))
}

const invalidConfig = (message: string) =>
  new ReplicationError({ reason: "Invalid", message: `invalid replication configuration: ${message}` })

const resolve = <E>(config: ReplicatedConfig<E>): Effect.Effect<Set.Resolved, ReplicationError> =>
  Effect.gen(function*() {
    const tables = new Map<string, Table.Any>()
    for (const table of config.tables) {
      if (table.primaryKey.length === 0) {
        return yield* Effect.fail(invalid(`table ${table.name} has no primary key: its rows cannot be replicated`, table.name))
      }
      const known = tables.get(table.name)
      if (known !== undefined && known !== table) {
        return yield* Effect.fail(invalidConfig(`two tables are named ${table.name}`))
      }
      tables.set(table.name, table)
    }
    const shadows = Object.entries(config.shadows)
    if (shadows.some(([name]) => name.length === 0 || name.length > 255)) {
      return yield* Effect.fail(invalidConfig("a shadow's name must have 1 to 255 characters"))
    }
    const batchSize = config.batchSize ?? 100
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      return yield* Effect.fail(invalidConfig(`batchSize must be an integer >= 1, got ${batchSize}`))
    }
    const backfillChunkSize = config.backfillChunkSize ?? 1000
    if (!Number.isInteger(backfillChunkSize) || backfillChunkSize < 1) {
      return yield* Effect.fail(invalidConfig(`backfillChunkSize must be an integer >= 1, got ${backfillChunkSize}`))
    }
    const reads = config.reads ?? "primary"
    if (reads !== "primary" && reads !== "shadows") return yield* Effect.fail(invalidConfig(`reads must be "primary" or "shadows"`))
    const mode = config.mode ?? "async"
    if (mode !== "async" && mode !== "sync") return yield* Effect.fail(invalidConfig(`mode must be "async" or "sync"`))
    return {
      primary: config.primary as Layer.Layer<Database, unknown>,
      shadows,
      tables,
      mode,
      syncTimeout: yield* duration("syncTimeout", config.syncTimeout, "5 seconds"),
      batchSize,
      backfillChunkSize,
      reads,
      readBound: yield* duration("readYourWritesTimeout", config.readYourWritesTimeout, "1 second"),
      pollMillis: Duration.toMillis(yield* duration("pollInterval", config.pollInterval, "500 millis")),
      leaseMillis: Duration.toMillis(yield* duration("lease", config.lease, "10 seconds")),
      retry: config.retry ?? Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")), Schedule.jittered),
      drainTimeout: yield* duration("drainTimeout", config.drainTimeout, "10 seconds"),
      retentionMillis: Duration.toMillis(yield* duration("retention", config.retention, 0)),
      pruneInterval: yield* duration("pruneInterval", config.pruneInterval, "30 seconds"),
      owner: config.owner ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`
    }
  })

/**
 * Open a replicated set in the current scope: the primary (its failure fails
 * this), its log tables, and a shipper per shadow. Closing the scope stops
 * accepting writes, lets the shippers apply what is committed for up to
 * `drainTimeout`, then closes the shadows and the primary; what was not
 * shipped stays in the log for the next start.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <E>(
  config: ReplicatedConfig<E>
): Effect.Effect<Context.Context<Database | SqlClient.SqlClient | Replication.Replication>, E | ReplicationError | import("../layers/DatabaseError.js").DatabaseError, Scope.Scope> =>
  Effect.flatMap(resolve(config), Set.make) as any

/**
 * The replicated set as a layer: `Database` (the primary's, with every
 * write recorded), its `SqlClient`, and `Replication`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = <E>(
  config: ReplicatedConfig<E>
): Layer.Layer<Database | SqlClient.SqlClient | Replication.Replication, E | import("../layers/DatabaseError.js").DatabaseError> =>
  Layer.scopedContext(make(config))
