/**
 * The Redis store on SQLite, PostgreSQL and MariaDB, against a real Redis
 * (test/support/servers/redis.ts): two caches sharing one Redis stand for two
 * processes. Results shared, invalidation across caches by table, at commit
 * only, TTL, exact values, a read racing an invalidation, and Redis lost.
 */
import { Model } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { BigDecimal, DateTime, Deferred, Effect, Fiber, Logger, Option, Schema } from "effect"
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Redis } from "ioredis"
import * as path from "node:path"
import { promisify } from "node:util"
import * as QueryCache from "../../src/cache/QueryCache.js"
import * as Database from "../../src/layers/Database.js"
import { ReadNow } from "../../src/layers/internal/readNow.js"
import * as Query from "../../src/query/Query.js"
import * as Column from "../../src/schema/Column.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { cases, databaseUrl, layerAt } from "../support/dialects.js"
import * as Proxy from "../support/proxy.js"
import { redisUrl } from "../support/servers.js"
import { Books, cachedLayer, counted, Notes, seed } from "./fixtures.js"

const books = Query.from(Books).pipe(Query.orderBy(Books.c.id), Query.cached())
const notes = Query.from(Notes).pipe(Query.cached())
const titles = (rows: ReadonlyArray<{ readonly title: string }>) => rows.map((r) => r.title)

/** Run `effect` with the given cache instance. */
const using = (cache: QueryCache.QueryCache) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, QueryCache.QueryCache, cache)

/** A cache over the current database with a Redis store of its own connection, in `namespace`. */
const redisCache = (namespace: string, options?: Partial<QueryCache.RedisOptions>) =>
  Effect.flatMap(Effect.promise(redisUrl), (url) =>
    QueryCache.make({ store: QueryCache.redisStore({ url, namespace, ...options }) }))

/** Poll `read` (its statements counted) until it reads the database, at most ~10 s. */
const untilMiss = <A, E, R>(read: Effect.Effect<readonly [A, number], E, R>) =>
  Effect.gen(function*() {
    let [value, n] = yield* read
    for (let i = 0; n === 0 && i < 400; i++) {
      yield* Effect.sleep("25 millis")
      ;[value, n] = yield* read
    }
    return [value, n] as const
  })

/** Run test/cache/support/redisWriter.ts in a child process: it renames the first book to `title`. */
const writer = (env: Record<string, string>) =>
  Effect.promise(() =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "test/cache/support/redisWriter.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { ...process.env, ...env },
      timeout: 60_000
    })
  )

/** Warnings logged by `effect`, with its value. */
const warnings = <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  const logged: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning") logged.push(String(Array.isArray(message) ? message[0] : message))
  })
  return Effect.map(Effect.provide(effect, Logger.replace(Logger.defaultLogger, logger)), (a) => [a, logged] as const)
}

const Nested = Schema.Struct({ a: Schema.Array(Schema.Union(Schema.Number, Schema.NullOr(Schema.String))), b: Schema.Boolean })

/** A column of every kind a driver returns differently. */
class Thing extends Model.Class<Thing>("Thing")({
  id: Model.Generated(Schema.Int),
  text: Schema.NullOr(Schema.String),
  big: Schema.BigInt,
  float: Schema.Number,
  decimal: Column.Decimal(30, 10),
  flag: Schema.Boolean,
  at: Schema.Date,
  utc: Schema.DateTimeUtc,
  json: Column.Json(Nested),
  bytes: Schema.Uint8ArrayFromSelf,
  maybe: Model.FieldOption(Schema.Int)
}) {}
const Things = Table.make(Thing, { name: "cache_redis_things" })

