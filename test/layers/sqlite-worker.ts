/**
 * A child process for test/layers/Sqlite.processes.test.ts, run as
 * `node --import tsx test/layers/sqlite-worker.ts <mode> <file> <n> [worker]`:
 *
 * - `insert`: insert `n` rows, one write per statement, awaited in concurrent
 *   groups of 50; prints `{"inserted": n}` and exits 0 (any failure exits 1).
 * - `sigint`: submit `n` writes without awaiting them, print `submitted`, and
 *   wait to be stopped (the test sends SIGINT: the layer must drain them).
 *   Batches are kept small (10 writes) so that the drain is still running
 *   when the signal arrives.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { Database } from "../../src/layers/Database.js"
import * as Sqlite from "../../src/layers/Sqlite.js"

const [mode, filename, n, worker = "0"] = process.argv.slice(2)
const total = Number(n)
const insert = (i: number) => ({ sql: "INSERT INTO items (worker, seq) VALUES (?, ?)", params: [worker, i] })

const inserts = Effect.gen(function*() {
  const db = yield* Database
  for (let start = 0; start < total; start += 50) {
    const group = Array.from({ length: Math.min(50, total - start) }, (_, k) => start + k)
    yield* Effect.forEach(group, (i) => Effect.flatMap(db.submit(insert(i)), (c) => c.await), {
      concurrency: "unbounded",
      discard: true
    })
  }
  process.stdout.write(JSON.stringify({ inserted: total }) + "\n")
})

const submitsThenWaits = Effect.gen(function*() {
  const db = yield* Database
  for (let i = 0; i < total; i++) yield* db.submit(insert(i))
  process.stdout.write("submitted\n")
  return yield* Effect.never
})

const program = mode === "insert" ? inserts : mode === "sigint" ? submitsThenWaits : Effect.dieMessage(`mode ${mode}?`)

program.pipe(
  Effect.provide(Sqlite.layer({ filename, maxBatch: mode === "sigint" ? 10 : undefined })),
  Effect.orDie,
  NodeRuntime.runMain
)
