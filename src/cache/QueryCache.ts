/**
 * Query results cached by value, invalidated by the writes that change them.
 * Provide `QueryCache.layer()` beside a database layer and mark reads with
 * `Query.cached()`: the rows of a marked read are kept under its dialect,
 * SQL text and parameters, and every write through Quarry to a table the
 * read depends on — its FROM and JOIN tables, those of its subqueries and of
 * its prefetched relations — drops them, once the write's transaction has
 * committed. Reads inside a transaction go to the database.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Query, QueryCache, Sqlite } from "effect-quarry"
 *
 * const Live = QueryCache.layer({ maxEntries: 5_000, maxBytes: 32 * 1024 * 1024 }).pipe(
 *   Layer.provideMerge(Sqlite.layer({ filename: "app.db" }))
 * )
 * const byId = (id: number) => Query.from(Users).pipe(Query.where({ id }), Query.cached(), Query.get)
 *
 * const program = Effect.gen(function*() {
 *   const ann = yield* byId(1) // reads the database
 *   const again = yield* byId(1) // from the cache
 *   yield* Query.run(Query.update(Users, { name: "Ann B." }).pipe(Query.where({ id: 1 })))
 *   const renamed = yield* byId(1) // reads the database again: users was written
 * }).pipe(Effect.provide(Live))
 * ```
 *
 * @since 0.2.0
 */
import type { Config, ConfigError, Duration, Effect, Layer, Option, Scope } from "effect"
import { Data } from "effect"
import type { Database, Row } from "../layers/Database.js"
import { QueryCache } from "../query/internal/cache.js"
import type * as Table from "../schema/Table.js"
import * as internal from "./internal/service.js"
import * as memory from "./internal/memoryStore.js"
import * as metrics from "./internal/metrics.js"
import * as redisMessagesInternal from "./internal/redisMessages.js"
import * as redisStoreInternal from "./internal/redisStore.js"

/**
 * The service (a `Context.Tag`), defined by the query room that consults it:
 * `rows` reads through the cache, `invalidate` drops results by table or tag.
 *
 * @since 0.2.0
 * @category tags
 */
export { QueryCache }

/**
 * What the query room asks the service for one read.
 *
 * @since 0.2.0
 * @category models
 */
export type { CachedRead } from "../query/internal/cache.js"

/**
 * A store failed (a shared store's connection, say). The cache never fails a
 * query for it: a read it cannot serve goes to the database, and the failure
 * is logged.
 *
 * @since 0.2.0
 * @category errors
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A stored result: the rows as the driver returned them (decoded again by
 * each reader's query), and the tables and tags it depends on.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry {
  readonly rows: ReadonlyArray<Row>
  readonly tables: ReadonlyArray<string>
}

/**
 * Where results live. The in-memory store (`memoryStore`) is the default; a
 * store shared by several processes (Redis, say) implements the same
 * contract:
 *
 * - `get` gives the rows under a key, unless they expired;
 * - `version` gives a token taken before the database read of a miss, and
 *   `set` stores only if none of the entry's tables was invalidated since that
 *   token (a read that raced a write must not store what it read before the
 *   write);
 * - `invalidate` drops every entry depending on one of the tables, for
 *   every process using the store.
 *
 * @since 0.2.0
 * @category models
 */
export interface Store {
  readonly get: (key: string) => Effect.Effect<Option.Option<ReadonlyArray<Row>>, StoreError>
  readonly version: (tables: ReadonlyArray<string>) => Effect.Effect<unknown, StoreError>
  readonly set: (
    key: string,
    entry: Entry,
    options: { readonly ttl: Duration.Duration | undefined; readonly version: unknown }
  ) => Effect.Effect<void, StoreError>
  readonly invalidate: (tables: ReadonlyArray<string>) => Effect.Effect<void, StoreError>
  readonly clear: Effect.Effect<void, StoreError>
}

/**
 * An invalidation sent to the other processes: tables and tags, or `"all"`.
 * `origin` names the cache that sent it (a cache ignores its own).
 *
 * @since 0.2.0
 * @category models
 */
