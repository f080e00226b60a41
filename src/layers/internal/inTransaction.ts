/**
 * Whether a fiber is inside a transaction of a database. A layer knows (its
 * transaction level is a FiberRef of its own) and carries the answer under
 * {@link InTransaction}; for a database without it, an open
 * `Database.transaction` is the sign. The query cache reads this to keep
 * transactions off the cache: their reads must see their own writes, and
 * what they read is not committed.
 */
import { type Fiber, FiberRef, type Effect } from "effect"
import type { Database } from "../Database.js"

/** The key of the capability on a `Database` object. */
export const InTransaction: unique symbol = Symbol.for("effect-quarry/InTransaction")

/** A database that can tell. */
export interface KnowsTransaction {
  readonly [InTransaction]: (fiber: Fiber.RuntimeFiber<unknown, unknown>) => boolean
}

/** The after-commit actions of the innermost open `Database.transaction` of a fiber. */
export const pendingAfterCommit = FiberRef.unsafeMake<Array<Effect.Effect<void>> | undefined>(undefined)

/** Whether `fiber` is inside a transaction of `db`. */
export const inTransaction = (db: Database, fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  InTransaction in db
    ? (db as Database & KnowsTransaction)[InTransaction](fiber)
    : fiber.getFiberRef(pendingAfterCommit) !== undefined
