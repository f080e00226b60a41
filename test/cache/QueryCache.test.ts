/**
 * The cache service's contract, driven directly (`rows` with loads the test
 * controls) over a real SQLite database: reads racing invalidations, an
 * interrupted or failing read shared by waiters, and the in-memory store.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, type Metric, Option, TestClock, TestContext } from "effect"
import * as QueryCache from "../../src/cache/QueryCache.js"
import type { Row } from "../../src/layers/Database.js"
import { only } from "../support/dialects.js"
import { valueOf } from "./fixtures.js"

const read = (key: string, tables: ReadonlyArray<string> = ["t"]): QueryCache.CachedRead => ({
  statement: key,
  params: "",
  tables: () => tables,
  ttl: undefined
})

/** A load that waits for `gate`, counting how often it ran. */
const gated = (gate: Deferred.Deferred<void>) => {
  const counter = { loads: 0 }
  const load = Effect.zipRight(
    Deferred.await(gate),
    Effect.sync((): ReadonlyArray<Row> => [{ n: ++counter.loads }])
  )
  return { counter, load }
}

/** Yield until the counter has grown by `n` since `from` (fibers have reached the cache). */
const grown = (counter: Metric.Metric.Counter<number>, from: number, n: number) =>
  Effect.gen(function*() {
    while ((yield* valueOf(counter)) - from < n) yield* Effect.yieldNow()
  })

layer(only("sqlite", "cache_service").layer, { excludeTestServices: true })("service", (it) => {
  it.scoped("a read in flight when its table is invalidated neither stores nor is joined by later readers", () =>
    Effect.gen(function*() {
      const cache = yield* QueryCache.make()
      const gate = yield* Deferred.make<void>()
      const { counter, load } = gated(gate)
      const misses = yield* valueOf(QueryCache.misses)
      const early = yield* Effect.fork(cache.rows(read("k"), load))
      yield* grown(QueryCache.misses, misses, 1)
      yield* cache.invalidate(["t"])
      const late = yield* Effect.fork(cache.rows(read("k"), load))
      yield* grown(QueryCache.misses, misses, 2)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(early)
      const lateRows = yield* Fiber.join(late)
      expect(counter.loads).toBe(2)
      // what is stored is the late read's
      expect(yield* cache.rows(read("k"), load)).toEqual(lateRows)
      expect(counter.loads).toBe(2)
    }))

  it.scoped("a shared store refuses rows read before an invalidation made by another cache", () =>
    Effect.gen(function*() {
      const store = yield* QueryCache.memoryStore()
      const a = yield* QueryCache.make({ store })
      const b = yield* QueryCache.make({ store })
      const gate = yield* Deferred.make<void>()
      const { counter, load } = gated(gate)
      const misses = yield* valueOf(QueryCache.misses)
      const reading = yield* Effect.fork(a.rows(read("k"), load))
      yield* grown(QueryCache.misses, misses, 1)
      yield* b.invalidate(["t"])
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(reading)
      yield* a.rows(read("k"), load)
      expect(counter.loads).toBe(2)
      // an invalidation of another table does not refuse
      yield* b.invalidate(["other"])
      yield* a.rows(read("k"), load)
      expect(counter.loads).toBe(2)
    }))

  it.scoped("concurrent misses share one read; an interrupted read hands over to a waiter", () =>
    Effect.gen(function*() {
      const cache = yield* QueryCache.make()
      const gate = yield* Deferred.make<void>()
      const { counter, load } = gated(gate)
      const [misses, hits] = [yield* valueOf(QueryCache.misses), yield* valueOf(QueryCache.hits)]
      const leader = yield* Effect.fork(cache.rows(read("k"), load))
      yield* grown(QueryCache.misses, misses, 1)
      const waiters = yield* Effect.fork(Effect.all([cache.rows(read("k"), load), cache.rows(read("k"), load)], {
        concurrency: "unbounded"
      }))
      yield* grown(QueryCache.hits, hits, 2)
      yield* Fiber.interrupt(leader)
      yield* Deferred.succeed(gate, undefined)
      const [x, y] = yield* Fiber.join(waiters)
      expect(x).toEqual(y)
      expect(counter.loads).toBe(1)
    }))

  it.scoped("a failed read fails its waiters too and stores nothing", () =>
    Effect.gen(function*() {
      const cache = yield* QueryCache.make()
      const gate = yield* Deferred.make<void>()
      let loads = 0
      const failing = Effect.zipRight(Deferred.await(gate), Effect.suspend(() => (loads++, Effect.fail("boom" as const))))
      const hits = yield* valueOf(QueryCache.hits)
      const both = yield* Effect.fork(Effect.all([
        Effect.exit(cache.rows(read("k"), failing)),
        Effect.exit(cache.rows(read("k"), failing))
      ], { concurrency: "unbounded" }))
      yield* grown(QueryCache.hits, hits, 1)
      yield* Deferred.succeed(gate, undefined)
      const exits = yield* Fiber.join(both)
      expect(exits.every((e) => Exit.isFailure(e))).toBe(true)
      expect(loads).toBe(1)
      yield* Effect.exit(cache.rows(read("k"), failing))
      expect(loads).toBe(2)
    }))

  it.scoped("invalidateAll drops everything; a namespace keeps two caches' keys apart in one store", () =>
    Effect.gen(function*() {
      const store = yield* QueryCache.memoryStore()
      const a = yield* QueryCache.make({ store, namespace: "a" })
      const b = yield* QueryCache.make({ store, namespace: "b" })
      let loads = 0
      const load = Effect.sync((): ReadonlyArray<Row> => [{ n: ++loads }])
      yield* a.rows(read("k"), load)
      yield* b.rows(read("k"), load)
      yield* a.rows(read("k"), load)
      expect(loads).toBe(2)
      yield* a.invalidateAll
      yield* b.rows(read("k"), load)
      expect(loads).toBe(3)
    }))
})