export interface Invalidation {
  readonly origin: string
  readonly tables: ReadonlyArray<string> | "all"
}

/**
 * Invalidation messages between processes (Redis pub/sub, PostgreSQL
 * NOTIFY, ...). A process receiving one drops its matching results (those of
 * its own store, and reads in flight that would store stale rows).
 *
 * @since 0.2.0
 * @category models
 */
export interface Messages {
  readonly publish: (message: Invalidation) => Effect.Effect<void, StoreError>
  /** Call `receive` with every message, for the life of the scope. */
  readonly subscribe: (receive: (message: Invalidation) => void) => Effect.Effect<void, StoreError, Scope.Scope>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The most results the in-memory store keeps (least recently used go first). Default 10,000. */
  readonly maxEntries?: number | undefined
  /** The most bytes, approximately, the in-memory store keeps. Default 64 MiB. */
  readonly maxBytes?: number | undefined
  /** How long a result is served when its query gives no `ttl`. Default: until invalidated or evicted. */
  readonly ttl?: Duration.DurationInput | undefined
  /**
   * Where results live. Default: an in-memory store with the bounds above.
   * A store, or an effect making one for the layer's life (`redisStore(...)`).
   */
  readonly store?: Store | Effect.Effect<Store, StoreError, Scope.Scope> | undefined
  /** Invalidation messages to and from other processes: messages, or an effect making them (`redisMessages(...)`). */
  readonly messages?: Messages | Effect.Effect<Messages, StoreError, Scope.Scope> | undefined
  /** A prefix of every key: several databases sharing one store must each have their own. */
  readonly namespace?: string | undefined
}

/**
 * The cache of the current `Database`, for the life of the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<QueryCache, StoreError, Database | Scope.Scope> = internal.make

/**
 * The cache of the database the layer below provides: compose it with
 * `Layer.provideMerge(databaseLayer)`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: (
  options?: Options
) => Layer.Layer<QueryCache, StoreError, Database> = internal.layer

/**
 * `layer` with its bounds, default `ttl` and namespace read from `Config`.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { QueryCache } from "effect-quarry"
 *
 * const Cache = QueryCache.layerConfig({
 *   maxEntries: Config.integer("CACHE_MAX_ENTRIES").pipe(Config.withDefault(10_000)),
 *   ttl: Config.duration("CACHE_TTL").pipe(Config.withDefault("5 minutes"))
 * })
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig: (
  config: Config.Config.Wrap<Pick<Options, "maxEntries" | "maxBytes" | "ttl" | "namespace">>
) => Layer.Layer<
  QueryCache,
  StoreError | ConfigError.ConfigError,
  Database
> = internal.layerConfig

/**
 * An in-memory store bounded by entries and approximate bytes, least
 * recently used dropped first. Make one and give it to several layers to
 * share results between them (as a shared store would between processes).
 *
 * @since 0.2.0
 * @category stores
 */
export const memoryStore: (options?: Pick<Options, "maxEntries" | "maxBytes">) => Effect.Effect<Store> = memory.make

/**
 * Invalidation messages between the caches of one process (several
 * runtimes, or tests standing in for processes): every subscriber receives
 * every message.
 *
 * @since 0.2.0
 * @category messages
 */
export const memoryMessages: Effect.Effect<Messages> = internal.memoryMessages

/**
 * How to reach Redis, for `redisStore` and `redisMessages`. Both load
 * `ioredis` (an optional peer dependency: `npm install ioredis`) when they
 * are built.
 *
 * @since 0.2.0
 * @category models
 */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]`, `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /**
   * The first part of every key and of the channel (as `{namespace}:`): the
   * databases or applications sharing one Redis need one each. Default `"quarry"`.
   */
  readonly namespace?: string | undefined
  /**
   * The longest a result stays in Redis, whatever its `ttl`: results that an
   * invalidation made stale are deleted when next looked up or when this
   * runs out. Default 1 hour; `Duration.infinity` for none.
   */
  readonly maxTtl?: Duration.DurationInput | undefined
  /** How long to wait for the connection when it is built, before going on without it. Default 2 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** How long a Redis command may take before the read goes to the database. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** More ioredis options (`tls`, `password`, `db`, ...), over Quarry's. */
  readonly redisOptions?: Record<string, unknown> | undefined
}

