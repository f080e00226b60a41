/**
 * Transactions of the PostgreSQL and MariaDB layers: commit and rollback,
 * nested savepoints with concurrent siblings, two databases in one program,
 * and interruption, checked against the server's own view of our sessions.
 */
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { MysqlClient } from "@effect/sql-mysql2"
import { PgClient } from "@effect/sql-pg"
import { Context, Deferred, Effect, Either, Exit, Fiber, Layer, Redacted, Ref } from "effect"
import type { Database } from "../../src/layers/Database.js"
import {
  count,
  eventually,
  exec,
  failure,
  freshUrl,
  openAt,
  openTransactions,
  type Pooled,
  pooled,
  range,
  runningStatements,
  sql
} from "./PoolSupport.js"

const withItems = (db: Database) =>
  Effect.as(exec(db, "CREATE TABLE items (name VARCHAR(50) PRIMARY KEY)"), db)

const openItems = (kind: Pooled, suite: string, options?: { readonly maxConnections?: number }) =>
  Effect.flatMap(freshUrl(kind, suite), (url) => Effect.flatMap(openAt(kind, url, options), withItems))

const insert = (db: Database, name: string) => db.run(sql(db)`INSERT INTO items (name) VALUES (${name})`)

const names = (db: Database) =>
  Effect.map(db.all({ sql: "SELECT name FROM items ORDER BY name", params: [] }), (rows) => rows.map((r) => r.name))

/**
 * An effect that, run inside a transaction of `db`, tells the isolation level
 * that transaction really has. PostgreSQL says so itself. MariaDB has no such
 * variable (`@@tx_isolation` ignores `SET TRANSACTION`, and INNODB_TRX is a
 * cache that concurrent readers keep stale), so the level is told by what the
 * transaction sees of another connection's writes, and by its locks.
 */
const isolationProbe = (db: Database, other: Database) =>
  Effect.gen(function*() {
    if (db.dialect.name === "postgres") {
      return Effect.map(
        db.all({ sql: "SELECT current_setting('transaction_isolation') AS level", params: [] }),
        (rows) => String(rows[0].level)
      )
    }
    yield* exec(other, "CREATE TABLE probe (id INT PRIMARY KEY)")
    yield* exec(other, "INSERT INTO probe (id) VALUES (0)")
    const ids = yield* Ref.make(0)
    const add = Effect.flatMap(
      Ref.updateAndGet(ids, (n) => n + 1),
      (id) => other.run(sql(other)`INSERT INTO probe (id) VALUES (${id})`)
    )
    const seen = count(db, "probe")
    return Effect.gen(function*() {
      const before = yield* seen
      // SERIALIZABLE made that read a shared-lock read: no other transaction may lock the rows now.
      const locked = yield* Effect.either(other.all({ sql: "SELECT id FROM probe FOR UPDATE NOWAIT", params: [] }))
      if (Either.isLeft(locked)) {
        expect(locked.left._tag).toBe("Busy")
        return "serializable"
      }
      // A row another transaction has written but not committed: only READ UNCOMMITTED sees it.
      const dirty = yield* Ref.make(before)
      expect(yield* failure(other.transaction(Effect.gen(function*() {
        yield* add
        yield* Ref.set(dirty, yield* seen)
        return yield* Effect.fail("undo" as const)
      })))).toBe("undo")
      if ((yield* Ref.get(dirty)) > before) return "read uncommitted"
      // A row committed since the first read: READ COMMITTED sees it, REPEATABLE READ does not.
      yield* add
      return (yield* seen) > before ? "read committed" : "repeatable read"
    })
  })

const levels = ["read uncommitted", "read committed", "repeatable read", "serializable"] as const

