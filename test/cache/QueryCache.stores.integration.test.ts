/**
 * The query cache's bounds and sharing on SQLite, PostgreSQL and MariaDB:
 * TTL, LRU by entries and by bytes, a store shared by two caches (as by two
 * processes), invalidation messages between caches, metrics and spans.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option, TestClock, TestContext, type Tracer } from "effect"
import * as QueryCache from "../../src/cache/QueryCache.js"
import { Database } from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"
import { Books, cachedLayer, counted, Notes, seed, valueOf } from "./fixtures.js"

const books = Query.from(Books).pipe(Query.orderBy(Books.c.id), Query.cached())
const byId = (id: number) => Query.from(Books).pipe(Query.where({ id }), Query.cached(), Query.get)

/** Run `effect` with a cache of its own (over the current database). */
const withCache = (options?: QueryCache.Options) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(effect, QueryCache.layer(options))

/** Run `effect` with the given cache instance. */
const using = (cache: QueryCache.QueryCache) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, QueryCache.QueryCache, cache)

for (const c of cases("cache_stores")) {
  layer(cachedLayer(c.layer), { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    describe("bounds", () => {
      it.effect("a result expires after its ttl (the query's, else the layer's)", () =>
        Effect.gen(function*() {
          yield* seed
          const short = Query.from(Books).pipe(Query.cached({ ttl: "1 minute" }))
          yield* Query.all(short)
          yield* Query.all(books)
          yield* TestClock.adjust("59 seconds")
          const [, n1] = yield* counted(Effect.all([Query.all(short), Query.all(books)]))
          yield* TestClock.adjust("2 seconds")
          const [, n2] = yield* counted(Query.all(short))
          const [, n3] = yield* counted(Query.all(books))
          yield* TestClock.adjust("10 minutes")
          const [, n4] = yield* counted(Query.all(books))
          expect([n1, n2, n3, n4]).toEqual([0, 1, 0, 1])
        }).pipe(withCache({ ttl: "5 minutes" }), Effect.provide(TestContext.TestContext)))

      it.effect("at most maxEntries results, the least recently used dropped first", () =>
        Effect.gen(function*() {
          const { dune, emma, faust } = yield* seed
          const evicted = yield* valueOf(QueryCache.evictions)
          yield* byId(dune.id)
          yield* byId(emma.id)
          yield* byId(dune.id) // dune is now the most recently used
          yield* byId(faust.id) // emma goes
          expect((yield* valueOf(QueryCache.evictions)) - evicted).toBe(1)
          const [, n] = yield* counted(Effect.all([byId(dune.id), byId(faust.id)]))
          const [, m] = yield* counted(byId(emma.id))
          expect([n, m]).toEqual([0, 1])
        }).pipe(withCache({ maxEntries: 2 })))

      it.effect("at most maxBytes (approximately); a result larger than the bound is not kept", () =>
        Effect.gen(function*() {
          const { dune, emma, faust } = yield* seed
          const ids = [dune.id, emma.id, faust.id]
          yield* Effect.forEach(ids, byId)
          const [, last] = yield* counted(byId(faust.id))
          const [, first] = yield* counted(byId(dune.id))
          expect([last, first]).toEqual([0, 1])
          const [, tiny] = yield* counted(
            Effect.zipRight(byId(dune.id), byId(dune.id)).pipe(withCache({ maxBytes: 100 }))
          )
          expect(tiny).toBe(2)
        }).pipe(withCache({ maxBytes: 1_000 })))
    })

    describe("several processes", () => {
      it.scoped("caches sharing a store share results and invalidations", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const store = yield* QueryCache.memoryStore()
          const a = yield* QueryCache.make({ store })
          const b = yield* QueryCache.make({ store })
          const [, n1] = yield* counted(using(a)(Query.all(books)))
          const [fromA, n2] = yield* counted(using(b)(Query.all(books)))
          expect([n1, n2, fromA[0].title]).toEqual([1, 0, "Dune"])
          yield* using(a)(Query.run(Query.update(Books, { title: "Dune!" }).pipe(Query.where({ id: dune.id }))))
          const [fresh, n3] = yield* counted(using(b)(Query.all(books)))
          expect([n3, fresh[0].title]).toEqual([1, "Dune!"])
        }))

      it.scoped("invalidation messages reach the other caches", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const messages = yield* QueryCache.memoryMessages
          const a = yield* QueryCache.make({ messages })
          const b = yield* QueryCache.make({ messages })
          const deaf = yield* QueryCache.make()
          yield* Effect.forEach([a, b, deaf], (cache) => using(cache)(Query.all(books)))
          yield* using(a)(Query.run(Query.update(Books, { title: "Dune?" }).pipe(Query.where({ id: dune.id }))))
          const [fresh, n] = yield* counted(using(b)(Query.all(books)))
          // a cache that hears nothing keeps serving what it had (the limit messages lift)
          const [stale, m] = yield* counted(using(deaf)(Query.all(books)))
          expect([n, fresh[0].title, m, stale[0].title]).toEqual([1, "Dune?", 0, "Dune"])
          // and writes to other tables send nothing that matters to books
          yield* using(a)(Query.run(Query.insert(Notes, { body: "x" })))
          const [, k] = yield* counted(using(b)(Query.all(books)))
          expect(k).toBe(0)
        }))
    })

    describe("observability", () => {
      it.effect("hits, misses and invalidations are counted; the outcome is on the span", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const before = yield* Effect.all([
            valueOf(QueryCache.hits),
            valueOf(QueryCache.misses),
            valueOf(QueryCache.invalidations)
          ])
          const outcome = Effect.zipRight(Query.all(books), Effect.currentSpan).pipe(
            Effect.map((span) => (span as Tracer.Span).attributes.get("quarry.cache")),
            Effect.withSpan("read")
          )
          const outcomes = [yield* outcome, yield* outcome]
          yield* Query.run(Query.update(Books, { pages: 1 }).pipe(Query.where({ id: dune.id })))
          outcomes.push(yield* outcome)
          const after = yield* Effect.all([
            valueOf(QueryCache.hits),
            valueOf(QueryCache.misses),
            valueOf(QueryCache.invalidations)
          ])
          expect(outcomes).toEqual(["miss", "hit", "miss"])
          expect(after.map((v, i) => v - before[i])).toEqual([1, 2, 1])
        }))

      it.effect("a cache holds one database's results: reads of another database pass it by", () =>
        Effect.gen(function*() {
          yield* seed
          yield* Query.all(books)
          const other = yield* Effect.map(Database, (db) => ({ ...db }))
          const [, n] = yield* counted(Effect.provideService(Query.all(books), Database, other))
          const [, m] = yield* counted(Query.all(books))
          expect([n, m]).toEqual([1, 0])
          expect(Option.isSome(yield* Effect.serviceOption(QueryCache.QueryCache))).toBe(true)
        }))
    })
  })
}