/**
 * A store in Redis, shared by every process given the same Redis and
 * namespace: results with their TTL, and a version per table replaced at
 * each invalidation, checked atomically (Lua) when a result is stored and
 * when it is served, so that a result read before a write is never served
 * after it. A lost connection never fails a query: it reads the database,
 * and a warning is logged. The connection closes with the scope (the
 * layer's, given as `store`). Fails only if `ioredis` is not installed.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Postgres, QueryCache } from "effect-quarry"
 *
 * const Live = QueryCache.layer({
 *   store: QueryCache.redisStore({ url: "redis://127.0.0.1:6379", namespace: "shop" })
 * }).pipe(Layer.provideMerge(Postgres.layer({ url: "postgres://localhost/shop" })))
 * ```
 *
 * @since 0.2.0
 * @category stores
 */
export const redisStore: (options?: RedisOptions) => Effect.Effect<Store, StoreError, Scope.Scope> =
  redisStoreInternal.make

/**
 * Invalidation messages through Redis pub/sub, for caches that keep their
 * results in memory, each in its own process: a write in one drops the
 * matching results of all. A subscriber whose connection dropped may have
 * missed messages, so it drops everything when it is back. Delivery is not
 * instant: another process may serve a result for a moment after the write.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Mysql, QueryCache } from "effect-quarry"
 *
 * const Live = QueryCache.layer({
 *   maxEntries: 20_000,
 *   messages: QueryCache.redisMessages({ url: "redis://127.0.0.1:6379", namespace: "shop" })
 * }).pipe(Layer.provideMerge(Mysql.layer({ url: "mysql://localhost/shop" })))
 * ```
 *
 * @since 0.2.0
 * @category messages
 */
export const redisMessages: (options?: RedisOptions) => Effect.Effect<Messages, StoreError, Scope.Scope> =
  redisMessagesInternal.make

/**
 * Drop the cached results that read these tables (or carry these tags), in
 * this process and those sharing the store or messages: for writes made
 * outside Quarry (raw SQL, other programs, triggers), which no cache can see.
 * Inside a transaction it happens when the outermost one commits. Without a
 * cache it does nothing.
 *
 * @example
 * ```ts
 * import { Database, QueryCache } from "effect-quarry"
 * import { Effect } from "effect"
 *
 * const archive = Effect.gen(function*() {
 *   yield* Database.run({ sql: "DELETE FROM posts WHERE published = 0", params: [] })
 *   yield* QueryCache.invalidate(Posts)
 * })
 * ```
 *
 * @since 0.2.0
 * @category invalidation
 */
export const invalidate: (...tables: ReadonlyArray<Table.Any | string>) => Effect.Effect<void> = internal.invalidate

/**
 * Drop every cached result (after DDL or a migration, say).
 *
 * @since 0.2.0
 * @category invalidation
 */
export const invalidateAll: Effect.Effect<void> = internal.invalidateAll

/**
 * Reads answered without a database read of their own: from the store, or
 * by sharing a concurrent miss of the same statement.
 *
 * @since 0.2.0
 * @category metrics
 */
export const hits = metrics.hits

/**
 * Reads that went to the database on the cache's behalf.
 *
 * @since 0.2.0
 * @category metrics
 */
export const misses = metrics.misses

/**
 * Results dropped to stay within `maxEntries` / `maxBytes`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const evictions = metrics.evictions

/**
 * Tables and tags invalidated (by writes here, `invalidate`, or messages).
 *
 * @since 0.2.0
 * @category metrics
 */
export const invalidations = metrics.invalidations