describe.each(pooled)("%s transactions", (kind) => {
  it.scopedLive("commit, rollback on failure and on defect; the sql template runs inside", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_basic")
      const client = db.sql
      yield* db.transaction(Effect.gen(function*() {
        yield* insert(db, "committed")
        yield* client`INSERT INTO items (name) VALUES (${"via-sql"})`
        // Both writes are visible inside, through either API.
        const inside = yield* client`SELECT COUNT(*) AS n FROM items`
        expect(Number(inside[0].n)).toBe(2)
      }))
      const failed = yield* failure(db.transaction(Effect.zipRight(insert(db, "failed"), Effect.fail("boom" as const))))
      expect(failed).toBe("boom")
      const died = yield* Effect.exit(db.transaction(Effect.zipRight(insert(db, "died"), Effect.dieMessage("bug"))))
      expect(Exit.isFailure(died)).toBe(true)
      // SqlClient.withTransaction is Database.transaction.
      yield* Effect.either(client.withTransaction(Effect.zipRight(insert(db, "sql-failed"), Effect.fail("boom" as const))))
      expect(yield* names(db)).toEqual(["committed", "via-sql"])
      expect(yield* openTransactions(db)).toBe(0)
    }))

  it.scopedLive("isolation level, and a nested transaction may not change it", () =>
    Effect.gen(function*() {
      const url = yield* freshUrl(kind, "tx_isolation")
      const db = yield* Effect.flatMap(openAt(kind, url), withItems)
      const isolation = yield* isolationProbe(db, yield* openAt(kind, url))
      for (const level of levels) {
        expect(yield* db.transaction(isolation, { isolation: level })).toBe(level)
      }
      expect(yield* db.transaction(isolation)).toBe(kind === "postgres" ? "read committed" : "repeatable read")
      // A nested transaction keeps the level, whether it repeats it or says nothing.
      const inner = yield* db.transaction(
        db.transaction(Effect.zipRight(db.transaction(isolation), isolation), { isolation: "serializable" }),
        { isolation: "serializable" }
      )
      expect(inner).toBe("serializable")
      const nested = yield* failure(db.transaction(
        Effect.zipRight(insert(db, "outer"), db.transaction(insert(db, "inner"), { isolation: "read committed" })),
        { isolation: "repeatable read" }
      ))
      expect(nested._tag).toBe("DatabaseFailure")
      expect(yield* names(db)).toEqual([])
    }))

  it.scopedLive("nested transactions with concurrent siblings: only the failing sibling's writes roll back", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_nested")
      const results = yield* db.transaction(Effect.gen(function*() {
        yield* insert(db, "outer")
        return yield* Effect.all([
          db.transaction(Effect.gen(function*() {
            yield* insert(db, "a1")
            yield* Effect.sleep("5 millis")
            yield* insert(db, "a2")
          })),
          // A constraint violation inside a savepoint (PostgreSQL aborts up to the savepoint only).
          Effect.either(db.transaction(Effect.gen(function*() {
            yield* insert(db, "b1")
            yield* Effect.sleep("2 millis")
            yield* insert(db, "outer")
          }))),
          Effect.either(db.transaction(Effect.zipRight(insert(db, "c1"), Effect.fail("boom" as const)))),
          db.transaction(Effect.gen(function*() {
            yield* insert(db, "d1")
            yield* db.transaction(insert(db, "d2"))
            return yield* Effect.either(db.transaction(Effect.zipRight(insert(db, "d3"), Effect.fail("inner" as const))))
          })),
          // A plain statement of the outer transaction, concurrently with the savepoints.
          insert(db, "e1")
        ], { concurrency: "unbounded" })
      }))
      expect(Either.isLeft(results[1]) && results[1].left._tag).toBe("UniqueViolation")
      expect(results[2]).toEqual(Either.left("boom"))
      expect(results[3]).toEqual(Either.left("inner"))
      expect(yield* names(db)).toEqual(["a1", "a2", "d1", "d2", "e1", "outer"])
    }))

  it.scopedLive("a failing outer transaction rolls back its committed savepoints", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_outer_fails")
      const error = yield* failure(db.transaction(Effect.gen(function*() {
        yield* db.transaction(insert(db, "inner"))
        yield* insert(db, "inner")
      })))
      expect(error._tag).toBe("UniqueViolation")
      expect(yield* names(db)).toEqual([])
    }))

  it.scopedLive("a fiber that outlives its transaction cannot write through it", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_outlive")
      const go = yield* Deferred.make<void>()
      const straggler = yield* db.transaction(Effect.forkDaemon(Effect.zipRight(Deferred.await(go), insert(db, "late"))))
      yield* Deferred.succeed(go, undefined)
      const error = yield* failure(Fiber.join(straggler))
      expect(error._tag).toBe("DatabaseFailure")
      expect(yield* names(db)).toEqual([])
    }))

  it.scopedLive("two databases in one program: a transaction on A never includes B's writes", () =>
    Effect.gen(function*() {
      const a = yield* openItems(kind, "tx_two_a")
      const urlB = yield* freshUrl(kind, "tx_two_b")
      const b = yield* Effect.flatMap(openAt(kind, urlB), withItems)

      const aborted = yield* Effect.either(a.transaction(Effect.gen(function*() {
        yield* insert(a, "a-row")
        yield* insert(b, "b-run")
        yield* b.sql`INSERT INTO items (name) VALUES (${"b-sql"})`
        yield* b.transaction(insert(b, "b-own-transaction"))
        // B's writes are committed already: B's other connections see them.
        expect(yield* count(b, "items")).toBe(3)
        return yield* Effect.fail("abort A" as const)
      })))
      expect(aborted).toEqual(Either.left("abort A"))
      expect(yield* names(a)).toEqual([])
      expect(yield* names(b)).toEqual(["b-own-transaction", "b-run", "b-sql"])

      // @effect/sql's own client of B: its withTransaction sets the module-global transaction
      // connection, which A's statements and A's sql template must not pick up.
      const foreign = Context.get(
        yield* Layer.build(
          kind === "postgres"
            ? PgClient.layer({ url: Redacted.make(urlB) })
            : MysqlClient.layer({ url: Redacted.make(urlB) })
        ),
        SqlClient.SqlClient
      )
      yield* Effect.either(foreign.withTransaction(Effect.gen(function*() {
        yield* foreign`INSERT INTO items (name) VALUES (${"foreign"})`
        yield* insert(a, "a-run")
        yield* a.sql`INSERT INTO items (name) VALUES (${"a-sql"})`
        return yield* Effect.fail("abort foreign" as const)
      })))
      expect(yield* names(a)).toEqual(["a-run", "a-sql"])
      expect(yield* names(b)).toEqual(["b-own-transaction", "b-run", "b-sql"])
    }))

  it.scopedLive("interrupted fibers mid-transaction roll back and leave no session open", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_interrupt", { maxConnections: 10 })
      const started = yield* Effect.forEach(range(1, 10), () => Deferred.make<void>())
      const fibers = yield* Effect.forEach(range(1, 10), (i) =>
        Effect.fork(db.transaction(Effect.gen(function*() {
          yield* insert(db, `t${i}`)
          yield* Deferred.succeed(started[i - 1], undefined)
          return yield* Effect.never
        }))))
      yield* Effect.forEach(started, Deferred.await)
      // Each of the 10 connections holds an open transaction now; interrupt them all.
      yield* Fiber.interruptAll(fibers)
      expect(yield* count(db, "items")).toBe(0)
      expect(yield* eventually(openTransactions(db), (n) => n === 0)).toBe(0)

      // Every connection went back: 10 transactions open at once again.
      const all = yield* Effect.forEach(range(1, 10), () => Deferred.make<void>())
      yield* Effect.forEach(range(1, 10), (i) =>
        db.transaction(Effect.gen(function*() {
          yield* insert(db, `again${i}`)
          yield* Deferred.succeed(all[i - 1], undefined)
          yield* Effect.forEach(all, Deferred.await)
        })), { concurrency: "unbounded" })
      expect(yield* count(db, "items")).toBe(10)
    }))

  it.scopedLive("interrupting a transaction blocked on a lock stops the statement and rolls back", () =>
    Effect.gen(function*() {
      const db = yield* openItems(kind, "tx_interrupt_blocked")
      yield* insert(db, "locked")
      const q = sql(db)
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(db.transaction(Effect.gen(function*() {
        yield* db.run(q`UPDATE items SET name = ${"held"} WHERE name = ${"locked"}`)
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(release)
      })))
      yield* Deferred.await(locked)

      const waiting = yield* Deferred.make<void>()
      const victim = yield* Effect.fork(db.transaction(Effect.gen(function*() {
        // Longer than the test may take: only stopping the statement ends the wait.
        yield* exec(db, kind === "postgres" ? "SET LOCAL lock_timeout = '600s'" : "SET SESSION innodb_lock_wait_timeout = 600")
        yield* insert(db, "victim")
        yield* Deferred.succeed(waiting, undefined)
        yield* db.run(q`UPDATE items SET name = ${"stolen"} WHERE name = ${"locked"}`)
      })))
      yield* Deferred.await(waiting)
      // The victim's UPDATE is sent (or about to be); it waits on the holder's row lock until stopped.
      expect(yield* eventually(runningStatements(db), (n) => n === 1)).toBe(1)
      yield* Fiber.interrupt(victim)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      expect(yield* names(db)).toEqual(["held"])
      expect(yield* eventually(openTransactions(db), (n) => n === 0)).toBe(0)
      expect(yield* eventually(runningStatements(db), (n) => n === 0)).toBe(0)
    }))
})