describe("memoryStore", () => {
  const entry = (n: number, tables: ReadonlyArray<string> = ["t"]) => ({ rows: [{ n }], tables })

  it.effect("least recently used first, by entries; invalidation by table; versions refuse stale sets", () =>
    Effect.gen(function*() {
      const store = yield* QueryCache.memoryStore({ maxEntries: 2 })
      const set = (key: string, n: number, tables?: ReadonlyArray<string>) =>
        Effect.flatMap(store.version(tables ?? ["t"]), (version) => store.set(key, entry(n, tables), { ttl: undefined, version }))
      const has = (key: string) => Effect.map(store.get(key), Option.isSome)
      yield* set("a", 1)
      yield* set("b", 2, ["u"])
      expect(yield* has("a")).toBe(true)
      yield* set("c", 3)
      expect([yield* has("a"), yield* has("b"), yield* has("c")]).toEqual([true, false, true])
      yield* store.invalidate(["t"])
      expect([yield* has("a"), yield* has("c")]).toEqual([false, false])
      const version = yield* store.version(["t"])
      yield* store.invalidate(["t"])
      yield* store.set("d", entry(4), { ttl: undefined, version })
      expect(yield* has("d")).toBe(false)
      yield* store.set("e", entry(5, ["v"]), { ttl: undefined, version })
      expect(yield* has("e")).toBe(true)
    }))

  it.effect("entries expire after their ttl, by the Clock", () =>
    Effect.gen(function*() {
      const store = yield* QueryCache.memoryStore()
      const version = yield* store.version(["t"])
      yield* store.set("a", entry(1), { ttl: Duration.seconds(1), version })
      yield* TestClock.adjust("999 millis")
      expect(Option.isSome(yield* store.get("a"))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(Option.isSome(yield* store.get("a"))).toBe(false)
    }).pipe(Effect.provide(TestContext.TestContext)))
})
