/**
 * The pool of the PostgreSQL and MariaDB layers: many fibers on few
 * connections, streams larger than memory, and a shutdown that drains the
 * writes it accepted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope, Stream } from "effect"
import type { Database } from "../../src/layers/Database.js"
import {
  connectionId,
  count,
  eventually,
  exec,
  failure,
  freshUrl,
  openAt,
  pooled,
  range,
  runningIds,
  runningStatements,
  sequence,
  serverConnections,
  sql
} from "./PoolSupport.js"
import { stateAround } from "../support/fiberState.js"

const insertItem = (db: Database, id: number) => db.run(sql(db)`INSERT INTO items (id, name) VALUES (${id}, ${`n${id}`})`)

describe.each(pooled)("%s pool", (kind) => {
  it.scopedLive("1,000 concurrent fibers on a pool of 10: no error, every row written", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl(kind, "pool_concurrent"), (url) => openAt(kind, url, { maxConnections: 10 }))
      yield* exec(db, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
      // Plain writes and small transactions, all at once.
      yield* Effect.forEach(
        range(1, 1000),
        (id) =>
          id % 2 === 0
            ? insertItem(db, id)
            : db.transaction(Effect.zipRight(
              insertItem(db, id),
              db.run(sql(db)`UPDATE items SET name = ${"tx"} WHERE id = ${id}`)
            )),
        { concurrency: "unbounded", discard: true }
      )
      expect(yield* count(db, "items")).toBe(1000)
      expect(yield* count(db, "items", "name = 'tx'")).toBe(500)
      expect(yield* serverConnections(db)).toBeLessThanOrEqual(10)
    }))

  it.scopedLive("connectionTTL: a connection is reused until it is older than its lifetime, then replaced", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(
        freshUrl(kind, "pool_ttl"),
        (url) => openAt(kind, url, { maxConnections: 1, connectionTTL: "1 second" })
      )
      const session = Effect.map(
        db.all({ sql: kind === "postgres" ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id", params: [] }),
        (rows) => Number(rows[0].id)
      )
      const first = yield* session
      expect(yield* session).toBe(first)
      yield* Effect.sleep("1500 millis")
      const later = yield* session
      expect(later).not.toBe(first)
      expect(yield* session).toBe(later)
    }))

  it.scopedLive("a long-lived fiber's state does not grow with the queries it runs", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl(kind, "pool_refs"), (url) => openAt(kind, url, { maxConnections: 2 }))
      const query = db.all({ sql: "SELECT 1 AS one", params: [] })
      const work = Effect.zipRight(query, db.transaction(Effect.zipRight(query, db.transaction(query))))
      const [before, after] = yield* stateAround(work)
      expect(after).toBe(before)
    }))

  it.scopedLive("an interrupted statement is stopped on the server and its connection used again", () =>
    Effect.gen(function*() {
      const url = yield* freshUrl(kind, "pool_cancel")
      const db = yield* openAt(kind, url, { maxConnections: 2 })
      // the server's view, through connections of their own
      const observer = yield* openAt(kind, url, { maxConnections: 1 })
      const sleep = kind === "postgres" ? "SELECT pg_sleep(30) AS slept" : "SELECT SLEEP(30) AS slept"
      // a statement first: later ones take the one-step path (MySQL learns mysql2's pool from a first connection)
      yield* db.all({ sql: "SELECT 1 AS one", params: [] })
      const sleeper = yield* Effect.fork(db.all({ sql: sleep, params: [] }))
      const [sleeping] = yield* eventually(runningIds(observer), (ids) => ids.length === 1)
      yield* Fiber.interrupt(sleeper)
      // stopped within 5 s (well before the 30 s it asked for)
      expect(yield* eventually(runningStatements(observer), (n) => n === 0)).toBe(0)
      // both connections come back, the stopped statement's one among them (stopped, not thrown away)
      const both = yield* Effect.all([connectionId(db), connectionId(db)], { concurrency: 2 })
      expect(new Set(both).size).toBe(2)
      expect(both).toContain(sleeping)
      expect(yield* serverConnections(observer)).toBeLessThanOrEqual(3)
    }))

  it.scopedLive("a full pool makes further work wait, not fail", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl(kind, "pool_full"), (url) => openAt(kind, url, { maxConnections: 2 }))
      const held = yield* Effect.forEach(range(1, 2), () => Deferred.make<void>())
      const release = yield* Deferred.make<void>()
      const holders = yield* Effect.forEach(held, (h) =>
        Effect.fork(db.transaction(Effect.zipRight(Deferred.succeed(h, undefined), Deferred.await(release)))))
      yield* Effect.forEach(held, Deferred.await)

      // Waiting for a connection can be interrupted, and the connection it would have had is not lost.
      const timedOut = yield* Effect.either(Effect.timeout(db.all({ sql: "SELECT 1 AS one", params: [] }), "100 millis"))
      expect(timedOut._tag).toBe("Left")
      const txTimedOut = yield* Effect.either(Effect.timeout(db.transaction(Effect.void), "100 millis"))
      expect(txTimedOut._tag).toBe("Left")

      const waiting = yield* Effect.fork(db.all({ sql: "SELECT 1 AS one", params: [] }))
      // Both connections are held: nothing can answer it (longer than a connect timeout would allow, too).
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(waiting)).toHaveLength(1)
      yield* Fiber.joinAll(holders)
      const both = yield* Effect.forEach(range(1, 2), () => Deferred.make<void>())
      yield* Effect.forEach(both, (mine) =>
        db.transaction(Effect.zipRight(Deferred.succeed(mine, undefined), Effect.forEach(both, Deferred.await))), {
        concurrency: "unbounded"
      })
    }))

  it.scopedLive("streams 50,000 rows in small chunks, and a stream far larger than memory", () =>
    Effect.gen(function*() {
      // One connection: every check below also proves the stream gave it back.
      const db = yield* Effect.flatMap(freshUrl(kind, "pool_stream"), (url) => openAt(kind, url, { maxConnections: 1 }))
      yield* exec(db, "CREATE TABLE nums (n INT PRIMARY KEY)")
      yield* exec(db, `INSERT INTO nums (n) ${sequence(db, 50_000)}`)

      const [rows, sum] = yield* db.stream({ sql: "SELECT n FROM nums ORDER BY n", params: [] }).pipe(
        Stream.rechunk(16),
        Stream.runFold([0, 0] as readonly [number, number], ([c, s], row) => [c + 1, s + Number(row.n)] as const)
      )
      expect(rows).toBe(50_000)
      expect(sum).toBe(50_000 * 50_001 / 2)

      // 100 million rows produced lazily by the server: only a stream that pulls as it goes gets
      // the first 50,000 back.
      const huge = { sql: sequence(db, 100_000_000), params: [] }
      expect(yield* Stream.runCount(Stream.take(db.stream(huge), 50_000))).toBe(50_000)
      expect(yield* eventually(runningStatements(db), (n) => n === 0)).toBe(0)

      // Interrupted mid-stream.
      const seen = yield* Deferred.make<void>()
      const reader = yield* Effect.fork(
        db.stream(huge).pipe(
          Stream.tap((row) => Number(row.n) === 10_000 ? Deferred.succeed(seen, undefined) : Effect.void),
          Stream.runDrain
        )
      )
      yield* Deferred.await(seen)
      yield* Fiber.interrupt(reader)
      expect(yield* eventually(runningStatements(db), (n) => n === 0)).toBe(0)

      // Inside a transaction the stream uses the transaction's connection.
      expect(yield* db.transaction(Stream.runCount(db.stream({ sql: "SELECT n FROM nums", params: [] })))).toBe(50_000)
      expect(yield* count(db, "nums")).toBe(50_000)
    }))

  it.scopedLive("run reports affected rows; all returns rows", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl(kind, "pool_run"), (url) => openAt(kind, url))
      yield* exec(db, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
      yield* Effect.forEach(range(1, 3), (id) => insertItem(db, id), { discard: true })
      const updated = yield* db.run(sql(db)`UPDATE items SET name = ${"x"} WHERE id >= ${2}`)
      expect(updated.rowsAffected).toBe(2)
      const rows = yield* db.all(sql(db)`SELECT id, name FROM items WHERE id = ${1}`)
      expect(rows).toEqual([{ id: 1, name: "n1" }])
    }))

  it.scopedLive("closing the layer drains 2,000 submitted writes, then refuses new work", () =>
    Effect.gen(function*() {
      const url = yield* freshUrl(kind, "pool_submit")
      const scope = yield* Scope.make()
      const db = yield* Scope.extend(openAt(kind, url), scope)
      yield* exec(db, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
      const completions = yield* Effect.forEach(range(1, 2000), (id) => db.submit(sql(db)`INSERT INTO items (id, name) VALUES (${id}, ${"s"})`))
      yield* completions[0].await
      const duplicate = yield* db.submit(sql(db)`INSERT INTO items (id, name) VALUES (${1}, ${"dup"})`)
      yield* Scope.close(scope, Exit.void)

      const refused = yield* failure(db.submit(sql(db)`INSERT INTO items (id, name) VALUES (${5000}, ${"late"})`))
      expect(refused._tag).toBe("ConnectionError")
      expect(refused.message).toContain("closing")
      expect((yield* failure(db.all({ sql: "SELECT 1", params: [] })))._tag).toBe("ConnectionError")

      const results = yield* Effect.forEach(completions, (c) => c.await)
      expect(results.every((r) => r.rowsAffected === 1)).toBe(true)
      expect((yield* failure(duplicate.await))._tag).toBe("UniqueViolation")

      const reopened = yield* openAt(kind, url)
      expect(yield* count(reopened, "items")).toBe(2000)
    }))
})
