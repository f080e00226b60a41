/**
 * Transactions of a pooled database, owned by the layer instance: the root
 * reserves a connection, opens the transaction with the isolation asked for,
 * runs the effect with every statement of this database on that connection,
 * then commits, or rolls back on failure, defect or interruption (the
 * rollback itself cannot be interrupted; a connection whose rollback failed is
 * closed, never returned to the pool). Nested calls make savepoints named from
 * a per-transaction counter.
 *
 * @internal
 */
import { Cause, Effect, Exit, FiberRef, Option, Scope } from "effect"
import type { IsolationLevel, TransactionOptions } from "../Database.js"
import type * as DatabaseError from "../DatabaseError.js"
import type { Connections, Level, Tx } from "./poolConnection.js"

/**
 * `transaction(toError)` runs effects in transactions; `toError` turns the
 * failures of the transaction itself (begin, commit, savepoints) into the
 * caller's error type: the identity for `Database.transaction`, a `SqlError`
 * for `SqlClient.withTransaction`.
 *
 * @internal
 */
export const make = (c: Connections) =>
<E2>(toError: (error: DatabaseError.DatabaseError) => E2) =>
<A, E, R>(effect: Effect.Effect<A, E, R>, options?: TransactionOptions): Effect.Effect<A, E | E2, R> =>
  Effect.flatMap(FiberRef.get(c.current), (level) =>
    level === undefined
      ? root(c, toError, effect, options?.isolation)
      : nested(c, toError, level, effect, options?.isolation))

const root = <A, E, R, E2>(
  c: Connections,
  toError: (error: DatabaseError.DatabaseError) => E2,
  effect: Effect.Effect<A, E, R>,
  isolation: IsolationLevel | undefined
): Effect.Effect<A, E | E2, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const acquired = yield* Effect.exit(restore(Scope.extend(c.acquire, scope)))
      if (Exit.isFailure(acquired)) {
        yield* Scope.close(scope, Exit.void)
        return yield* Effect.failCause(Cause.map(acquired.cause, toError))
      }
      const tx: Tx = { conn: acquired.value, isolation, counter: 0, open: true, lost: undefined }
      const level: Level = { tx, lock: Effect.unsafeMakeSemaphore(1) }
      const begun = yield* Effect.exit(restore(Effect.forEach(c.driver.begin(isolation), (sql) => c.control(tx.conn, sql))))
      const exit: Exit.Exit<A, E | E2> = Exit.isFailure(begun)
        ? Exit.failCause(Cause.map(begun.cause, toError))
        : yield* Effect.exit(restore(Effect.locally(effect, c.current, level)))
      const result = yield* finish(c, tx, exit, toError)
      yield* Scope.close(scope, Exit.void)
      return yield* result
    })
  )

const finish = <A, E, E2>(
  c: Connections,
  tx: Tx,
  exit: Exit.Exit<A, E | E2>,
  toError: (error: DatabaseError.DatabaseError) => E2
): Effect.Effect<Exit.Exit<A, E | E2>> =>
  Effect.gen(function*() {
    tx.open = false
    if (Exit.isSuccess(exit) && tx.lost === undefined) {
      const committed = yield* Effect.exit(c.control(tx.conn, "COMMIT"))
      if (Exit.isSuccess(committed)) {
        return c.driver.commitRolledBack(committed.value)
          ? Exit.fail(toError(c.failure(
            "the transaction was aborted by an earlier failed statement and has been rolled back",
            "25P02"
          )))
          : exit
      }
      yield* rollback(c, tx)
      return Exit.failCause(Cause.map(committed.cause, toError))
    }
    yield* rollback(c, tx)
    return Exit.isSuccess(exit) ? Exit.fail(toError(tx.lost!)) : exit
  })

// A connection whose rollback failed may still hold the transaction: close it.
const rollback = (c: Connections, tx: Tx) =>
  Effect.exit(c.control(tx.conn, "ROLLBACK")).pipe(
    Effect.flatMap((exit) =>
      Exit.isSuccess(exit) && tx.lost?._tag !== "ConnectionError" ? Effect.void : c.driver.discard(tx.conn)
    )
  )

const nested = <A, E, R, E2>(
  c: Connections,
  toError: (error: DatabaseError.DatabaseError) => E2,
  parent: Level,
  effect: Effect.Effect<A, E, R>,
  isolation: IsolationLevel | undefined
): Effect.Effect<A, E | E2, R> => {
  const tx = parent.tx
  if (isolation !== undefined && isolation !== tx.isolation) {
    return Effect.fail(toError(c.failure(
      `a nested transaction cannot change the isolation level (${tx.isolation ?? "default"} → ${isolation})`
    )))
  }
  return parent.lock.withPermits(1)(Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const refused = tx.lost ?? (tx.open ? undefined : c.failure("the transaction has already ended"))
      if (refused !== undefined) return yield* Effect.fail(toError(refused))
      const name = `quarry_sp_${++tx.counter}`
      const saved = yield* Effect.exit(c.control(tx.conn, `SAVEPOINT ${name}`))
      if (Exit.isFailure(saved)) return yield* Effect.failCause(Cause.map(saved.cause, toError))
      const exit = yield* Effect.exit(restore(Effect.locally(effect, c.current, {
        tx,
        lock: Effect.unsafeMakeSemaphore(1)
      })))
      if (tx.lost !== undefined) {
        return yield* (Exit.isSuccess(exit) ? Effect.fail(toError(tx.lost)) : exit)
      }
      const ended = yield* Effect.exit(
        Exit.isSuccess(exit)
          ? c.control(tx.conn, `RELEASE SAVEPOINT ${name}`)
          : Effect.zipRight(
            c.control(tx.conn, `ROLLBACK TO SAVEPOINT ${name}`),
            c.control(tx.conn, `RELEASE SAVEPOINT ${name}`)
          )
      )
      if (Exit.isFailure(ended)) {
        // The transaction no longer matches what the caller believes: it may only roll back now.
        const error = Option.getOrElse(Cause.failureOption(ended.cause), () => c.failure(`savepoint ${name} failed`))
        tx.lost ??= error
        return yield* (Exit.isSuccess(exit) ? Effect.fail(toError(error)) : exit)
      }
      return yield* exit
    })
  ))
}
