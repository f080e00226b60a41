import { describe, expect, it } from "@effect/vitest"
import SqliteDriver from "better-sqlite3"
import { Deferred, Effect, Either, Exit, Fiber } from "effect"
import { Database } from "../../src/layers/Database.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import { stateAround } from "../support/fiberState.js"
import { tempDbFile } from "../support/tempDir.js"

const tmpFile = tempDbFile

const createItems = { sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)", params: [] }
const insert = (name: string) => ({ sql: "INSERT INTO items (name) VALUES (?)", params: [name] })

/** Whether each submitted write succeeded. */
const succeeded = (completions: ReadonlyArray<{ readonly await: Effect.Effect<unknown, unknown> }>) =>
  Effect.forEach(completions, (completion) => Effect.map(Effect.either(completion.await), Either.isRight))

const namesById = (db: Database) =>
  Effect.map(db.all({ sql: "SELECT name FROM items ORDER BY id", params: [] }), (rows) => rows.map((r) => r.name))

/** Count rows with a fresh raw connection, after the layer has closed. */
const countOnDisk = (filename: string) => {
  const db = new SqliteDriver(filename, { readonly: true })
  try {
    return (db.prepare("SELECT count(*) AS n FROM items").get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe("Sqlite writer", () => {
  for (const synchronous of ["full", "normal"] as const) {
    describe(`synchronous=${synchronous}`, () => {
    it.scopedLive("100 concurrent writers are group-committed; a unique violation fails only its caller", () =>
      Effect.gen(function*() {
        const batches: Array<number> = []
        const db = yield* Sqlite.make({ filename: tmpFile("group"), synchronous, onBatch: ({ size }) => batches.push(size) })
        yield* db.run(createItems)
        yield* db.run(insert("taken"))
        batches.length = 0

        const outcomes = yield* Effect.forEach(
          Array.from({ length: 100 }, (_, i) => i === 37 ? "taken" : `user-${i}`),
          (name) => Effect.either(db.run(insert(name))),
          { concurrency: "unbounded" }
        )

        const failures = outcomes.filter(Either.isLeft).map((either) => either.left)
        expect(failures).toHaveLength(1)
        expect(failures[0]).toMatchObject({ _tag: "UniqueViolation", table: "items", column: "name" })
        expect(outcomes.filter(Either.isRight)).toHaveLength(99)
        expect(yield* db.all({ sql: "SELECT count(*) AS n FROM items", params: [] })).toEqual([{ n: 100 }])
        // each acknowledged write was committed by some batch; fewer batches than writes = group commit
        expect(batches.reduce((a, b) => a + b, 0)).toBe(99)
        expect(batches.length).toBeLessThan(99)
      }))

    it.scopedLive("a write failing inside a batch leaves the batch's other writes committed", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("savepoints"), synchronous })
        yield* db.run(createItems)
        const completions = yield* Effect.forEach(["a", "b", "a", "c"], (name) => db.submit(insert(name)))
        expect(yield* succeeded(completions)).toEqual([true, true, false, true])
        expect(yield* namesById(db)).toEqual(["a", "b", "c"])
      }))

    it.scopedLive("a write losing a unique race finds the winner's row already committed", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("race"), synchronous })
        yield* db.run(createItems)
        const find = db.all({ sql: "SELECT id FROM items WHERE name = ?", params: ["race"] })
        // plain writes and whole transactions: the losers' failures are reported after the batch commits
        const contenders = Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0 ? db.run(insert("race")) : db.transaction(db.run(insert("race"))))
        const seenByLosers = yield* Effect.forEach(
          contenders,
          (write) =>
            Effect.matchEffect(write, {
              onFailure: (error) => Effect.map(find, (rows) => [error._tag, rows.length] as const),
              onSuccess: () => Effect.succeed(["won", 1] as const)
            }),
          { concurrency: "unbounded" }
        )
        expect(seenByLosers.filter(([tag]) => tag === "won")).toHaveLength(1)
        expect(seenByLosers.filter(([tag]) => tag !== "won")).toEqual(
          Array.from({ length: 39 }, () => ["UniqueViolation", 1])
        )
      }))

    it.scopedLive("a statement failing halfway inside a batch leaves none of its own rows", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("statement"), synchronous })
        yield* db.run(createItems)
        yield* db.run(insert("a"))
        const twoRows = { sql: "INSERT INTO items (name) VALUES (?), (?)", params: ["x", "a"] }
        const completions = yield* Effect.forEach(
          [insert("b"), twoRows, insert("c")],
          (statement) => db.submit(statement)
        )
        expect(yield* succeeded(completions)).toEqual([true, false, true])
        expect(yield* namesById(db)).toEqual(["a", "b", "c"])
      }))

    it.scopedLive("writes in a loop: each committed when it returns, and a failure reported at once", () =>
      Effect.gen(function*() {
        const filename = tmpFile("loop")
        const batches: Array<number> = []
        const db = yield* Sqlite.make({ filename, synchronous, onBatch: ({ size }) => batches.push(size) })
        yield* db.run(createItems)
        const other = new SqliteDriver(filename, { readonly: true })
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        const count = other.prepare("SELECT count(*) AS n FROM items")
        batches.length = 0
        for (let i = 0; i < 50; i++) {
          yield* db.run(insert(`n${i}`))
          // another connection sees it at once: it was committed
          expect(count.get()).toEqual({ n: i + 1 })
        }
        expect(yield* Effect.flip(db.run(insert("n7")))).toMatchObject({ _tag: "UniqueViolation" })
        // one commit per write: nothing to share it with
        expect(batches.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => 1))
        // when commits are cheap, a write on an idle writer runs on the caller's fiber, synchronously
        yield* Effect.sleep("5 millis")
        const direct = Effect.runSyncExit(db.run(insert("direct")))
        expect(Exit.isSuccess(direct)).toBe(synchronous !== "full")
      }))
    })
  }

  describe("a write that rolls back the whole batch", () => {
    it.scopedLive("fails alone: the batch's other writes run again and are committed", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("rollback") })
        yield* db.run(createItems)
        yield* db.run(insert("taken"))
        const culprit = { sql: "INSERT OR ROLLBACK INTO items (name) VALUES (?)", params: ["taken"] }
        const completions = yield* Effect.forEach([insert("a"), insert("b"), culprit, insert("c")], (s) => db.submit(s))
        const outcomes = yield* Effect.forEach(completions, (completion) => Effect.either(completion.await))
        expect(outcomes.map(Either.isRight)).toEqual([true, true, false, true])
        expect(outcomes[2]).toMatchObject({ left: { _tag: "UniqueViolation" } })
        expect(yield* db.all({ sql: "SELECT name FROM items ORDER BY name", params: [] })).toEqual(
          ["a", "b", "c", "taken"].map((name) => ({ name }))
        )
      }))

    it.scopedLive("a COMMIT refused by a deferred foreign key fails only the write at fault", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("deferred") })
        yield* db.run({ sql: "CREATE TABLE parents (id INTEGER PRIMARY KEY)", params: [] })
        yield* db.run({
          sql: "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL " +
            "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)",
          params: []
        })
        yield* db.run({ sql: "INSERT INTO parents (id) VALUES (1)", params: [] })
        const child = (id: number, parent: number) => ({ sql: "INSERT INTO children VALUES (?, ?)", params: [id, parent] })
        const completions = yield* Effect.forEach([child(1, 1), child(2, 999), child(3, 1), child(4, 1)], (s) =>
          db.submit(s))
        const outcomes = yield* Effect.forEach(completions, (completion) => Effect.either(completion.await))
        expect(outcomes.map(Either.isRight)).toEqual([true, false, true, true])
        expect(outcomes[1]).toMatchObject({ left: { _tag: "ForeignKeyViolation" } })
        expect(yield* db.all({ sql: "SELECT id FROM children ORDER BY id", params: [] })).toEqual([
          { id: 1 },
          { id: 3 },
          { id: 4 }
        ])
      }))

    it.scopedLive("a transaction of that batch fails with a retryable error and keeps nothing", () =>
      Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename: tmpFile("rollback-tx") })
        yield* db.run(createItems)
        yield* db.run(insert("taken"))
        // hold the writer so that the transaction and the writes after it share one batch
        const inside = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(db.transaction(Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(gate))))
        yield* Deferred.await(inside)
        const tx = yield* Effect.fork(db.transaction(db.run(insert("in-tx"))))
        yield* Effect.sleep("20 millis")
        const culprit = yield* db.submit({ sql: "INSERT OR ROLLBACK INTO items (name) VALUES (?)", params: ["taken"] })
        const after = yield* db.submit(insert("after"))
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(holder)
        const txError = yield* Effect.flip(Fiber.join(tx))
        expect(txError).toMatchObject({ _tag: "SerializationFailure", retryable: true })
        expect(yield* Effect.flip(culprit.await)).toMatchObject({ _tag: "UniqueViolation" })
        yield* after.await
        expect(yield* db.all({ sql: "SELECT name FROM items ORDER BY name", params: [] })).toEqual(
          ["after", "taken"].map((name) => ({ name }))
        )
        // run again, it commits
        yield* db.transaction(db.run(insert("in-tx")))
        expect(yield* db.all({ sql: "SELECT count(*) AS n FROM items", params: [] })).toEqual([{ n: 3 }])
      }))
  })

  it.scopedLive("a long-lived fiber's state does not grow with the writes, reads and transactions it runs", () =>
    Effect.gen(function*() {
      const db = yield* Sqlite.make({ filename: tmpFile("state") })
      yield* db.run(createItems)
      let n = 0
      const work = Effect.suspend(() =>
        Effect.zipRight(
          db.run(insert(`w${n++}`)),
          db.transaction(Effect.zipRight(db.all({ sql: "SELECT 1", params: [] }), db.transaction(db.run(insert(`t${n++}`)))))
        )
      )
      const [before, after] = yield* stateAround(work)
      expect(after).toBe(before)
    }))

  it.live("closing the layer drains 10,000 submitted writes, then refuses new work", () =>
    Effect.gen(function*() {
      const filename = tmpFile("drain")
      const db = yield* Effect.gen(function*() {
        const db = yield* Database
        yield* db.run(createItems)
        for (let i = 0; i < 10_000; i++) yield* db.submit(insert(`n${i}`))
        return db
      }).pipe(Effect.provide(Sqlite.layer({ filename })))
      // the program returned right after submitting: the layer's finalizer drained the queue
      expect(countOnDisk(filename)).toBe(10_000)
      const refused = yield* Effect.flip(db.run(insert("late")))
      expect(refused).toMatchObject({ _tag: "ConnectionError", message: "database is closing" })
    }))

  it.live("interrupting the program right after submitting still commits every accepted write", () =>
    Effect.gen(function*() {
      const filename = tmpFile("interrupt")
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename })
        yield* db.run(createItems)
        for (let i = 0; i < 10_000; i++) yield* db.submit(insert(`n${i}`))
        return yield* Effect.interrupt
      })))
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(countOnDisk(filename)).toBe(10_000)
    }))

  it.live("interrupting the fiber running the program still commits every accepted write", () =>
    Effect.gen(function*() {
      const filename = tmpFile("interrupt-fiber")
      const submitted = yield* Deferred.make<void>()
      const program = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename, maxBatch: 10 })
        yield* db.run(createItems)
        for (let i = 0; i < 10_000; i++) yield* db.submit(insert(`n${i}`))
        yield* Deferred.succeed(submitted, undefined)
        return yield* Effect.never
      })))
      yield* Deferred.await(submitted)
      yield* Fiber.interrupt(program)
      expect(countOnDisk(filename)).toBe(10_000)
    }))

  it.live("a transaction accepted before closing completes during the drain", () =>
    Effect.gen(function*() {
      const filename = tmpFile("drain-tx")
      const inside = yield* Deferred.make<void>()
      const proceed = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const db = yield* Sqlite.make({ filename })
        yield* db.run(createItems)
        const tx = yield* Effect.fork(db.transaction(Effect.gen(function*() {
          yield* db.run(insert("in-tx"))
          yield* Deferred.succeed(inside, undefined)
          yield* Deferred.await(proceed)
          yield* db.run(insert("in-tx-after-close-started"))
        })))
        yield* Deferred.await(inside)
        // close the scope while the transaction is open; it finishes later
        yield* Effect.forkDaemon(Effect.zipRight(Effect.sleep("50 millis"), Deferred.succeed(proceed, undefined)))
        return tx
      })))
      const tx = yield* Fiber.join(fiber)
      yield* Fiber.join(tx)
      expect(countOnDisk(filename)).toBe(2)
    }))
})
