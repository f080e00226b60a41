/**
 * The serialized SQLite writer: one connection, one FIFO queue, one fiber.
 *
 * The fiber takes everything pending (up to `maxBatch` jobs), opens
 * `BEGIN IMMEDIATE` (retrying `Busy` on a schedule, so cross-process
 * contention waits instead of failing), runs each job in turn, then commits
 * once and only then acknowledges every job of the batch: an acknowledged
 * write is a committed write (group commit). A failing statement fails only
 * its own caller: SQLite undoes a failed statement and keeps the transaction
 * (a statement that loses the whole transaction fails the batch); a
 * transaction job runs inside its own `SAVEPOINT`, so that its caller can
 * roll back its work alone.
 *
 * When commits are cheap (`synchronous` other than FULL) a statement that
 * finds the writer idle runs at once, in autocommit, on the caller's fiber:
 * there is nothing to order it after and nothing to share a commit with.
 *
 * @internal
 */
import type Sqlite from "better-sqlite3"
import { Cause, Deferred, Effect, Exit, Fiber, Option, type Schedule } from "effect"
import type * as DatabaseError from "../DatabaseError.js"
import { yieldToEventLoop } from "./eventLoop.js"
import { classify } from "./classifySqlite.js"
import { type Connection, execute, type Mode, type Params } from "./sqliteConnection.js"
import { batchSpan, type JobTrace } from "./trace.js"
import { type Accepted, failJob, lostTransaction, rolledBack, type StatementJob, type TransactionJob } from "./sqliteJob.js"

/** @internal */
export interface WriterOptions {
  readonly connection: Connection
  readonly maxBatch: number
  readonly busyRetry: Schedule.Schedule<unknown, unknown>
  /** Run a statement that finds the writer idle at once, in autocommit (when commits need no fsync). */
  readonly inline: boolean
  readonly onBatch?: ((info: { readonly size: number }) => void) | undefined
}

/** @internal */
export class Writer {
  /** Between BEGIN and the end of COMMIT (single-connection mode reads check it). */
  inBatch = false
  /** No new job is accepted once set. */
  closing = false
  private fiber: Fiber.RuntimeFiber<void> | undefined
  /** Accepted jobs not yet taken, oldest first. */
  private queued: Array<Accepted> = []
  /** From taking a batch until its last caller is answered. */
  private active = false
  /** Resumes the writer fiber while it waits for a job. */
  private wake: (() => void) | undefined
  /** The caller whose statements run inline in this turn of the event loop. */
  private inlineCaller: unknown = undefined
  private readonly endTurn = () => {
    this.inlineCaller = undefined
  }

  private readonly conn: Connection
  private readonly begin: Effect.Effect<void, DatabaseError.DatabaseError>
  private readonly commitStmt: Sqlite.Statement
  private readonly rollbackStmt: Sqlite.Statement
  private readonly savepoint: Sqlite.Statement
  private readonly release: Sqlite.Statement
  private readonly rollbackTo: Sqlite.Statement
  private readonly waitForJobs: Effect.Effect<void>
  /** The layer's `foreign_keys` setting, restored after a transaction that turned it off. */
  private readonly foreignKeys: boolean

  constructor(private readonly options: WriterOptions) {
    const conn = options.connection
    this.conn = conn
    this.foreignKeys = Number(conn.db.pragma("foreign_keys", { simple: true })) === 1
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
    this.waitForJobs = Effect.async<void>((resume) => {
      if (this.queued.length > 0 || this.closing) return resume(Effect.void)
      this.wake = () => resume(Effect.void)
      return Effect.sync(() => {
        this.wake = undefined
      })
    })
  }

  /**
   * Accept a job, unless closing. Checking and enqueueing in one synchronous
   * step is what guarantees that no job is accepted after the shutdown's
   * drain has seen the queue empty (where nothing would ever run it).
   */
  offer(job: StatementJob | TransactionJob): boolean {
    if (this.closing) return false
    this.queued.push(job)
    this.resume()
    return true
  }

