/**
 * A database's rows, asked for from inside a running fiber. A database that
 * can answer synchronously (SQLite: a read on a reader connection) carries
 * the capability under {@link ReadNow}; the query layer then gets an `Exit`
 * back and decodes it in the same step, instead of scheduling several
 * effects per read. Every other database answers with its `all` effect.
 */
import { Context, Effect, Effectable, Fiber } from "effect"
import { Database, type Row, type Statement } from "../Database.js"
import type { DatabaseError } from "../DatabaseError.js"

/** The key of the capability on a `Database` object. */
export const ReadNow: unique symbol = Symbol.for("effect-quarry/ReadNow")

/**
 * The rows of `statement` for `fiber`: an `Exit` when they could be read at
 * once, else an effect to run. With `one`, only the first row is read (the
 * caller knows there cannot be a second one).
 */
export type ReadNowFn = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  statement: Statement,
  one: boolean
) => Effect.Effect<ReadonlyArray<Row>, DatabaseError>

/** A database with the capability. */
export interface CanReadNow {
  readonly [ReadNow]: ReadNowFn
}

/**
 * `db.all(statement)`, run now where the database can and the running fiber
 * is known; `one` (a statement that cannot return two rows) lets such a
 * database stop after the first row.
 */
export const allNow = (
  db: Database,
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined,
  statement: Statement,
  one = false
): Effect.Effect<ReadonlyArray<Row>, DatabaseError> =>
  fiber !== undefined && ReadNow in db ? (db as Database & CanReadNow)[ReadNow](fiber, statement, one) : db.all(statement)

type Running = Fiber.RuntimeFiber<unknown, unknown>

/**
 * The effect of `withDatabase`: one object whose `commit` runs `f` when the
 * fiber evaluates it. Committing is one step of the run loop, where
 * `Effect.withFiberRuntime` is two and a status object; the fiber is the one
 * running the loop (Effect sets it while it runs a fiber).
 */
class WithDatabase<A, E, R> extends Effectable.Class<A, E, R | Database> {
  constructor(private readonly f: (db: Database, fiber: Running) => Effect.Effect<A, E, R>) {
    super()
  }
  commit(): Effect.Effect<A, E, R | Database> {
    const current = Fiber.getCurrentFiber()
    return current._tag === "Some" ? run(current.value as Running, this.f) : Effect.withFiberRuntime((fiber) => run(fiber as Running, this.f))
  }
}

const run = <A, E, R>(fiber: Running, f: (db: Database, fiber: Running) => Effect.Effect<A, E, R>) =>
  f(Context.unsafeGet(fiber.currentContext as Context.Context<Database>, Database), fiber)

/**
 * `Effect.flatMap(Database, (db) => f(db, fiber))` in one step: the service
 * read straight from the running fiber's context.
 */
export const withDatabase = <A, E, R>(
  f: (db: Database, fiber: Fiber.RuntimeFiber<unknown, unknown>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | Database> => new WithDatabase(f)
