/**
 * The jobs of the serialized SQLite writer (see sqliteWriter.ts): a single
 * statement, or a whole transaction run by its caller on the writer's
 * connection; and how a job is failed.
 *
 * @internal
 */
import { type Cause, Deferred, Exit, FiberId } from "effect"
import * as DatabaseError from "../DatabaseError.js"
import { classify } from "./classifySqlite.js"
import type { Mode, Params } from "./sqliteConnection.js"
import type { JobTrace } from "./trace.js"

/** How the writer reports a job's outcome (an `Effect.async` resume, or a Deferred's completion). @internal */
export type Complete = (exit: Exit.Exit<unknown, DatabaseError.DatabaseError>) => void

/** One statement to run on the writer. @internal */
export class StatementJob {
  readonly _tag = "Statement"
  result: unknown = undefined
  constructor(
    readonly sql: string,
    readonly params: Params,
    readonly mode: Mode,
    readonly complete: Complete,
    /** The caller's span, when it is traced: the batch's span links to it. */
    readonly trace: JobTrace | undefined
  ) {}
}

/**
 * A whole transaction: the writer opens its savepoint, grants the connection
 * to the caller, waits until the caller says `done` (keep or roll back), and
 * completes `settled` once the batch has ended (failing it when a kept
 * transaction could not be committed).
 *
 * @internal
 */
export class TransactionJob {
  readonly _tag = "Transaction"
  constructor(readonly trace: JobTrace | undefined) {}
  /** Set by a caller that stopped waiting before being granted the connection. */
  abandoned = false
  /** Run alone in a batch with foreign-key enforcement off (see `TransactionOptions.foreignKeysOff`). */
  foreignKeysOff = false
  readonly granted: Deferred.Deferred<void, DatabaseError.DatabaseError> = Deferred.unsafeMake(FiberId.none)
  /** `true`: release the savepoint (keep the work); `false`: roll it back. */
  readonly done: Deferred.Deferred<boolean> = Deferred.unsafeMake(FiberId.none)
  readonly settled: Deferred.Deferred<void, DatabaseError.DatabaseError> = Deferred.unsafeMake(FiberId.none)
}

/** A job the writer accepted. @internal */
export type Accepted = StatementJob | TransactionJob

/** Answer a job with a failure (a transaction job both ways: not granted, not settled). @internal */
export const failJob = (job: Accepted, cause: Cause.Cause<DatabaseError.DatabaseError>): void => {
  const exit = Exit.failCause(cause)
  if (job._tag === "Statement") job.complete(exit)
  else {
    Deferred.unsafeDone(job.granted, exit)
    Deferred.unsafeDone(job.settled, exit)
  }
}

/** What a transaction job learns when another write's failure rolled back the batch it was part of. @internal */
export const rolledBack = (cause: DatabaseError.DatabaseError): DatabaseError.DatabaseError =>
  new DatabaseError.SerializationFailure({
    dialect: "sqlite",
    sql: cause.sql,
    code: cause.code,
    message: `the transaction was rolled back with the batch it was committed in, by another write's failure (${cause.message}); run it again`,
    cause
  })

/** The failure of a job after which SQLite no longer had the transaction open. @internal */
export const lostTransaction = (sql: string): DatabaseError.DatabaseError =>
  classify(new Error("SQLite rolled back the whole transaction (after an I/O, disk-full or similar failure)"), sql)
