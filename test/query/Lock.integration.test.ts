/**
 * Row locks (`Query.forUpdate` / `forShare`) on SQLite, PostgreSQL and
 * MariaDB: the SQL per dialect, then what the locks do between concurrent
 * transactions on the real servers.
 */
import { Model } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import { golden, resetTables } from "./support.js"

class Counter extends Model.Class<Counter>("Counter")({
  id: Model.Generated(Schema.Int),
  name: Schema.String,
  value: Schema.Int
}) {}
const Counters = Table.make(Counter, { name: "lock_counters" })

const seed = Effect.gen(function*() {
  yield* resetTables([Counters])
  yield* Query.run(Query.insertMany(Counters, [
    { name: "a", value: 0 },
    { name: "b", value: 0 },
    { name: "c", value: 0 }
  ]))
})

const byName = (name: string) => Query.from(Counters).pipe(Query.where({ name }))
const valueOf = (name: string) => Effect.map(Query.get(byName(name)), (c) => c.value)

describe("row locks: SQL", () => {
  it("FOR UPDATE / FOR SHARE with NOWAIT or SKIP LOCKED; nothing on SQLite", () => {
    golden(byName("a").pipe(Query.forUpdate()), {
      sqlite: [`SELECT "id", "name", "value" FROM "lock_counters" WHERE "name" = ?`, ["a"]],
      postgres: [`SELECT "id", "name", "value" FROM "lock_counters" WHERE "name" = $1 FOR UPDATE`, ["a"]],
      mysql: ["SELECT `id`, `name`, `value` FROM `lock_counters` WHERE `name` = ? FOR UPDATE", ["a"]]
    })
    golden(Query.from(Counters).pipe(Query.only("id"), Query.limit(1), Query.forShare({ noWait: true })), {
      sqlite: [`SELECT "id" FROM "lock_counters" LIMIT ?`, [1]],
      postgres: [`SELECT "id" FROM "lock_counters" LIMIT $1 FOR SHARE NOWAIT`, [1]],
      mysql: ["SELECT `id` FROM `lock_counters` LIMIT ? LOCK IN SHARE MODE NOWAIT", [1]]
    })
    golden(Query.from(Counters).pipe(Query.only("id"), Query.forUpdate({ skipLocked: true })), {
      sqlite: [`SELECT "id" FROM "lock_counters"`, []],
      postgres: [`SELECT "id" FROM "lock_counters" FOR UPDATE SKIP LOCKED`, []],
      mysql: ["SELECT `id` FROM `lock_counters` FOR UPDATE SKIP LOCKED", []]
    })
    expect(() => Query.forUpdate({ noWait: true, skipLocked: true })).toThrow(/not both/)
  })
})

for (const c of cases("query_lock")) {
  layer(c.layer, { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    it.effect("read-modify-write under FOR UPDATE loses no update among 8 concurrent transactions", () =>
      Effect.gen(function*() {
        yield* seed
        const increment = Database.transaction(Effect.gen(function*() {
          const counter = yield* Query.get(byName("a").pipe(Query.forUpdate()))
          yield* Effect.sleep("20 millis") // every other transaction reads meanwhile
          yield* Query.run(Query.update(Counters, { value: counter.value + 1 }).pipe(Query.where({ id: counter.id })))
        }))
        yield* Effect.all(Array.from({ length: 8 }, () => increment), { concurrency: "unbounded" })
        expect(yield* valueOf("a")).toBe(8)
      }))

    if (c.name !== "sqlite") {
      it.effect("a held lock: NOWAIT fails with Busy, SKIP LOCKED passes the row by, a plain lock waits for the commit", () =>
        Effect.gen(function*() {
          yield* seed
          // by primary key: InnoDB locks every row a statement scans, so an unindexed lookup would lock them all
          const a = (yield* Query.get(byName("a"))).id
          const rowA = Query.from(Counters).pipe(Query.where({ id: a }))
          const locked = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          // fibers forked inside a transaction share it: these are forked outside
          const holder = yield* Effect.fork(Database.transaction(Effect.gen(function*() {
            yield* Query.get(rowA.pipe(Query.forUpdate()))
            yield* Deferred.succeed(locked, undefined)
            yield* Deferred.await(release)
            yield* Query.run(Query.update(Counters, { value: 42 }).pipe(Query.where({ id: a })))
          })))
          yield* Deferred.await(locked)

          const noWait = yield* Effect.either(Database.transaction(Query.get(rowA.pipe(Query.forUpdate({ noWait: true })))))
          expect(Either.isLeft(noWait) && noWait.left._tag).toBe("Busy")
          const shared = yield* Effect.either(Database.transaction(Query.get(rowA.pipe(Query.forShare({ noWait: true })))))
          expect(Either.isLeft(shared) && shared.left._tag).toBe("Busy")
          const free = yield* Database.transaction(Query.all(Query.from(Counters).pipe(
            Query.orderBy(Counters.c.name),
            Query.forUpdate({ skipLocked: true })
          )))
          expect(free.map((r) => r.name)).toEqual(["b", "c"])

          const waiter = yield* Effect.fork(Database.transaction(Query.get(rowA.pipe(Query.forUpdate()))))
          yield* Effect.sleep("150 millis")
          expect(waiter.unsafePoll()).toBeNull() // still waiting for the holder
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holder)
          expect((yield* Fiber.join(waiter)).value).toBe(42) // read after the holder's commit
        }))
    }
  })
}
