/**
 * The layers' own costs, each variant run in the same process, alternating,
 * median of 9 samples:
 *
 *   npx tsx bench/layers.ts [sqlite|pools|all]
 *
 * 1. SQLite, 100 fibers each inserting one row (`Effect.forEach`, unbounded),
 *    as in the concurrent-insert workload, with synchronous FULL and NORMAL:
 *    CPU µs per row for the harness alone (a no-op effect), a simulated
 *    hand-off (each fiber suspended and resumed together, as the writer does),
 *    `Database.run` and `Query.run(Query.insert(...))`; the difference between
 *    the last two and the no-op is what Quarry itself costs per write. Plus
 *    the same statements from one fiber inside one transaction, and writes in
 *    a loop (one fiber) with NORMAL, which run inline.
 * 2. PostgreSQL and MariaDB pools (the test servers): latency of a sequential
 *    `SELECT 1`, and rows/s of 100 concurrent inserts on a pool of 10.
 */
import { Model } from "@effect/sql"
import { Effect, Schema } from "effect"
import * as path from "node:path"
import { Database } from "../src/layers/Database.js"
import * as Mysql from "../src/layers/Mysql.js"
import * as Postgres from "../src/layers/Postgres.js"
import * as Sqlite from "../src/layers/Sqlite.js"
import * as Query from "../src/query/Query.js"
import * as Ddl from "../src/schema/Ddl.js"
import * as Table from "../src/schema/Table.js"
import { createDatabase } from "../test/support/servers.js"
import { cleanup, scratch } from "./data/sqlite.js"

const which = process.argv[2] ?? "all"
const SAMPLES = 9
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const cpuMillis = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

class Event extends Model.Class<Event>("Event")({
  id: Model.Generated(Schema.Int),
  kind: Schema.String,
  payload: Schema.String,
  amount: Schema.Int,
  createdAt: Schema.Int
}) {}
const Events = Table.make(Event, { name: "events" })
const INSERT = `INSERT INTO "events" ("kind", "payload", "amount", "created_at") VALUES (?, ?, ?, ?)`

const fibers = Array.from({ length: 100 }, (_, i) => i)
const round = <R>(one: (i: number) => Effect.Effect<unknown, unknown, R>) =>
  Effect.forEach(fibers, one, { concurrency: "unbounded", discard: true })

// every fiber of a round suspended, then resumed together on the next turn of the event loop
let parked: Array<() => void> = []
const resumeAll = () => {
  const all = parked
  parked = []
  for (const resume of all) resume()
}
const handOff = (i: number) =>
  Effect.async<number>((resume) => {
    parked.push(() => resume(Effect.succeed(i)))
    if (parked.length === 1) setImmediate(resumeAll)
  })

const sqliteFor = (synchronous: "full" | "normal") =>
  Effect.gen(function*() {
    const db = yield* Database
    yield* Ddl.createAll([Events])
    const variants: Record<string, (i: number) => Effect.Effect<unknown, unknown, Database>> = {
      "no-op (harness)": (i) => Effect.succeed(i),
      "simulated hand-off": handOff,
      "Database.run": (i) => db.run({ sql: INSERT, params: ["k", "p", i, i] }),
      "Query.run(Query.insert)": (i) => Query.run(Query.insert(Events, { kind: "k", payload: "p", amount: i, createdAt: i }))
    }
    const cpu: Record<string, Array<number>> = {}
    const rate: Record<string, Array<number>> = {}
    for (let s = 0; s < SAMPLES; s++) {
      for (const [name, one] of Object.entries(variants)) {
        yield* Effect.repeatN(round(one), 4)
        const c = cpuMillis()
        const t = performance.now()
        yield* Effect.repeatN(round(one), 39)
        ;(cpu[name] ??= []).push(((cpuMillis() - c) * 1000) / 4000)
        ;(rate[name] ??= []).push(4000 / ((performance.now() - t) / 1000))
      }
    }
    console.log(`SQLite, 100 concurrent single-row inserts, synchronous=${synchronous}`)
    for (const name of Object.keys(variants)) {
      console.log(`  ${name.padEnd(26)} ${median(cpu[name]).toFixed(1).padStart(6)} µs CPU/row ${median(rate[name]).toFixed(0).padStart(8)} rows/s`)
    }
    // one fiber, many statements inside one transaction (run directly on the writer connection)
    for (const name of ["Database.run", "Query.run(Query.insert)"]) {
      const inside: Array<number> = []
      for (let s = 0; s < SAMPLES; s++) {
        yield* db.transaction(Effect.gen(function*() {
          const c = cpuMillis()
          for (let i = 0; i < 5000; i++) yield* variants[name](i)
          inside.push(((cpuMillis() - c) * 1000) / 5000)
        }))
      }
      console.log(`  ${`in a transaction: ${name}`.padEnd(42)} ${median(inside).toFixed(1).padStart(6)} µs CPU/op`)
    }
    if (synchronous === "normal") {
      const loop: Array<number> = []
      for (let s = 0; s < SAMPLES; s++) {
        const t = performance.now()
        for (let i = 0; i < 2000; i++) yield* variants["Query.run(Query.insert)"](i)
        loop.push(2000 / ((performance.now() - t) / 1000))
      }
      console.log(`  ${"writes in a loop (inline)".padEnd(26)} ${median(loop).toFixed(0).padStart(24)} ops/s`)
    }
  }).pipe(
    Effect.provide(Sqlite.layer({
      filename: path.join(scratch(), `events-${synchronous}.db`),
      synchronous
    }))
  )

const pool = (kind: "postgres" | "mysql") =>
  Effect.gen(function*() {
    const url = yield* Effect.promise(() => createDatabase(kind, "quarry_bench_layers"))
    const layer = kind === "postgres" ? Postgres.layer({ url, maxConnections: 10 }) : Mysql.layer({ url, maxConnections: 10 })
    yield* Effect.provide(
      Effect.gen(function*() {
        const db = yield* Database
        const insert = kind === "postgres" ? "INSERT INTO items (n) VALUES ($1)" : "INSERT INTO items (n) VALUES (?)"
        yield* db.run({
          sql: kind === "postgres"
            ? "CREATE TABLE items (id SERIAL PRIMARY KEY, n INT)"
            : "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, n INT)",
          params: []
        })
        const latency: Array<number> = []
        const concurrent: Array<number> = []
        for (let s = 0; s < SAMPLES; s++) {
          let t = performance.now()
          for (let i = 0; i < 1000; i++) yield* db.all({ sql: "SELECT 1 AS one", params: [] })
          latency.push(((performance.now() - t) * 1000) / 1000)
          t = performance.now()
          yield* Effect.repeatN(round((i) => db.run({ sql: insert, params: [i] })), 9)
          concurrent.push(1000 / ((performance.now() - t) / 1000))
        }
        console.log(
          `${kind} pool of 10: sequential SELECT 1 ${median(latency).toFixed(0)} µs; ` +
            `100 concurrent inserts ${median(concurrent).toFixed(0)} rows/s`
        )
      }),
      layer
    )
  })

const program = Effect.gen(function*() {
  if (which === "sqlite" || which === "all") {
    yield* sqliteFor("full")
    yield* sqliteFor("normal")
  }
  if (which === "pools" || which === "all") {
    yield* pool("postgres")
    yield* pool("mysql")
  }
})

Effect.runPromise(Effect.ensuring(program, Effect.sync(cleanup))).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