  private resume(): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  /**
   * Run a statement at once, in autocommit, if the writer is idle and inline
   * writes are on: its exit, or `undefined` when it must be queued (writer
   * busy, or another process holds the write lock, which the queue's BEGIN
   * waits out). Nothing is pending then, so running it now keeps FIFO order.
   * Called while the calling fiber runs the statement's effect.
   */
  inline(sql: string, params: Params, mode: Mode): Exit.Exit<unknown, DatabaseError.DatabaseError> | undefined {
    if (!this.options.inline || this.active || this.queued.length > 0 || this.closing || this.conn.db.inTransaction) {
      return undefined
    }
    // One caller per turn of the event loop: a caller writing in a loop runs
    // inline, while many callers writing at once share a batch (one commit
    // each would cost them more than the queue).
    const caller = Option.getOrUndefined(Fiber.getCurrentFiber())
    if (this.inlineCaller === undefined) {
      this.inlineCaller = caller
      setImmediate(this.endTurn)
    } else if (this.inlineCaller !== caller) {
      return undefined
    }
    let result: unknown
    try {
      result = execute(this.conn.prepare(sql).stmt, params, mode)
    } catch (cause) {
      const error = classify(cause, sql)
      return error._tag === "Busy" ? undefined : Exit.fail(error)
    }
    this.options.onBatch?.({ size: 1 })
    return Exit.succeed(result)
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
      this.closing = true
      this.resume()
      return this.fiber === undefined ? Effect.void : Effect.asVoid(Fiber.await(this.fiber))
    })
  }

  /** Take the oldest jobs, at most `maxBatch`. */
  private take(): ReadonlyArray<Accepted> {
    if (this.queued.length <= this.options.maxBatch) {
      const jobs = this.queued
      this.queued = []
      return jobs
    }
    return this.queued.splice(0, this.options.maxBatch)
  }

  private get loop(): Effect.Effect<void> {
    const self = this
    const idle = Effect.sync(() => {
      self.active = false
    })
    return Effect.gen(function*() {
      while (true) {
        if (self.queued.length === 0) {
          if (self.closing) return
          yield* self.waitForJobs
          continue
        }
        self.active = true
        const jobs = self.take()
        const traces: Array<JobTrace> = []
        for (const job of jobs) if (job.trace !== undefined) traces.push(job.trace)
        const end = traces.length === 0 ? undefined : batchSpan("sqlite", traces, jobs.length)
        yield* self.batch(jobs).pipe(
          Effect.catchAllCause((cause) => self.crashed(jobs, cause)),
          Effect.ensuring(idle)
        )
        end?.(Exit.void)
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
        this.setForeignKeys(this.foreignKeys)
      } catch {
        // the connection is unusable; the jobs fail below anyway
      }
      const died = Cause.die(Cause.squash(cause))
      for (const job of jobs) failJob(job, died)
    })
  }

  /**
   * Run jobs in as few transactions as possible. When SQLite rolls back a
   * whole transaction (a statement's `OR ROLLBACK`, a trigger's
   * `RAISE(ROLLBACK)`, an I/O error, or a COMMIT refused by a deferred
   * constraint), nothing of it was acknowledged: its other statements are
   * run again, each in a transaction of its own when the COMMIT failed (so
   * that the one at fault fails alone); a transaction job cannot be run again
   * and fails with a retryable `SerializationFailure`.
   */
  private batch(jobs: ReadonlyArray<Accepted>): Effect.Effect<void> {
    const self = this
    const db = this.conn.db
    return Effect.gen(function*() {
      let work = jobs
      // how many of the first jobs of `work` run one per transaction
      let solo = 0
      while (work.length > 0) {
        // A transaction with foreign keys off runs alone: the pragma cannot change inside a transaction.
        const keysOff = foreignKeysOff(work[0])
        if (keysOff) self.setForeignKeys(false)
        const began = yield* Effect.exit(self.begin)
        if (Exit.isFailure(began)) {
          if (keysOff) self.setForeignKeys(self.foreignKeys)
          for (const job of work) failJob(job, began.cause)
          return
        }
        self.inBatch = true
        const kept: Array<Accepted> = []
        // Failures are reported only once the batch has ended too: a unique
        // violation against a write of the same batch must find that write
        // committed (and visible to the caller's next read).
        const settle: Array<() => void> = []
        let lost: DatabaseError.DatabaseError | undefined
        let atCommit = false
        const limit = solo > 0 || keysOff ? 1 : untilForeignKeysOff(work)
        let i = 0
        for (; i < limit && lost === undefined; i++) {
          const job = work[i]
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
            atCommit = true
            try {
              if (db.inTransaction) self.rollbackStmt.run()
            } catch {
              // the failure below says what happened
            }
          }
        }
        self.inBatch = false
        if (keysOff) self.setForeignKeys(self.foreignKeys)
        for (const report of settle) report()
        const rest = work.slice(i)
        solo = Math.max(0, solo - i)
        if (lost === undefined) {
          for (const job of kept) {
            if (job._tag === "Statement") job.complete(Exit.succeed(job.result))
            else Deferred.unsafeDone(job.settled, Exit.void)
          }
          self.options.onBatch?.({ size: kept.length })
          work = rest
          continue
        }
        // Alone in its transaction, a job whose COMMIT failed is the one at fault.
        const alone = limit === 1 || kept.length === 1
        const again: Array<Accepted> = []
        for (const job of kept) {
          if (atCommit && alone) failJob(job, Cause.fail(lost))
          else if (job._tag === "Transaction") failJob(job, Cause.fail(rolledBack(lost)))
          else again.push(job)
        }
        work = again.length === 0 ? rest : [...again, ...rest]
        if (atCommit) solo += again.length
      }
    })
  }

  /**
   * Run one statement job; its failure (if any) is returned. SQLite undoes a
   * failed statement and keeps the transaction open (the batch checks that
   * it did), so a statement needs no savepoint of its own.
   */
  private statement(
    job: StatementJob,
    kept: Array<Accepted>,
    settle: Array<() => void>
  ): DatabaseError.DatabaseError | undefined {
    try {
      job.result = execute(this.conn.prepare(job.sql).stmt, job.params, job.mode)
      kept.push(job)
      return undefined
    } catch (cause) {
      const error = classify(cause, job.sql)
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

  private setForeignKeys(on: boolean): void {
    this.conn.db.pragma(`foreign_keys = ${on ? "ON" : "OFF"}`)
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

const foreignKeysOff = (job: Accepted): boolean => job._tag === "Transaction" && job.foreignKeysOff

/** How many of the first jobs run before a transaction that must run alone with foreign keys off. */
const untilForeignKeysOff = (jobs: ReadonlyArray<Accepted>): number => {
  const i = jobs.findIndex(foreignKeysOff)
  return i === -1 ? jobs.length : i
}
