/**
 * The serialized SQLite writer against `@effect/sql-sqlite-node`:
 *
 *   npx tsx bench/sqlite-writer.ts [rows=20000] [fibers=100] [rounds=3]
 *
 * 1. rows/s for `fibers` concurrent fibers each inserting single rows with
 *    synchronous=FULL: Quarry's `Database.run` (group commit) vs
 *    SqliteClient autocommit inserts under the same concurrency, in
 *    alternating rounds (fsync latency drifts with the machine's load; the
 *    median ratio of paired rounds is the figure to quote). SqliteClient
 *    commits (and fsyncs) once per row, so it gets rows/4 rows per round;
 * 2. the event-loop delay (perf_hooks.monitorEventLoopDelay) while 10,000
 *    submitted writes commit (default maxBatch, and one 10,000-row batch);
 * 3. a prepared select-by-pk: raw better-sqlite3 vs `Database.all`.
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import SqliteDriver from "better-sqlite3"
import { Deferred, Effect, Fiber, ManagedRuntime } from "effect"
import * as path from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import type { Database } from "../src/layers/Database.js"
import * as Sqlite from "../src/layers/Sqlite.js"
import { cleanup, scratch } from "./data/sqlite.js"

const rows = Number(process.argv[2] ?? 20_000)
const fibers = Number(process.argv[3] ?? 100)
const rounds = Number(process.argv[4] ?? 3)

const tmpFile = (name: string) => path.join(scratch(), `${name}.db`)
const create = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)"
const insertSql = "INSERT INTO items (name, n) VALUES (?, ?)"

/** `fibers` workers sharing `rows` single-row inserts; rows/s. */
const concurrently = <E>(rows: number, insert: (i: number) => Effect.Effect<unknown, E>) =>
  Effect.gen(function*() {
    let next = 0
    const worker = Effect.whileLoop({
      while: () => next < rows,
      body: () => insert(next++),
      step: () => undefined
    })
    const start = performance.now()
    yield* Effect.all(Array.from({ length: fibers }, () => worker), { concurrency: "unbounded", discard: true })
    return rows / ((performance.now() - start) / 1000)
  })

const quarryInserts = Effect.scoped(Effect.gen(function*() {
  const batches: Array<number> = []
  const db = yield* Sqlite.make({
    filename: tmpFile("quarry"),
    synchronous: "full",
    onBatch: ({ size }) => batches.push(size)
  })
  yield* db.run({ sql: create, params: [] })
  batches.length = 0
  const perSecond = yield* concurrently(rows, (i) => db.run({ sql: insertSql, params: [`name-${i}`, i] }))
  return { perSecond, batches: batches.length }
}))

const effectSqlInserts = Effect.gen(function*() {
  const runtime = ManagedRuntime.make(SqliteClient.layer({ filename: tmpFile("effect-sql") }))
  const perSecond = yield* Effect.promise(() =>
    runtime.runPromise(Effect.gen(function*() {
      const sql = yield* SqliteClient.SqliteClient
      yield* sql`PRAGMA synchronous = FULL`
      yield* sql.unsafe(create)
      return yield* concurrently(
        Math.ceil(rows / 4),
        (i) => sql`INSERT INTO items (name, n) VALUES (${`name-${i}`}, ${i})`
      )
    }))
  )
  yield* Effect.promise(() => runtime.dispose())
  return perSecond
})

