/**
 * Replication lag under load: single-row inserts (`Query.insert`, one
 * transaction each) started at a steady 1,000 per second for a few seconds
 * on a replicated set in async mode with one shadow. Every change of the
 * set's status (`Replication.changes`) is timestamped as it arrives: the
 * moment the log's head first covers a position is its commit (the write's
 * commit publishes it), the moment the shadow's position first covers it is
 * its apply (the shadow's transaction, with the position, has committed).
 * Lag = apply − commit, per write; reported: median (the figure), p95, max.
 * The commit side is seen by the same observer as the apply side, so the
 * observer's own delay cancels out.
 */
import { Context, Effect, Fiber, Layer, Stream } from "effect"
import * as Query from "../../src/query/Query.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { eventInsert, Events } from "../clients/quarry.js"
import { event } from "../data/dataset.js"
import { stats } from "../harness.js"
import {
  available,
  freshTarget,
  head,
  layerAt,
  message,
  type Pair,
  replicated,
  type ReplicationContext,
  type ReplicationWorkload,
  skipped
} from "../replication.js"
import type { Result } from "../workload.js"

const PAIRS: ReadonlyArray<Pair> = [["sqlite", "sqlite"], ["postgres", "sqlite"]]
const RATE = 1_000
const MAX_IN_FLIGHT = 100
const secondsFor = (ctx: ReplicationContext) => (ctx.quick ? 3 : 5)

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]

interface Observed {
  /** Per write: commit time and lag (ms). */
  readonly lags: ReadonlyArray<{ readonly at: number; readonly lag: number }>
  readonly writesPerSecond: number
  readonly started: number
}

const observe = (ctx: ReplicationContext, pair: Pair) =>
  Effect.gen(function*() {
    const [primary, shadow] = pair
    const set = yield* Layer.build(replicated(
      layerAt(primary, yield* Effect.promise(() => freshTarget(primary, "lag_primary")), ctx.pool),
      { lag: layerAt(shadow, yield* Effect.promise(() => freshTarget(shadow, "lag_shadow")), ctx.pool) },
      [Events]
    ))
    const replication = Context.get(set, Replication.Replication)
    const program = Effect.gen(function*() {
      yield* Ddl.createAll([Events])
      yield* replication.caughtUp({ timeout: "1 minute" })
      const before = yield* replication.status
      let known = before.head
      let applied = before.shadows[0].position
      const commits = new Map<number, number>()
      const applies = new Map<number, number>()
      const observer = yield* Effect.fork(Stream.runForEach(replication.changes, (s) =>
        Effect.sync(() => {
          const now = performance.now()
          while (known < s.head) commits.set(++known, now)
          while (applied < s.shadows[0].position) applies.set(++applied, now)
        })))
      const duration = secondsFor(ctx) * 1000
      const writes: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
      let inFlight = 0
      const write = (i: number) =>
        Effect.ensuring(
          Query.run(Query.insert(Events, eventInsert(event(i)))),
          Effect.sync(() => inFlight--)
        )
      const started = performance.now()
      for (let elapsed = 0; elapsed < duration; elapsed = performance.now() - started) {
        // every write due by now is started (a timer cannot wake every millisecond); bounded: a primary that
        // cannot keep up gets at most MAX_IN_FLIGHT writes waiting, and the run still ends on time
        const due = Math.floor((elapsed * RATE) / 1000)
        while (writes.length < due && inFlight < MAX_IN_FLIGHT) {
          inFlight++
          writes.push(yield* Effect.fork(write(writes.length)))
        }
        yield* Effect.sleep("2 millis")
      }
      const total = writes.length
      yield* Fiber.joinAll(writes)
      const ended = performance.now()
      yield* replication.caughtUp({ timeout: "1 minute" })
      const last = before.head + total
      while (applied < last) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(observer)
      const lags: Array<{ at: number; lag: number }> = []
      for (let p = before.head + 1; p <= last; p++) {
        const c = commits.get(p)
        const a = applies.get(p)
        if (c !== undefined && a !== undefined) lags.push({ at: c, lag: a - c })
      }
      if (lags.length !== total) throw new Error(`${lags.length} of ${total} writes observed`)
      return { lags, writesPerSecond: total / ((ended - started) / 1000), started } satisfies Observed
    })
    return yield* Effect.provide(program, set)
  }).pipe(Effect.scoped)

const toResult = (h: ReturnType<typeof head>, observed: Observed): Result => {
  const sorted = observed.lags.map((l) => l.lag).sort((a, b) => a - b)
  // one sample per second of load: the median lag of the writes committed in it
  const seconds = new Map<number, Array<number>>()
  for (const { at, lag } of observed.lags) {
    const k = Math.floor((at - observed.started) / 1000)
    seconds.set(k, [...(seconds.get(k) ?? []), lag])
  }
  const samples = [...seconds.values()].map((xs) => percentile([...xs].sort((a, b) => a - b), 0.5))
  return {
    ...h,
    library: "quarry (replicated)",
    status: "ok",
    measurement: {
      samples,
      throughput: { ...stats(samples), median: percentile(sorted, 0.5) },
      opsPerSample: sorted.length,
      checksum: sorted.length
    },
    lag: {
      p95Ms: percentile(sorted, 0.95),
      maxMs: sorted[sorted.length - 1],
      writes: sorted.length,
      writesPerSecond: observed.writesPerSecond
    },
    note: "median over every write; spread: over the per-second medians"
  }
}

export const replicationLag: ReplicationWorkload = {
  id: "replication-lag",
  title: "Replication lag under 1k writes/s",
  work: "single-row `Query.insert`s started at 1,000 per second for 5 s (3 s in --quick; at most " +
    `${MAX_IN_FLIGHT} waiting: a primary that cannot keep up gets fewer, and the rate it reached is reported) ` +
    "on a replicated set in async mode with one shadow; per write, the time from its commit on the primary (the log's head covering it, as seen in " +
    "`Replication.changes`) to its apply on the shadow (the shadow's position covering it); median, p95, max",
  run: async (ctx, report) => {
    for (const pair of PAIRS) {
      const h = head(replicationLag, pair, "ms lag")
      const missing = available(ctx, pair)
      if (missing !== undefined) {
        report(skipped(h, ["quarry (replicated)"], missing))
        continue
      }
      try {
        report([toResult(h, await Effect.runPromise(observe(ctx, pair)))])
      } catch (error) {
        report(skipped(h, ["quarry (replicated)"], message(error), "failed"))
      }
    }
  }
}
