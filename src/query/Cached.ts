/**
 * Cached reads (re-exported by `Query`): a query marked with `Query.cached`
 * reads through the `QueryCache` service when one is provided, keyed by
 * dialect, SQL text and parameters, and invalidated by every write through
 * Quarry to a table it reads. Without the service it runs as any query.
 *
 * @since 0.2.0
 */
import { Duration, Function } from "effect"
import type * as Table from "../schema/Table.js"
import type * as Ast from "./Ast.js"
import * as internal from "./internal/query.js"
import type { Compound, Raw, Select } from "./Query.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface CacheOptions {
  /** How long a result may be served; default: the cache layer's `ttl`, else until invalidated or evicted. */
  readonly ttl?: Duration.DurationInput | undefined
  /**
   * More names the result is invalidated by: the tables a raw query reads (its
   * SQL text is not parsed), or labels for `QueryCache.invalidate("label")`.
   */
  readonly tags?: ReadonlyArray<string | Table.Any> | undefined
}

/**
 * A query that may be cached: a SELECT, SELECTs combined, or a raw statement.
 *
 * @since 0.2.0
 * @category models
 */
export type Cacheable = Select<any, any, any> | Compound<any> | Raw<any>

const policyOf = (self: Cacheable, options: CacheOptions | undefined): Ast.CachePolicy => {
  const tags = (options?.tags ?? []).map((t) => (typeof t === "string" ? t : t.name))
  const ttl = options?.ttl === undefined ? undefined : Duration.decode(options.ttl)
  if (self._tag === "Raw" && tags.length === 0 && ttl === undefined) {
    throw new Error("Query.cached: the tables a raw query reads are unknown; name them in `tags` (or give a `ttl`)")
  }
  return { ttl, tags }
}

/**
 * Read the query through the `QueryCache` (see `QueryCache.layer`): `all`,
 * `get`, `first`, `last`, `count`, `exists`, `aggregate` and `Relation.all` /
 * `get` / `first` (with every prefetch level) of it are served from the
 * cache when the same statement — dialect, SQL, parameters — was read
 * before and no table it reads has been written since. Concurrent misses of
 * one statement read the database once. Inside a transaction it reads the
 * database. Streams are never cached.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Query } from "effect-quarry"
 *
 * const adults = Query.from(Users).pipe(Query.where({ age: { gte: 18 } }), Query.cached())
 * const leaders = Query.from(Users).pipe(
 *   Query.orderBy(Query.desc(Users.c.age)),
 *   Query.limit(10),
 *   Query.cached({ ttl: "1 minute", tags: ["leaderboard"] })
 * )
 * const program = Effect.gen(function*() {
 *   const first = yield* Query.all(adults) // reads the database
 *   const again = yield* Query.all(adults) // from the cache, until a write to users
 * })
 * ```
 *
 * @since 0.2.0
 * @category caching
 */
export const cached: {
  (options?: CacheOptions): <Q extends Cacheable>(self: Q) => Q
  <Q extends Cacheable>(self: Q, options?: CacheOptions): Q
} = Function.dual(
  internal.isQuery,
  (self: Cacheable, options?: CacheOptions): Cacheable => internal.make(self._tag, { ...self.ast, cache: policyOf(self, options) })
)

/**
 * The same query, read from the database every time: a query value marked
 * `Query.cached` where it is defined, read fresh where a caller must see the
 * database as it is now (outside a transaction, where reads already bypass
 * the cache). A query that is not marked is returned as it is.
 *
 * @example
 * ```ts
 * import { Query } from "effect-quarry"
 *
 * const adults = Query.from(Users).pipe(Query.where({ age: { gte: 18 } }), Query.cached())
 * const fresh = Query.all(Query.uncached(adults)) // always reads the database
 * ```
 *
 * @since 0.2.0
 * @category caching
 */
export const uncached = <Q extends Cacheable>(self: Q): Q => {
  if (self.ast.cache === undefined) return self
  const { cache: _, ...ast } = self.ast
  return internal.make(self._tag, ast as Ast.Statement)
}
