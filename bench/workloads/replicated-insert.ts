/**
 * Replicated insert: one row per `Query.insert` (its own transaction), on a
 * replicated set in async mode with one shadow, against the same insert on
 * the same kind of primary without replication. Both are measured side by
 * side by the harness (round-robin samples). The shipper runs in the same
 * process while the inserts are timed (that is its cost); after each timed
 * call the replicated subject waits, untimed, until the shadow has caught up,
 * so that no shipping spills into the other subject's next sample.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Query from "../../src/query/Query.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { effectSubject } from "../clients/entries.js"
import { eventInsert, Events } from "../clients/quarry.js"
import { event } from "../data/dataset.js"
import { type Measurement, measure, type Plan, type Subject } from "../harness.js"
import {
  available,
  compared,
  freshTarget,
  head,
  layerAt,
  type Pair,
  replicated,
  type ReplicationContext,
  type ReplicationWorkload,
  skipped
} from "../replication.js"
import type { Library } from "../workload.js"

const PAIRS: ReadonlyArray<Pair> = [["sqlite", "sqlite"], ["postgres", "sqlite"]]

const plan: Plan = { verifyOps: 16, unitsPerOp: 1, maxOps: 20_000 }

const insert = (i: number) => Effect.map(Query.run(Query.insert(Events, eventInsert(event(i)))), (r) => r.rowsAffected)

const CAUGHT_UP = { timeout: "5 minutes" } as const

/** A runtime on `layer` with the `events` table created (through the log, when replicated). */
const open = async (layer: Layer.Layer<any, unknown>, isReplicated: boolean) => {
  // `any`: a plain database, or a replicated set that also provides `Replication`
  const runtime: ManagedRuntime.ManagedRuntime<any, unknown> = ManagedRuntime.make(layer)
  await runtime.runPromise(Ddl.createAll([Events]))
  if (isReplicated) await runtime.runPromise(Replication.caughtUp(CAUGHT_UP))
  return runtime
}

const run = async (ctx: ReplicationContext, pair: Pair) => {
  const [primary, shadow] = pair
  const plain = await open(layerAt(primary, await freshTarget(primary, "insert_plain"), ctx.pool), false)
  const set = await open(
    replicated(
      layerAt(primary, await freshTarget(primary, "insert_primary"), ctx.pool),
      { shadow: layerAt(shadow, await freshTarget(shadow, "insert_shadow"), ctx.pool) },
      [Events]
    ),
    true
  )
  const replicatedSubject: Subject = {
    ...effectSubject(set, insert),
    settle: () => set.runPromise(Replication.caughtUp(CAUGHT_UP))
  }
  const errors = new Map<Library, unknown>()
  try {
    const measured = await measure(
      [{ name: "quarry", subject: effectSubject(plain, insert) }, { name: "quarry (replicated)", subject: replicatedSubject }],
      plan,
      // a commit on a server costs milliseconds (fsync): longer samples than the default, so each holds enough of them
      { ...ctx.settings, sampleMs: Math.max(ctx.settings.sampleMs, 300), samples: Math.max(ctx.settings.samples, 5) },
      (name, error) => errors.set(name as Library, error)
    )
    return { measured: measured as ReadonlyMap<string, Measurement> as ReadonlyMap<Library, Measurement>, errors }
  } finally {
    await plain.dispose()
    await set.dispose()
  }
}

export const replicatedInsert: ReplicationWorkload = {
  id: "replicated-insert",
  title: "Replicated insert (async, one shadow)",
  work: "`Query.insert` + `Query.run` of one row per op (one transaction each, as in `insert-one`) on a replicated set " +
    "in async mode with one shadow, vs the same insert on the primary's dialect without replication; the shipper " +
    "runs in the same process during the timed calls, and the shadow catches up (untimed) after each call",
  run: async (ctx, report) => {
    for (const pair of PAIRS) {
      const h = head(replicatedInsert, pair, "ops/s")
      const libraries: ReadonlyArray<Library> = ["quarry", "quarry (replicated)"]
      const missing = available(ctx, pair)
      if (missing !== undefined) {
        report(skipped(h, libraries, missing))
        continue
      }
      try {
        const { measured, errors } = await run(ctx, pair)
        report(compared(h, measured, errors, {
          quarry: `the same insert, ${pair[0] === "sqlite" ? "SQLite file" : "database"} without replication`,
          "quarry (replicated)": "`Replicated.layer` (async): the write and its log entry in one transaction; the shipper wakes at the commit"
        }))
      } catch (error) {
        report(skipped(h, libraries, `setup: ${String(error instanceof Error ? error.message : error).slice(0, 300)}`, "failed"))
      }
    }
  }
}
