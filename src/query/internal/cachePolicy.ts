/**
 * The cache mark of a read node (`Query.cached`).
 */
import type { Duration } from "effect"

/**
 * How a read is cached (`Query.cached`): for how long, and by which more
 * names than the tables it reads it is invalidated.
 *
 * @since 0.2.0
 * @category models
 */
export interface CachePolicy {
  /** Undefined: the cache layer's default (else until invalidated or evicted). */
  readonly ttl: Duration.Duration | undefined
  /** Tags (and table names) the result is also invalidated by. */
  readonly tags: ReadonlyArray<string>
}