for (const c of cases("cache_redis")) {
  layer(cachedLayer(c.layer), { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    describe("two caches sharing one Redis", () => {
      it.scoped("one serves what the other read; a write through one drops the other's results of that table only", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const ns = randomUUID()
          const a = yield* redisCache(ns)
          const b = yield* redisCache(ns)
          const [, n1] = yield* counted(using(a)(Effect.all([Query.all(books), Query.all(notes)])))
          const [fromA, n2] = yield* counted(using(b)(Query.all(books)))
          expect([n1, n2, titles(fromA)]).toEqual([2, 0, ["Dune", "Emma", "Faust"]])
          // another namespace shares nothing
          const [, other] = yield* counted(using(yield* redisCache(randomUUID()))(Query.all(books)))
          expect(other).toBe(1)
          yield* using(a)(Query.run(Query.update(Books, { title: "Dune!" }).pipe(Query.where({ id: dune.id }))))
          const [fresh, n3] = yield* counted(using(b)(Query.all(books)))
          const [, n4] = yield* counted(using(b)(Query.all(notes)))
          expect([n3, titles(fresh)[0], n4]).toEqual([1, "Dune!", 0])
          // QueryCache.invalidate (writes outside Quarry) and invalidateAll reach the store too
          yield* using(b)(QueryCache.invalidate(Notes))
          const [, n5] = yield* counted(using(a)(Effect.all([Query.all(notes), Query.all(books)])))
          yield* using(b)(QueryCache.invalidateAll)
          const [, n6] = yield* counted(using(a)(Effect.all([Query.all(notes), Query.all(books)])))
          expect([n5, n6]).toEqual([1, 2])
        }))

      it.scoped("a rolled-back write invalidates nothing; a committed one invalidates when it commits", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const ns = randomUUID()
          const a = yield* redisCache(ns)
          const b = yield* redisCache(ns)
          yield* using(b)(Query.all(books))
          const rename = Query.run(Query.update(Books, { title: "Never" }).pipe(Query.where({ id: dune.id })))
          yield* using(a)(Database.transaction(Effect.zipRight(rename, Effect.fail("rollback")))).pipe(Effect.ignore)
          const [kept, n1] = yield* counted(using(b)(Query.all(books)))
          expect([titles(kept)[0], n1]).toEqual(["Dune", 0])
          // forked before the transaction, so outside it: b still serves the committed rows until the commit
          const written = yield* Deferred.make<void>()
          const outside = yield* Effect.fork(Effect.zipRight(Deferred.await(written), counted(using(b)(Query.all(books)))))
          yield* using(a)(Database.transaction(Effect.gen(function*() {
            yield* rename
            yield* Deferred.succeed(written, undefined)
            const [meanwhile, n] = yield* Fiber.join(outside)
            expect([titles(meanwhile)[0], n]).toEqual(["Dune", 0])
          })))
          const [after, n2] = yield* counted(using(b)(Query.all(books)))
          expect([titles(after)[0], n2]).toEqual(["Never", 1])
        }))

      it.scoped("a result expires after its ttl; maxTtl bounds every result", () =>
        Effect.gen(function*() {
          yield* seed
          const ns = randomUUID()
          const a = yield* redisCache(ns)
          const capped = yield* redisCache(randomUUID(), { maxTtl: "200 millis" })
          const short = Query.from(Books).pipe(Query.cached({ ttl: "200 millis" }))
          yield* using(a)(Effect.all([Query.all(short), Query.all(books)]))
          yield* using(capped)(Query.all(books))
          const [, before] = yield* counted(using(a)(Query.all(books)))
          yield* Effect.sleep("1 second")
          const [, n] = yield* counted(Effect.all([using(a)(Query.all(short)), using(a)(Query.all(books))]))
          const [, m] = yield* counted(using(capped)(Query.all(books)))
          expect([before, n, m]).toEqual([0, 1, 1])
        }))

      it.scoped("values of every column type come back exactly: the rows stored, and the decoded results", () =>
        Effect.gen(function*() {
          yield* Ddl.dropAll([Things])
          yield* Ddl.createAll([Things])
          yield* Query.run(Query.insertMany(Things, [
            {
              text: "ünï \"q\" \n\\ 🎉",
              big: 9223372036854775807n,
              float: -0.1,
              decimal: BigDecimal.unsafeFromString("12345678901234567890.1234567890"),
              flag: true,
              at: new Date("2024-02-29T12:34:56.789Z"),
              utc: DateTime.unsafeMake("1970-01-01T00:00:00.001Z"),
              json: { a: [1.5, null, "x"], b: false },
              bytes: new Uint8Array([0, 255, 10, 13]),
              maybe: Option.some(-1)
            },
            {
              text: null,
              big: -9223372036854775808n,
              float: 1e300,
              decimal: BigDecimal.unsafeFromString("-0.0000000001"),
              flag: false,
              at: new Date(0),
              utc: DateTime.unsafeMake(0),
              json: { a: [], b: true },
              bytes: new Uint8Array([]),
              maybe: Option.none()
            }
          ]))
          const all = Query.from(Things).pipe(Query.orderBy(Things.c.id), Query.cached())
          const db = yield* Database.Database
          const statement = { sql: "SELECT * FROM cache_redis_things ORDER BY id", params: [] }
          const raw = yield* db.all(statement)
          // the driver's rows, through the store: equal, of the same classes
          const store = yield* QueryCache.redisStore({ url: yield* Effect.promise(redisUrl), namespace: randomUUID() })
          const version = yield* store.version(["cache_redis_things"])
          yield* store.set("k", { rows: raw, tables: ["cache_redis_things"] }, { ttl: undefined, version })
          const back = yield* store.get("k")
          expect(Option.getOrThrow(back)).toStrictEqual(raw)
          // and the decoded results of a hit are those of an uncached read
          const ns = randomUUID()
          const [miss, n1] = yield* counted(using(yield* redisCache(ns))(Query.all(all)))
          const [hit, n2] = yield* counted(using(yield* redisCache(ns))(Query.all(all)))
          const uncached = yield* Query.all(Query.uncached(all))
          expect([n1, n2]).toEqual([1, 0])
          const same = Schema.equivalence(Schema.Array(Thing))
          expect(same(hit, uncached) && same(miss, uncached)).toBe(true)
          expect(hit.map((t) => [t.big, t.bytes, t.maybe, t.at])).toStrictEqual(uncached.map((t) => [t.big, t.bytes, t.maybe, t.at]))
        }))
    })

    describe("races", () => {
      it.scoped("a read that started before an invalidation does not store (nor serve) what it read", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const ns = randomUUID()
          const db = yield* Database.Database
          const read = yield* Deferred.make<void>()
          const gate = yield* Deferred.make<void>()
          // the database as one process sees it: its read of books waits, after reading, for the gate
          const slow: Database.Database = {
            ...db,
            all: (s) =>
              s.sql.includes("cache_books")
                ? Effect.tap(db.all(s), () => Effect.zipRight(Deferred.succeed(read, undefined), Deferred.await(gate)))
                : db.all(s)
          }
          delete (slow as Partial<Record<typeof ReadNow, unknown>>)[ReadNow]
          const a = yield* Effect.provideService(redisCache(ns), Database.Database, slow)
          const b = yield* redisCache(ns)
          const inA = yield* Effect.fork(Effect.provideService(using(a)(Query.all(books)), Database.Database, slow))
          yield* Deferred.await(read)
          yield* using(b)(Query.run(Query.update(Books, { title: "Dune 2" }).pipe(Query.where({ id: dune.id }))))
          yield* Deferred.succeed(gate, undefined)
          expect(titles(yield* Fiber.join(inA))[0]).toBe("Dune")
          const [fresh, n] = yield* counted(using(b)(Query.all(books)))
          expect([titles(fresh)[0], n]).toEqual(["Dune 2", 1])
        }))
    })

    describe("Redis lost", () => {
      it.scoped("queries answer from the database, with a warning, and a write made meanwhile still invalidates", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const url = new URL(yield* Effect.promise(redisUrl))
          const proxy = yield* Proxy.make({ host: url.hostname, port: Number(url.port) })
          const ns = randomUUID()
          const a = yield* redisCache(ns, { url: Proxy.through(url.toString(), proxy) })
          const b = yield* redisCache(ns)
          yield* using(a)(Query.all(books))
          const [, hit] = yield* counted(using(a)(Query.all(books)))
          yield* proxy.cut
          const [[[rows, n1], n2], logged] = yield* warnings(Effect.gen(function*() {
            const first = yield* counted(using(a)(Query.all(books)))
            yield* using(a)(Query.run(Query.update(Books, { title: "Offline" }).pipe(Query.where({ id: dune.id }))))
            const [, again] = yield* counted(using(a)(Query.all(books)))
            return [first, again] as const
          }))
          expect([hit, n1, titles(rows)[0], n2]).toEqual([0, 1, "Dune", 1])
          expect(logged.some((m) => m.startsWith("QueryCache: the store's"))).toBe(true)
          yield* proxy.restore
          // once reconnected, the invalidation that failed is sent before a's next lookup:
          // a serves the new title, stored again after the write, as b does
          const twice = counted(using(a)(Effect.zipRight(Query.all(books), Query.all(books))))
          let [back, n3] = yield* twice
          for (let i = 0; n3 > 0 && i < 200; i++) {
            yield* Effect.sleep("50 millis")
            ;[back, n3] = yield* twice
          }
          const [fromB, n4] = yield* counted(using(b)(Query.all(books)))
          expect([titles(back)[0], n3, titles(fromB)[0], n4]).toEqual(["Offline", 0, "Offline", 0])
        }))

      it.effect("the connections (store, publisher, subscriber) close with the cache's scope", () =>
        Effect.gen(function*() {
          const url = yield* Effect.promise(redisUrl)
          const options = { url, namespace: randomUUID(), redisOptions: { connectionName: `quarry-test-${randomUUID()}` } }
          const open = Effect.promise(async () => {
            const admin = new Redis(url)
            try {
              const list = (await admin.client("LIST")) as string
              return list.split("\n").filter((line) => line.includes(`name=${options.redisOptions.connectionName} `)).length
            } finally {
              admin.disconnect()
            }
          })
          const inside = yield* Effect.scoped(Effect.zipRight(
            QueryCache.make({ store: QueryCache.redisStore(options), messages: QueryCache.redisMessages(options) }),
            open
          ))
          let after = yield* open
          for (let i = 0; after > 0 && i < 100; i++) {
            yield* Effect.sleep("20 millis")
            after = yield* open
          }
          expect([inside, after]).toEqual([3, 0])
        }))

      it.scoped("a Redis that never answers: the layer builds, with a warning, and every read goes to the database", () =>
        Effect.gen(function*() {
          yield* seed
          const [cache, logged] = yield* warnings(redisCache(randomUUID(), {
            url: "redis://127.0.0.1:1",
            connectTimeout: "100 millis"
          }))
          const [rows, n] = yield* counted(using(cache)(Effect.zipRight(Query.all(books), Query.all(books))))
          expect([titles(rows), n]).toEqual([["Dune", "Emma", "Faust"], 2])
          expect(logged.some((m) => m.includes("not ready"))).toBe(true)
        }))
    })
  })
}