const loopDelay = (maxBatch: number) =>
  Effect.scoped(Effect.gen(function*() {
    const batches: Array<number> = []
    const db = yield* Sqlite.make({
      filename: tmpFile("delay"),
      synchronous: "full",
      maxBatch,
      onBatch: ({ size }) => batches.push(size)
    })
    yield* db.run({ sql: create, params: [] })
    // Hold the writer in a transaction while 10,000 writes queue up behind it,
    // so that they are taken together (up to maxBatch) once it ends.
    const inside = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const holder = yield* Effect.fork(db.transaction(Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(gate))))
    yield* Deferred.await(inside)
    const completions = []
    for (let i = 0; i < 10_000; i++) completions.push(yield* db.submit({ sql: insertSql, params: [`n${i}`, i] }))
    batches.length = 0
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    histogram.enable()
    const start = performance.now()
    yield* Deferred.succeed(gate, undefined)
    yield* Fiber.join(holder)
    yield* Effect.forEach(completions, (c) => c.await, { discard: true })
    const elapsed = performance.now() - start
    // the sampling timer records a block when it next fires: let it
    yield* Effect.sleep("30 millis")
    histogram.disable()
    const ms = (ns: number) => (ns / 1e6).toFixed(1)
    return `maxBatch ${maxBatch}: 10,000 queued rows committed in ${elapsed.toFixed(0)} ms as batches of [${
      batches.filter((size) => size > 1).join(", ")
    }]; event-loop delay p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${
      ms(histogram.max)
    } ms`
  }))

const selectByPk = Effect.scoped(Effect.gen(function*() {
  const filename = tmpFile("select")
  const db: Database = yield* Sqlite.make({ filename })
  yield* db.run({ sql: create, params: [] })
  yield* db.transaction(
    Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), (i) => db.run({ sql: insertSql, params: [`n${i}`, i] }))
  )
  const raw = new SqliteDriver(filename, { readonly: true })
  const stmt = raw.prepare("SELECT id, name, n FROM items WHERE id = ?")
  const n = 300_000
  // CPU time, not wall time: less disturbed by other processes on a shared machine
  const time = (f: () => void) => {
    const start = process.cpuUsage()
    f()
    const used = process.cpuUsage(start)
    return n / ((used.user + used.system) / 1e6)
  }
  const select = "SELECT id, name, n FROM items WHERE id = ?"
  const rawRate = () => time(() => {
    for (let i = 0; i < n; i++) stmt.all([(i % 1000) + 1])
  })
  const quarryRate = () =>
    time(() =>
      Effect.runSync(Effect.gen(function*() {
        for (let i = 0; i < n; i++) yield* db.all({ sql: select, params: [(i % 1000) + 1] })
      }))
    )
  // warm up, then measure alternately; best of 5 each
  rawRate()
  quarryRate()
  let rawBest = 0
  let quarryBest = 0
  for (let i = 0; i < 5; i++) {
    rawBest = Math.max(rawBest, rawRate())
    quarryBest = Math.max(quarryBest, quarryRate())
  }
  raw.close()
  return `select-by-pk (CPU time, best of 5): raw better-sqlite3 stmt.all ${rawBest.toFixed(0)}/s, Database.all ${
    quarryBest.toFixed(0)
  }/s (${(quarryBest / rawBest).toFixed(2)}x)`
}))

const main = Effect.gen(function*() {
  console.log(`${fibers} fibers, single-row inserts, synchronous=FULL, ${rounds} alternating rounds`)
  const ratios: Array<number> = []
  for (let round = 1; round <= rounds; round++) {
    const quarry = yield* quarryInserts
    const effectSql = yield* effectSqlInserts
    ratios.push(quarry.perSecond / effectSql)
    console.log(
      `round ${round}: quarry Database.run ${quarry.perSecond.toFixed(0)} rows/s (${rows} rows, ${quarry.batches} ` +
        `group commits); @effect/sql-sqlite-node ${effectSql.toFixed(0)} rows/s; ratio ${
          (quarry.perSecond / effectSql).toFixed(1)
        }x`
    )
  }
  console.log(`median ratio: ${[...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)].toFixed(1)}x`)
  console.log(yield* loopDelay(1000))
  console.log(yield* loopDelay(10_000))
  console.log(yield* selectByPk)
})

Effect.runPromise(main.pipe(Effect.ensuring(Effect.sync(cleanup))))
