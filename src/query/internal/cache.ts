/**
 * The query cache as the query room sees it: a service it consults when a
 * read asks for caching (`Query.cached`) and that it tells about writes. The
 * service itself — stores, bounds, messages between processes, metrics — is
 * provided from above (`QueryCache.layer` in src/cache); without it every
 * read goes to the database and writes tell no one.
 */
import { Context, type Duration, type Effect, type Fiber } from "effect"
import type { Database, Row } from "../../layers/Database.js"

/**
 * One cached read: the key of its statement and what it depends on.
 *
 * @since 0.2.0
 * @category models
 */
export interface CachedRead {
  /**
   * The dialect and SQL text, unambiguously joined: one string per compiled
   * statement (a prepared query's is computed once), so its hash is too.
   */
  readonly statement: string
  /**
   * The bound parameters: a lone number as it is, else each one tagged with
   * its type (and strings with their length), joined. With `statement` it is
   * the key; `keyOf` joins them into one string for a store.
   */
  readonly params: string | number
  /** The tables the statement reads, and the query's tags (asked for on a miss only). */
  readonly tables: () => ReadonlyArray<string>
  /** The query's own time to live; undefined: the cache's default. */
  readonly ttl: Duration.Duration | undefined
  /** The fiber asking, when known: the outcome is noted on its current span. */
  readonly fiber?: Fiber.RuntimeFiber<unknown, unknown> | undefined
}

/**
 * The key of a read as one string: `statement` and `params` joined (how a
 * shared store names an entry).
 *
 * @since 0.2.0
 * @category models
 */
export const keyOf = (read: Pick<CachedRead, "statement" | "params">): string =>
  typeof read.params === "number" ? `${read.statement}\u0000n${read.params}` : read.statement + read.params

/**
 * The query cache service: results of reads by statement, invalidated by the
 * tables they read.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryCache {
  /** The database whose results it holds; reads and writes of other databases pass it by. */
  readonly database: Database
  /**
   * The rows of a statement: stored ones, or those `load` reads — once for
   * every caller asking for the same key at the same time.
   */
  readonly rows: <E>(read: CachedRead, load: Effect.Effect<ReadonlyArray<Row>, E>) => Effect.Effect<ReadonlyArray<Row>, E>
  /**
   * Drop every result that read one of these tables (or carries one of these
   * tags), here and in every process sharing the store or the messages.
   */
  readonly invalidate: (tables: ReadonlyArray<string>) => Effect.Effect<void>
  /** Drop every result. */
  readonly invalidateAll: Effect.Effect<void>
}

/**
 * @since 0.2.0
 * @category tags
 */
export const QueryCache: Context.Tag<QueryCache, QueryCache> = Context.GenericTag<QueryCache>("effect-quarry/QueryCache")
