/**
 * Batching of loads by key across fibers (DataLoader for Effect). A load
 * joins the open batch of its fetch, database and transaction, or opens one;
 * the batch is read once the current turn of the event loop has run (every
 * fiber that was ready has had its turn to join), with ONE query per
 * relation level, and each waiting fiber is resumed with its rows.
 *
 * The batch runs in a fiber carrying the context and fiber refs of the load
 * that opened it, so a batch made inside a transaction reads through that
 * transaction. Loads join a batch only when their transaction state is the
 * same: fiber refs whose initial value is `undefined` (how layers and
 * `Database.transaction` mark an open transaction) must hold the same values.
 *
 * Effect's own request batching (`Effect.request` with `batching: true`)
 * costs more per request than a query per key on a fast database, and only
 * batches the fibers of one `forEach` / `all`; this batches any fibers.
 */
import { Context, Effect, Exit, type Fiber, FiberRefs, Runtime } from "effect"
import { Database } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as QueryError from "../../query/QueryError.js"
import { keyOf, keyValue } from "./relationDef.js"
import { type Fetch, fetchGroups } from "./relationLoad.js"

type Failure = QueryError.QueryError | DatabaseError

type Rows = ReadonlyArray<any>

interface Waiter {
  readonly key: unknown
  readonly resume: (effect: Effect.Effect<Rows, Failure>) => void
}

/** Fiber-ref values marking the transaction a fiber is in. */
type Marks = ReadonlyArray<readonly [unknown, unknown]>

interface Batch {
  readonly db: Database
  readonly marks: Marks
  readonly runtime: Runtime.Runtime<never>
  readonly waiters: Set<Waiter>
}

const open = new WeakMap<Fetch, Array<Batch>>()

const none: Marks = []

const marksOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Marks => {
  const refs = fiber.getFiberRefs()
  let marks: Array<readonly [unknown, unknown]> | undefined
  const mark = (ref: unknown, value: unknown) => {
    if ((ref as { readonly initial?: unknown }).initial === undefined && value !== undefined) (marks ??= []).push([ref, value])
  }
  // the fiber's own values (no set built per load) where the runtime exposes them, else the public API
  const locals = (refs as unknown as { readonly locals?: unknown }).locals
  if (locals instanceof Map) {
    for (const [ref, stack] of locals as Map<unknown, ReadonlyArray<readonly [unknown, unknown]>>) mark(ref, stack[0][1])
  } else {
    for (const ref of FiberRefs.fiberRefs(refs)) mark(ref, FiberRefs.getOrDefault(refs, ref))
  }
  return marks ?? none
}

const sameMarks = (a: Marks, b: Marks): boolean => {
  if (a.length !== b.length) return false
  for (const [ref, value] of a) {
    if (!b.some(([r, v]) => r === ref && v === value)) return false
  }
  return true
}

const defer: (f: () => void) => void = typeof setImmediate === "function" ? (f) => setImmediate(f) : (f) => setTimeout(f, 0)

const flush = (fetch: Fetch, batch: Batch): void => {
  const batches = open.get(fetch)
  if (batches !== undefined) {
    const i = batches.indexOf(batch)
    if (i >= 0) batches.splice(i, 1)
  }
  const waiters = Array.from(batch.waiters)
  if (waiters.length === 0) return
  Runtime.runFork(batch.runtime)(
    Effect.map(Effect.exit(fetchGroups(batch.db, fetch, waiters.map((w) => w.key))), (exit) => {
      for (const w of waiters) {
        if (Exit.isFailure(exit)) {
          w.resume(exit as Exit.Exit<never, Failure>)
          continue
        }
        const key = keyValue(w.key)
        w.resume(Effect.succeed((key === null ? undefined : exit.value.get(keyOf(key))) ?? []))
      }
    })
  )
}

/** The rows of a fetch matching one key, read together with the other loads of the same turn. */
export const load = (fetch: Fetch, key: unknown): Effect.Effect<Rows, Failure, Database> =>
  Effect.withFiberRuntime<Rows, Failure, Database>((fiber) => {
    const db = Context.unsafeGet(fiber.currentContext as Context.Context<Database>, Database)
    const marks = marksOf(fiber)
    let batches = open.get(fetch)
    if (batches === undefined) {
      batches = []
      open.set(fetch, batches)
    }
    let batch = batches.find((b) => b.db === db && sameMarks(b.marks, marks))
    if (batch === undefined) {
      const runtime = Runtime.make({
        context: fiber.currentContext,
        fiberRefs: fiber.getFiberRefs(),
        runtimeFlags: Runtime.defaultRuntimeFlags
      })
      const opened: Batch = { db, marks, runtime, waiters: new Set() }
      batches.push(opened)
      defer(() => flush(fetch, opened))
      batch = opened
    }
    const joined = batch
    return Effect.async<Rows, Failure>((resume) => {
      const waiter: Waiter = { key, resume }
      joined.waiters.add(waiter)
      return Effect.sync(() => {
        joined.waiters.delete(waiter)
      })
    })
  })
