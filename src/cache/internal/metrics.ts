/**
 * The query cache's counters. Updated in place on the hot path (a hit must
 * not cost an effect of its own); read them as any Effect metric.
 */
import { Metric } from "effect"

/** Reads answered without a database read of their own (stored, or shared with a concurrent miss). */
export const hits = Metric.counter("quarry_cache_hits", {
  description: "reads answered by the query cache",
  incremental: true
})

/** Reads that went to the database for the cache. */
export const misses = Metric.counter("quarry_cache_misses", {
  description: "reads the query cache sent to the database",
  incremental: true
})

/** Results dropped to keep the cache within its bounds (entries, bytes). */
export const evictions = Metric.counter("quarry_cache_evictions", {
  description: "results the query cache dropped to stay within its bounds",
  incremental: true
})

/** Tables (and tags) invalidated, by writes here or messages from other processes. */
export const invalidations = Metric.counter("quarry_cache_invalidations", {
  description: "tables and tags invalidated in the query cache",
  incremental: true
})

const none: ReadonlyArray<never> = []

/** Add `n` to a counter now. */
export const add = (counter: Metric.Metric.Counter<number>, n: number): void => counter.unsafeUpdate(n, none)
