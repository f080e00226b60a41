/**
 * The `Replication` service of a replicated database (`Replicated.layer`):
 * where each shadow is, a stream of status changes, waiting for the shadows,
 * restarting a stopped shadow, and declaring the rows a raw write touches.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Replication } from "effect-quarry"
 *
 * const report = Effect.gen(function*() {
 *   const status = yield* Replication.status
 *   for (const shadow of status.shadows) {
 *     console.log(shadow.name, shadow.state, shadow.position, shadow.lag.entries, shadow.lag.seconds)
 *   }
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Context, Duration, Effect, type Layer, type Option, Stream } from "effect"
import type { DialectName } from "../dialect/Dialect.js"
import { Database } from "../layers/Database.js"
import type { DatabaseError, ReplicationError } from "../layers/DatabaseError.js"
import type * as QueryError from "../query/QueryError.js"
import type * as Table from "../schema/Table.js"
import { Touching, type TouchingFn } from "./internal/database.js"
import { preference } from "./internal/routing.js"

/**
 * A shadow's state: `streaming` (caught up, following commits),
 * `catching-up` (behind, applying), `down` (unreachable or failing in a way
 * that may heal; retried with backoff), `stopped` (it rejected an entry, or
 * the log no longer holds what it needs: shipping to it waits for `resume`).
 *
 * @since 0.2.0
 * @category models
 */
export type ShadowState = "streaming" | "catching-up" | "down" | "stopped"

/**
 * One shadow's status.
 *
 * @since 0.2.0
 * @category models
 */
export interface ShadowStatus {
  readonly name: string
  /** Its dialect, once it has been opened. */
  readonly dialect: DialectName | undefined
  readonly state: ShadowState
  /** The last log position it has applied. */
  readonly position: number
  /** How far behind the log's head it is: entries, and the age of the oldest entry it lacks. */
  readonly lag: { readonly entries: number; readonly seconds: number }
  /** Whether this process ships to it; another process (holding its lease) does otherwise. */
  readonly shipping: boolean
  /** Why it is down or stopped. */
  readonly lastError: ReplicationError | undefined
}

/**
 * The status of a replicated set.
 *
 * @since 0.2.0
 * @category models
 */
export interface Status {
  readonly mode: "async" | "sync"
  /** The position of the last entry appended to the log, as far as this process knows. */
  readonly head: number
  readonly shadows: ReadonlyArray<ShadowStatus>
}

/**
 * Where a backfill is in one table: rows copied, and the table's row count
 * in the snapshot (`done` once its last chunk is copied).
 *
 * @since 0.2.0
 * @category models
 */
export interface BackfillProgress {
  readonly table: string
  readonly copied: number
  readonly estimated: number
  readonly done: boolean
}

/**
 * Options of `addShadow`.
 *
 * @since 0.2.0
 * @category membership
 */
export interface AddShadowOptions {
  /** How many rows one backfill chunk copies (default: the layer's `backfillChunkSize`). */
  readonly backfillChunkSize?: number | undefined
}

/**
 * The values of `verify` and `repair`: keys, rows, ranges and differences.
 *
 * @since 0.2.0
 * @category verify
 */
export type {
  Key,
  KeyRange,
  Repair,
  RowDifference,
  TableVerification,
  VerifiedRow,
  Verification,
  VerifyOptions
} from "./internal/verification.js"
import type { Repair, Verification, VerifyOptions } from "./internal/verification.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Replication {
  readonly status: Effect.Effect<Status>
  /** The status, then every change of it. */
  readonly changes: Stream.Stream<Status>
  /** Wait until every shadow has applied the log's current head. */
  readonly caughtUp: (options?: { readonly timeout?: Duration.DurationInput | undefined }) => Effect.Effect<void, DatabaseError>
  /** Start shipping again to a stopped shadow (after fixing what it rejected). */
  readonly resume: (shadow: string) => Effect.Effect<void, ReplicationError>
  /** Copy a shadow's tables from a snapshot of the primary, then ship from the snapshot's position. */
  readonly backfill: (
    shadow: string,
    options?: { readonly tables?: ReadonlyArray<string> | undefined }
  ) => Stream.Stream<BackfillProgress, ReplicationError | DatabaseError>
  /** Add a shadow to the running set: create its tables, backfill it from a snapshot, then ship to it from there. */
  readonly addShadow: (
    name: string,
    layer: Layer.Layer<Database, unknown>,
    options?: AddShadowOptions
  ) => Stream.Stream<BackfillProgress, ReplicationError | DatabaseError>
  /** Take a shadow out of the running set: stop shipping to it and close it (its position stays in it). */
  readonly removeShadow: (name: string) => Effect.Effect<void, ReplicationError>
  /** Compare a shadow with the primary, table by table, by checksums over key ranges. */
  readonly verify: (shadow: string, options?: VerifyOptions) => Effect.Effect<Verification, ReplicationError | DatabaseError>
  /** Verify, then re-copy only the differing rows from the primary. */
  readonly repair: (shadow: string, options?: VerifyOptions) => Effect.Effect<Repair, ReplicationError | DatabaseError>
  /** The primary database (statements on it are not recorded: for tools that read it). */
  readonly primary: Database
  /** A shadow's database, once it has been opened (writing to it makes it diverge). */
  readonly shadow: (name: string) => Effect.Effect<Option.Option<Database>, ReplicationError>
}