for (const c of cases("cache_redis_messages")) {
  layer(cachedLayer(c.layer), { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    describe("messages through Redis pub/sub", () => {
      it.scoped("caches keeping results in memory drop those of the tables another one wrote, and only those", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const url = yield* Effect.promise(redisUrl)
          const ns = randomUUID()
          const a = yield* QueryCache.make({ messages: QueryCache.redisMessages({ url, namespace: ns }) })
          const b = yield* QueryCache.make({ messages: QueryCache.redisMessages({ url, namespace: ns }) })
          const tagged = Query.from(Books).pipe(Query.where({ id: dune.id }), Query.cached({ tags: ["marker"] }))
          yield* using(b)(Effect.all([Query.all(books), Query.all(tagged)]))
          // a write to another table, then a marker: one publisher's messages arrive in order
          yield* using(a)(Query.run(Query.insert(Notes, { body: "x" })))
          yield* using(a)(QueryCache.invalidate("marker"))
          yield* untilMiss(counted(using(b)(Query.all(tagged))))
          const [, kept] = yield* counted(using(b)(Query.all(books)))
          yield* using(a)(Query.run(Query.update(Books, { title: "Dune?" }).pipe(Query.where({ id: dune.id }))))
          const [fresh, n] = yield* untilMiss(counted(using(b)(Query.all(books))))
          expect([kept, n, titles(fresh)[0]]).toEqual([0, 1, "Dune?"])
        }))

      it.scoped("a subscriber whose connection dropped drops everything when it is back (it may have missed messages)", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const url = new URL(yield* Effect.promise(redisUrl))
          const proxy = yield* Proxy.make({ host: url.hostname, port: Number(url.port) })
          const ns = randomUUID()
          const a = yield* QueryCache.make({ messages: QueryCache.redisMessages({ url: url.toString(), namespace: ns }) })
          const b = yield* QueryCache.make({
            messages: QueryCache.redisMessages({ url: Proxy.through(url.toString(), proxy), namespace: ns })
          })
          yield* using(b)(Query.all(books))
          yield* proxy.cut
          yield* using(a)(Query.run(Query.update(Books, { title: "Unheard" }).pipe(Query.where({ id: dune.id }))))
          const [stale, m] = yield* counted(using(b)(Query.all(books)))
          yield* proxy.restore
          const [fresh, n] = yield* untilMiss(counted(using(b)(Query.all(books))))
          expect([titles(stale)[0], m, titles(fresh)[0], n]).toEqual(["Dune", 0, "Unheard", 1])
        }).pipe(Effect.provide(Logger.remove(Logger.defaultLogger))))
    })

    describe("another process", () => {
      for (const mode of ["store", "messages"] as const) {
        it.scoped(`a write by a child process reaches this process's cache (${mode})`, () =>
          Effect.gen(function*() {
            const databaseURL = yield* databaseUrl(c.name, `cache_redis_child_${mode}`)
            const redis = yield* Effect.promise(redisUrl)
            const ns = randomUUID()
            const options = { url: redis, namespace: ns }
            yield* Effect.gen(function*() {
              yield* seed
              yield* Query.all(books)
              const [, hit] = yield* counted(Query.all(books))
              yield* writer({ DIALECT: c.name, DATABASE_URL: databaseURL, REDIS_URL: redis, NAMESPACE: ns, MODE: mode, TITLE: "From afar" })
              const [fresh, n] = yield* untilMiss(counted(Query.all(books)))
              expect([hit, n, titles(fresh)[0]]).toEqual([0, 1, "From afar"])
            }).pipe(Effect.provide(cachedLayer(
              layerAt(c.name, databaseURL),
              mode === "store" ? { store: QueryCache.redisStore(options) } : { messages: QueryCache.redisMessages(options) }
            )))
          }))
      }
    })
  })
}
