/**
 * Transactions on the serialized SQLite writer.
 *
 * A top-level transaction is a writer job: the writer opens its savepoint
 * inside the current batch and hands the connection over until the body ends.
 * While it runs, every statement of the same layer instance (found through a
 * FiberRef owned by that instance, never `@effect/sql`'s global
 * `TransactionConnection`) runs directly on the writer connection.
 *
 * Nested transactions are savepoints named from a counter. SQLite savepoints
 * form a stack, so concurrent siblings cannot be open at once: each scope has
 * a lock that a nested transaction holds for its duration and that the
 * scope's own statements pass through, so siblings take turns and a failing
 * sibling rolls back only its own work.
 *
 * @internal
 */
import { Deferred, Effect, Exit, type Fiber, FiberRef } from "effect"
import * as DatabaseError from "../DatabaseError.js"
import { classify } from "./classifySqlite.js"
import { type Connection, execute, type Mode, type Params } from "./sqliteConnection.js"
import { TransactionJob } from "./sqliteJob.js"
import type { Writer } from "./sqliteWriter.js"
import { jobTrace } from "./trace.js"

/** One level of an open transaction. @internal */
export class TxScope {
  /** Set when the body ended: fibers that outlive it go back to the queue. */
  closed = false
  /** Held by a nested transaction of this level for its duration. */
  readonly lock = Effect.unsafeMakeSemaphore(1)
  /** Whether a nested transaction holds `lock` now (statements of this level must wait for it). */
  nestedOpen = false
}

/** @internal */
export interface Transactions {
  /** The open transaction level of this layer instance in the current fiber. */
  readonly ref: FiberRef.FiberRef<TxScope | undefined>
  /** How many levels are open in any fiber: while 0, `ref` need not be read. */
  readonly open: () => number
  /** Run a statement at an open level. */
  readonly run: (
    scope: TxScope,
    sql: string,
    params: Params,
    mode: Mode
  ) => Effect.Effect<unknown, DatabaseError.DatabaseError>
  /** A transaction (top-level or nested); `onError` maps the transaction's own failures. */
  readonly transaction: <A, E, R, E2>(
    effect: Effect.Effect<A, E, R>,
    onError: (error: DatabaseError.DatabaseError) => E2,
    foreignKeysOff?: boolean
  ) => Effect.Effect<A, E | E2, R>
}

/** @internal */
export const make = (
  connection: Connection,
  writer: Writer,
  closingError: () => DatabaseError.DatabaseError
): Transactions => {
  const ref = FiberRef.unsafeMake<TxScope | undefined>(undefined)
  let counter = 0
  let opened = 0
  const enter = () => {
    opened++
    return new TxScope()
  }
  const leave = (scope: TxScope) => {
    scope.closed = true
    opened--
  }

  const exec = (sql: string): DatabaseError.DatabaseError | undefined => {
    try {
      connection.db.exec(sql)
      return undefined
    } catch (cause) {
      return classify(cause, sql)
    }
  }

  const runNow = (sql: string, params: Params, mode: Mode): Exit.Exit<unknown, DatabaseError.DatabaseError> => {
    try {
      return Exit.succeed(execute(connection.prepare(sql).stmt, params, mode))
    } catch (cause) {
      return Exit.fail(classify(cause, sql))
    }
  }

  // A statement is synchronous: unless a nested transaction of its level is open (and holds the
  // lock), nothing can run between its start and its end, and it needs no lock.
  const run = (scope: TxScope, sql: string, params: Params, mode: Mode): Effect.Effect<unknown, DatabaseError.DatabaseError> =>
    Effect.suspend(() =>
      scope.nestedOpen ? scope.lock.withPermits(1)(Effect.suspend(() => runNow(sql, params, mode))) : runNow(sql, params, mode)
    )

  const nested = <A, E, R, E2>(
    parent: TxScope,
    effect: Effect.Effect<A, E, R>,
    onError: (error: DatabaseError.DatabaseError) => E2
  ): Effect.Effect<A, E | E2, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        yield* restore(parent.lock.take(1))
        parent.nestedOpen = true
        const name = `quarry_sp_${++counter}`
        const refused = exec(`SAVEPOINT ${name}`)
        if (refused !== undefined) {
          parent.nestedOpen = false
          yield* parent.lock.release(1)
          return yield* Effect.fail(onError(refused))
        }
        const scope = enter()
        const exit = yield* Effect.exit(restore(Effect.locally(effect, ref, scope)))
        leave(scope)
        const ended = Exit.isSuccess(exit)
          ? exec(`RELEASE ${name}`)
          : exec(`ROLLBACK TO ${name}`) ?? exec(`RELEASE ${name}`)
        parent.nestedOpen = false
        yield* parent.lock.release(1)
        if (Exit.isSuccess(exit) && ended !== undefined) return yield* Effect.fail(onError(ended))
        return yield* exit
      })
    )

  const topLevel = <A, E, R, E2>(
    fiber: Fiber.RuntimeFiber<unknown, unknown>,
    effect: Effect.Effect<A, E, R>,
    onError: (error: DatabaseError.DatabaseError) => E2,
    foreignKeysOff: boolean
  ): Effect.Effect<A, E | E2, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const job = new TransactionJob(jobTrace(fiber))
        job.foreignKeysOff = foreignKeysOff
        if (!writer.offer(job)) return yield* Effect.fail(onError(closingError()))
        const granted = yield* Effect.exit(restore(Deferred.await(job.granted)))
        if (Exit.isFailure(granted)) {
          // Interrupted (or refused) while queued: the writer skips or rolls back the job.
          job.abandoned = true
          Deferred.unsafeDone(job.done, Exit.succeed(false))
          return yield* Effect.mapError(Effect.failCause(granted.cause), onError)
        }
        const scope = enter()
        const exit = yield* Effect.exit(restore(Effect.locally(effect, ref, scope)))
        leave(scope)
        Deferred.unsafeDone(job.done, Exit.succeed(Exit.isSuccess(exit)))
        // Answered only once the batch holding it has ended: success means
        // committed, and a failure caused by a write of the same batch (a
        // unique violation) finds that write committed.
        const settled = yield* Effect.exit(restore(Deferred.await(job.settled)))
        const value = yield* exit
        if (Exit.isFailure(settled)) return yield* Effect.mapError(Effect.failCause(settled.cause), onError)
        return value
      })
    )

  const transaction = <A, E, R, E2>(
    effect: Effect.Effect<A, E, R>,
    onError: (error: DatabaseError.DatabaseError) => E2,
    foreignKeysOff = false
  ): Effect.Effect<A, E | E2, R> =>
    Effect.withFiberRuntime((fiber) => {
      const scope = fiber.getFiberRef(ref)
      if (scope !== undefined && !scope.closed) {
        return foreignKeysOff
          ? Effect.fail(onError(
            new DatabaseError.DatabaseFailure({
              dialect: "sqlite",
              message: "foreign keys can be turned off only for a top-level transaction"
            })
          ))
          : nested(scope, effect, onError)
      }
      if (writer.closing) return Effect.fail(onError(closingError()))
      return topLevel(fiber, effect, onError, foreignKeysOff)
    })

  return { ref, open: () => opened, run, transaction }
}
