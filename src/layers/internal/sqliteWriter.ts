/**
 * The serialized SQLite writer: one connection, one FIFO queue, one fiber.
 *
 * The fiber takes everything pending (up to `maxBatch` jobs), opens
 * `BEGIN IMMEDIATE` (retrying `Busy` on a schedule, so cross-process
 * contention waits instead of failing), runs each job inside its own
 * `SAVEPOINT` so that a failing job fails only its own caller, then commits
 * once and only then acknowledges every job of the batch: an acknowledged
 * write is a committed write (group commit).
 *
 * @internal
 */
import type Sqlite from "better-sqlite3"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, FiberId, Queue, type Schedule } from "effect"
import type * as DatabaseError from "../DatabaseError.js"
import { classify } from "./classifySqlite.js"
import { type Connection, execute, type Mode, type Params } from "./sqliteConnection.js"

/** How the writer reports a job's outcome (an `Effect.async` resume, or a Deferred's completion). @internal */
export type Complete = (exit: Exit.Exit<unknown, DatabaseError.DatabaseError>) => void

/** One statement to run on the writer. @internal */
export class StatementJob {
  readonly _tag = "Statement"
  result: unknown = undefined
  constructor(readonly sql: string, readonly params: Params, readonly mode: Mode, readonly complete: Complete) {}
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
  /** Set by a caller that stopped waiting before being granted the connection. */
  abandoned = false
  readonly granted: Deferred.Deferred<void, DatabaseError.DatabaseError> = Deferred.unsafeMake(FiberId.none)
  /** `true`: release the savepoint (keep the work); `false`: roll it back. */
  readonly done: Deferred.Deferred<boolean> = Deferred.unsafeMake(FiberId.none)
  readonly settled: Deferred.Deferred<void, DatabaseError.DatabaseError> = Deferred.unsafeMake(FiberId.none)
}

const Stop = { _tag: "Stop" } as const

// Effect's scheduler runs fibers on microtasks and only rarely yields to the
// event loop; a busy writer would otherwise starve I/O between its commits.
const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

type Job = StatementJob | TransactionJob | typeof Stop
type Accepted = StatementJob | TransactionJob

/** @internal */
export interface WriterOptions {
  readonly connection: Connection
  readonly maxBatch: number
  readonly busyRetry: Schedule.Schedule<unknown, unknown>
  readonly onBatch?: ((info: { readonly size: number }) => void) | undefined
}

const failJob = (job: Accepted, cause: Cause.Cause<DatabaseError.DatabaseError>): void => {
  const exit = Exit.failCause(cause)
  if (job._tag === "Statement") job.complete(exit)
  else {
    Deferred.unsafeDone(job.granted, exit)
    Deferred.unsafeDone(job.settled, exit)
  }
}

const lostTransaction = (sql: string): DatabaseError.DatabaseError =>
  classify(new Error("SQLite rolled back the whole transaction (after an I/O, disk-full or similar failure)"), sql)

/** @internal */
export class Writer {
  /** Between BEGIN and the end of COMMIT (single-connection mode reads check it). */
  inBatch = false
  /** No new job is accepted once set. */
  closing = false
  private fiber: Fiber.RuntimeFiber<void> | undefined

  private readonly conn: Connection
  private readonly begin: Effect.Effect<void, DatabaseError.DatabaseError>
  private readonly commitStmt: Sqlite.Statement
  private readonly rollbackStmt: Sqlite.Statement
  private readonly savepoint: Sqlite.Statement
  private readonly release: Sqlite.Statement
  private readonly rollbackTo: Sqlite.Statement

  constructor(private readonly queue: Queue.Queue<Job>, private readonly options: WriterOptions) {
    const conn = options.connection
    this.conn = conn
    const beginStmt = conn.db.prepare("BEGIN IMMEDIATE")
    this.commitStmt = conn.db.prepare("COMMIT")
    this.rollbackStmt = conn.db.prepare("ROLLBACK")
    this.savepoint = conn.db.prepare("SAVEPOINT quarry_job")
    this.release = conn.db.prepare("RELEASE quarry_job")
    this.rollbackTo = conn.db.prepare("ROLLBACK TO quarry_job")
    this.begin = Effect.suspend(() => {
      try {
        beginStmt.run()
        return Effect.void
      } catch (cause) {
        return Effect.fail(classify(cause, "BEGIN IMMEDIATE"))
      }
    }).pipe(Effect.retry({ schedule: options.busyRetry, while: (e) => e._tag === "Busy" }))
  }

  /**
   * Accept a job, unless closing. Checking and enqueueing in one synchronous
   * step is what guarantees that no job lands behind the shutdown's stop
   * marker (where nothing would ever run it).
   */
  offer(job: StatementJob | TransactionJob): boolean {
    if (this.closing) return false
    this.queue.unsafeOffer(job)
    return true
  }

  /** Fork the writer fiber as a daemon: only `shutdown` ends it, after draining. */
  get start(): Effect.Effect<void> {
    return Effect.map(Effect.forkDaemon(this.loop), (fiber) => {
      this.fiber = fiber
    })
  }