/**
 * @since 0.2.0
 * @category tags
 */
export const Replication: Context.Tag<Replication, Replication> = Context.GenericTag<Replication>(
  "effect-quarry/Replication"
)

/**
 * The status now: per shadow its position, lag, state, and last error.
 *
 * @since 0.2.0
 * @category status
 */
export const status: Effect.Effect<Status, never, Replication> = Effect.flatMap(Replication, (r) => r.status)

/**
 * The status, then every change of it (a shadow's position or state).
 *
 * @since 0.2.0
 * @category status
 */
export const changes: Stream.Stream<Status, never, Replication> = Stream.unwrap(Effect.map(Replication, (r) => r.changes))

/**
 * Wait until every shadow has applied every entry committed so far; fails
 * with `ReplicationError` ("Timeout", default after 30 seconds) naming a
 * shadow that did not, or ("Rejected") one that stopped.
 *
 * @since 0.2.0
 * @category status
 */
export const caughtUp = (
  options?: { readonly timeout?: Duration.DurationInput | undefined }
): Effect.Effect<void, DatabaseError, Replication> => Effect.flatMap(Replication, (r) => r.caughtUp(options))

/**
 * Start shipping again to a stopped shadow.
 *
 * @since 0.2.0
 * @category status
 */
export const resume = (shadow: string): Effect.Effect<void, ReplicationError, Replication> =>
  Effect.flatMap(Replication, (r) => r.resume(shadow))

/**
 * Backfill a shadow: create its missing tables, copy the chosen tables (all
 * by default) from one consistent snapshot of the primary in primary-key
 * order, in chunks, then ship the log from the snapshot's position. Running
 * the stream runs the backfill; it emits each table's progress after each
 * chunk. An interrupted backfill resumes from its last chunk.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Replication } from "effect-quarry"
 *
 * const refill = Replication.backfill("dr").pipe(
 *   Stream.runForEach((p) => Effect.log(`${p.table}: ${p.copied}/${p.estimated}`))
 * )
 * ```
 *
 * @since 0.2.0
 * @category backfill
 */
export const backfill = (
  shadow: string,
  options?: { readonly tables?: ReadonlyArray<string> | undefined }
): Stream.Stream<BackfillProgress, ReplicationError | DatabaseError, Replication> =>
  Stream.unwrap(Effect.map(Replication, (r) => r.backfill(shadow, options)))

/**
 * Add a shadow to the running set while the application keeps writing. The
 * shadow's layer is built in the set's scope (the set's shutdown drains and
 * closes it like the others); its missing tables are created in its own
 * dialect; every replicated table is copied from ONE consistent snapshot of
 * the primary, in chunks (see `backfill`); then its shipper starts from the
 * snapshot's log position, so the writes made during the copy are applied
 * once, none lost. Pruning keeps the entries it needs meanwhile. Running the
 * stream adds the shadow and emits each table's progress after each chunk;
 * when the stream ends the shadow is in `status` (and, in sync mode, every
 * later write waits for it). A name already in the set fails with
 * `ReplicationError` ("Invalid"), before the layer is built; a layer that
 * cannot be built fails with ("Unreachable"). Interrupted, it closes what it
 * opened; adding the same shadow again resumes its copy. The shadow belongs
 * to this process's set: list it in `shadows` of the layer to keep it at the
 * next start (it then ships from its stored position).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Postgres, Replication } from "effect-quarry"
 *
 * const addDr = Replication.addShadow("dr", Postgres.layer({ url: "postgres://app@dr/app" })).pipe(
 *   Stream.runForEach((p) => Effect.log(`${p.table}: ${p.copied}/${p.estimated}`))
 * )
 * ```
 *
 * @since 0.2.0
 * @category membership
 */
export const addShadow = (
  name: string,
  layer: Layer.Layer<Database, unknown>,
  options?: AddShadowOptions
): Stream.Stream<BackfillProgress, ReplicationError | DatabaseError, Replication> =>
  Stream.unwrap(Effect.map(Replication, (r) => r.addShadow(name, layer, options)))

