/**
 * Child process for the backfill workload: one copy, its own memory.
 *
 *   node --expose-gc --import tsx bench/backfill-child.ts backfill <shadow-dialect> <primary-url> <shadow-target> <rows> <pool>
 *   node --expose-gc --import tsx bench/backfill-child.ts direct   <shadow-dialect> -             <shadow-target> <rows> <pool>
 *
 * `backfill`: a replicated set (the PostgreSQL primary, whose `big` table was
 * loaded without the log, and one fresh shadow); `Replication.backfill` runs
 * to its end. `direct`: `Query.insertMany` of the same rows, `DIRECT_CHUNK`
 * per value, into the fresh database. The resident set is sampled every
 * 20 ms (and at each progress value) from just before the copy to its end
 * (no GC is forced during the copy: the growth includes garbage V8 has not
 * collected yet); the live heap (`heapUsed` after a forced GC) just before
 * the copy and right after it: what the copy left behind.
 * Prints one JSON line: time, rows in the target table, memory.
 */
import { Effect, Layer, ManagedRuntime, Option, Stream } from "effect"
import * as Database from "../src/layers/Database.js"
import * as Query from "../src/query/Query.js"
import * as Replication from "../src/replication/Replication.js"
import * as Ddl from "../src/schema/Ddl.js"
import { Bigs } from "./clients/quarry.js"
import { bigRow, range } from "./data/dataset.js"
import { layerAt, replicated } from "./replication.js"
import type { Dialect } from "./workload.js"

export const DIRECT_CHUNK = 10_000

const [mode, shadow, primaryUrl, target, rowsArg, poolArg] = process.argv.slice(2) as [
  "backfill" | "direct",
  Dialect,
  string,
  string,
  string,
  string
]
const rows = Number(rowsArg)
const pool = Number(poolArg ?? "10")
const MB = 1024 * 1024
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const count = Effect.map(Database.all({ sql: "SELECT COUNT(*) AS n FROM big", params: [] }), (r) => Number(r[0].n))

const main = async () => {
  const layer: Layer.Layer<any, unknown> = mode === "backfill"
    ? replicated(layerAt("postgres", primaryUrl, pool), { bf: layerAt(shadow, target, pool) }, [Bigs])
    : layerAt(shadow, target, pool)
  const runtime: ManagedRuntime.ManagedRuntime<any, unknown> = ManagedRuntime.make(layer)
  if (mode === "direct") await runtime.runPromise(Ddl.createAll([Bigs]))
  else await runtime.runPromise(Replication.status)

  gc()
  const { rss: base, heapUsed: baseHeap } = process.memoryUsage()
  let peak = base
  const sample = () => {
    const rss = process.memoryUsage().rss
    if (rss > peak) peak = rss
  }
  const timer = setInterval(sample, 20)
  const start = performance.now()
  if (mode === "backfill") {
    await runtime.runPromise(Stream.runForEach(Replication.backfill("bf"), () => Effect.sync(sample)))
  } else {
    await runtime.runPromise(Effect.gen(function*() {
      for (let from = 1; from <= rows; from += DIRECT_CHUNK) {
        yield* Query.run(Query.insertMany(Bigs, range(from, Math.min(DIRECT_CHUNK, rows - from + 1), bigRow)))
        sample()
      }
    }))
  }
  const ms = performance.now() - start
  clearInterval(timer)
  sample()
  gc()
  const afterHeap = process.memoryUsage().heapUsed

  const copied = mode === "backfill"
    ? await runtime.runPromise(Effect.gen(function*() {
      const db = Option.getOrThrow(yield* Effect.flatMap(Replication.Replication, (r) => r.shadow("bf")))
      return yield* Effect.provideService(count, Database.Database, db)
    }))
    : await runtime.runPromise(count)
  await runtime.dispose()
  process.stdout.write(
    JSON.stringify({
      ms,
      rows: copied,
      memory: {
        peakRssMB: peak / MB,
        baseRssMB: base / MB,
        afterHeapMB: afterHeap / MB,
        baseHeapMB: baseHeap / MB,
        kernelPeakRssMB: process.resourceUsage().maxRSS / 1024
      }
    }) + "\n"
  )
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