  /** Stop accepting, run every accepted job, wait for the last commit. */
  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (!this.closing) {
        this.closing = true
        this.queue.unsafeOffer(Stop)
      }
      return this.fiber === undefined ? Effect.void : Effect.asVoid(Fiber.await(this.fiber))
    })
  }

  private get loop(): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      while (true) {
        const jobs = Chunk.toReadonlyArray(yield* Queue.takeBetween(self.queue, 1, self.options.maxBatch))
        const stop = jobs[jobs.length - 1] === Stop
        const accepted = (stop ? jobs.slice(0, -1) : jobs) as ReadonlyArray<Accepted>
        if (accepted.length > 0) {
          yield* self.batch(accepted).pipe(Effect.catchAllCause((cause) => self.crashed(accepted, cause)))
        }
        if (stop) return
        // Let the callers just acknowledged enqueue their next writes, and let
        // the event loop serve I/O (and signals), before the next batch.
        yield* yieldToEventLoop
      }
    })
  }

  // A bug (defect) in a batch must not leave callers waiting forever.
  private crashed(jobs: ReadonlyArray<Accepted>, cause: Cause.Cause<unknown>): Effect.Effect<void> {
    return Effect.sync(() => {
      this.inBatch = false
      try {
        if (this.conn.db.inTransaction) this.rollbackStmt.run()
      } catch {
        // the connection is unusable; the jobs fail below anyway
      }
      const died = Cause.die(Cause.squash(cause))
      for (const job of jobs) failJob(job, died)
    })
  }

  private batch(jobs: ReadonlyArray<Accepted>): Effect.Effect<void> {
    const self = this
    const db = this.conn.db
    return Effect.gen(function*() {
      let i = 0
      while (i < jobs.length) {
        const began = yield* Effect.exit(self.begin)
        if (Exit.isFailure(began)) {
          for (; i < jobs.length; i++) failJob(jobs[i], began.cause)
          return
        }
        self.inBatch = true
        const kept: Array<Accepted> = []
        // Failures are reported only once the batch has ended too: a unique
        // violation against a write of the same batch must find that write
        // committed (and visible to the caller's next read).
        const settle: Array<() => void> = []
        let lost: DatabaseError.DatabaseError | undefined
        for (; i < jobs.length && lost === undefined; i++) {
          const job = jobs[i]
          const failure = job._tag === "Statement"
            ? self.statement(job, kept, settle)
            : yield* self.transaction(job, kept, settle)
          if (!db.inTransaction) lost = failure ?? lostTransaction(job._tag === "Statement" ? job.sql : "SAVEPOINT")
        }
        if (lost === undefined) {
          try {
            self.commitStmt.run()
          } catch (cause) {
            lost = classify(cause, "COMMIT")
            try {
              if (db.inTransaction) self.rollbackStmt.run()
            } catch {
              // the failure below says what happened
            }
          }
        }
        self.inBatch = false
        for (const report of settle) report()
        if (lost !== undefined) {
          for (const job of kept) failJob(job, Cause.fail(lost))
          continue
        }
        for (const job of kept) {
          if (job._tag === "Statement") job.complete(Exit.succeed(job.result))
          else Deferred.unsafeDone(job.settled, Exit.void)
        }
        self.options.onBatch?.({ size: kept.length })
      }
    })
  }

  /** Run one statement job in its savepoint; its failure (if any) is returned. */
  private statement(
    job: StatementJob,
    kept: Array<Accepted>,
    settle: Array<() => void>
  ): DatabaseError.DatabaseError | undefined {
    try {
      this.savepoint.run()
      job.result = execute(this.conn.prepare(job.sql).stmt, job.params, job.mode)
      this.release.run()
      kept.push(job)
      return undefined
    } catch (cause) {
      const error = classify(cause, job.sql)
      this.undo()
      settle.push(() => job.complete(Exit.fail(error)))
      return error
    }
  }

  /** Grant the connection to a transaction job and wait until its caller is done. */
  private transaction(
    job: TransactionJob,
    kept: Array<Accepted>,
    settle: Array<() => void>
  ): Effect.Effect<DatabaseError.DatabaseError | undefined> {
    if (job.abandoned) return Effect.succeed(undefined)
    try {
      this.savepoint.run()
    } catch (cause) {
      const error = classify(cause, "SAVEPOINT quarry_job")
      failJob(job, Cause.fail(error))
      return Effect.succeed(error)
    }
    Deferred.unsafeDone(job.granted, Exit.void)
    return Effect.map(Deferred.await(job.done), (keep) => {
      if (!keep) {
        this.undo()
        settle.push(() => Deferred.unsafeDone(job.settled, Exit.void))
        return undefined
      }
      let error: DatabaseError.DatabaseError | undefined
      if (!this.conn.db.inTransaction) {
        error = lostTransaction("RELEASE quarry_job")
      } else {
        try {
          this.release.run()
          kept.push(job)
          return undefined
        } catch (cause) {
          error = classify(cause, "RELEASE quarry_job")
          this.undo()
        }
      }
      const failure = error
      settle.push(() => failJob(job, Cause.fail(failure)))
      return failure
    })
  }

  private undo(): void {
    try {
      this.rollbackTo.run()
      this.release.run()
    } catch {
      // SQLite already rolled back the whole transaction; the batch notices it
    }
  }
}

/** @internal */
export const makeQueue: Effect.Effect<Queue.Queue<Job>> = Queue.unbounded<Job>()