/**
 * Take a shadow out of the running set: its shipper stops (giving its lease
 * back), its database is closed, and it leaves `status`, `caughtUp` and
 * sync mode (a write waiting for it completes). Its stored position stays in
 * the shadow, and the entries after it stay in the log only until pruned.
 * An unknown name fails with `ReplicationError` ("NotReplicated").
 *
 * @since 0.2.0
 * @category membership
 */
export const removeShadow = (name: string): Effect.Effect<void, ReplicationError, Replication> =>
  Effect.flatMap(Replication, (r) => r.removeShadow(name))

/**
 * Prove a shadow equals the primary. First waits until the shadow has
 * applied the log's head; then, per table, one pass in primary-key order
 * compares SHA-256 checksums of key ranges (`chunkSize` rows) computed in
 * this process over a canonical encoding of each decoded value, the same on
 * every dialect. A range that differs is read again from both sides at one
 * log position (the primary's rows in one snapshot with the log's head, the
 * shadow's once it has applied that head) and its rows compared by key, so
 * a shadow that is merely behind is not reported. Writes may go on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Replication } from "effect-quarry"
 *
 * const check = Effect.gen(function*() {
 *   const result = yield* Replication.verify("dr", { tables: ["users"] })
 *   for (const table of result.tables) {
 *     for (const { rows } of table.differing) {
 *       for (const row of rows) console.log(table.table, row._tag, row.key)
 *     }
 *   }
 * })
 * ```
 *
 * @since 0.2.0
 * @category verify
 */
export const verify = (
  shadow: string,
  options?: VerifyOptions
): Effect.Effect<Verification, ReplicationError | DatabaseError, Replication> =>
  Effect.flatMap(Replication, (r) => r.verify(shadow, options))

/**
 * Verify a shadow, then re-copy only what differs: rows missing or
 * different on the shadow are upserted with the primary's, extra rows
 * deleted. The shipper stands by meanwhile (the repair holds the shadow's
 * lease), and the rows are copied from a snapshot at a log position the
 * shadow has not passed, so a repair never overwrites a newer row.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Replication } from "effect-quarry"
 *
 * const fix = Effect.gen(function*() {
 *   const repaired = yield* Replication.repair("dr")
 *   const again = yield* Replication.verify("dr")
 *   return { repaired, equal: again.equal }
 * })
 * ```
 *
 * @since 0.2.0
 * @category verify
 */
export const repair = (
  shadow: string,
  options?: VerifyOptions
): Effect.Effect<Repair, ReplicationError | DatabaseError, Replication> =>
  Effect.flatMap(Replication, (r) => r.repair(shadow, options))

/**
 * Declare the rows a raw write touches, so that a replicated database can
 * record them: `effect` may then run raw writes (`Database.run`, the `sql`
 * template) on the current database, and when it succeeds the rows of
 * `table` with these primary keys are read again in the same transaction —
 * present ones are shipped as they are, missing ones as deleted. A key is
 * the key's value, or a record of the key fields for a composite key. On a
 * database that is not replicated, `effect` just runs.
 *
 * @example
 * ```ts
 * import { Database, Replication } from "effect-quarry"
 *
 * const bump = Database.run({ sql: "UPDATE users SET age = age + 1 WHERE id = ?", params: [7] }).pipe(
 *   Replication.touching(Users, [7])
 * )
 * ```
 *
 * @since 0.2.0
 * @category raw writes
 */
export const touching = (table: Table.Any, keys: Iterable<unknown>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | DatabaseError | QueryError.QueryError, R | Database> =>
  Effect.flatMap(Database, (db) => {
    const touch = (db as Database & { readonly [Touching]?: TouchingFn })[Touching]
    return touch === undefined ? effect : touch(table, Array.from(keys), effect)
  })

/**
 * Run `effect` with its reads (outside transactions) on the shadows of a
 * replicated database, whatever the layer's `reads`: a shadow of the
 * primary's dialect that has applied this fiber's last write (waiting up to
 * `readYourWritesTimeout`, then reading the primary). Transactions, writes,
 * and databases without such a shadow use the primary.
 *
 * @example
 * ```ts
 * import { Query, Replication } from "effect-quarry"
 *
 * const report = Query.all(Query.from(Users)).pipe(Replication.readFromShadows)
 * ```
 *
 * @since 0.2.0
 * @category read routing
 */
export const readFromShadows = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, preference, "shadows")

/**
 * Run `effect` with its reads on the primary, whatever the layer's `reads`.
 *
 * @since 0.2.0
 * @category read routing
 */
export const readFromPrimary = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, preference, "primary")

/** @internal */
export const defaultCaughtUpTimeout = Duration.seconds(30)
