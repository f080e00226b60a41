/**
 * Which connection a statement of a pooled database runs on. Each layer
 * instance has a FiberRef of its own holding the current transaction level
 * (never `@effect/sql`'s module-global `TransactionConnection`, which a
 * second database would also read): inside a transaction a statement runs on
 * the transaction's connection, otherwise on a connection reserved from the
 * pool for that one statement.
 *
 * @internal
 */
import type * as Reactivity from "@effect/experimental/Reactivity"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import { Deferred, Effect, Exit, FiberId, FiberRef, Scope, Stream } from "effect"
import type { Dialect } from "../../dialect/Dialect.js"
import type { IsolationLevel, Row, RunResult } from "../Database.js"
import type { ConnectionOptions } from "./connectionOptions.js"
import * as DatabaseError from "../DatabaseError.js"

/**
 * What differs between the pooled databases: one record per database, never
 * a copy of the implementation. A driver holds no state: whatever it learns
 * about a pool lives in the `OpenPool` that `open` acquires, so every build of
 * a layer has its own and one build's finalizer never closes another's pool.
 *
 * @internal
 */
export interface Driver {
  readonly dialect: Dialect
  /** `db.system.name` of the spans. */
  readonly system: string
  readonly compiler: Statement.Compiler
  /** Open a pool and its `@effect/sql` client, for the life of the scope. */
  readonly open: (options: ConnectionOptions) => Effect.Effect<OpenPool, unknown, Scope.Scope | Reactivity.Reactivity>
  readonly classify: (error: unknown, sql?: string) => DatabaseError.DatabaseError
  /** The statements that open a transaction. */
  readonly begin: (isolation: IsolationLevel | undefined) => ReadonlyArray<string>
  /**
   * The parameters of a prepared statement as the driver must receive them
   * (`undefined`: as they are). Streams are sent as text and skip this.
   */
  readonly bind: ((params: ReadonlyArray<unknown>) => ReadonlyArray<unknown>) | undefined
  /** Run a transaction-control statement; its raw result goes to `commitRolledBack`. */
  readonly control: (conn: Connection, sql: string) => Effect.Effect<unknown, SqlError>
  /** The driver's raw write result as a `RunResult`. */
  readonly runResult: (raw: unknown) => RunResult
  /** Whether a COMMIT actually rolled back (PostgreSQL, after a failed statement). */
  readonly commitRolledBack: (raw: unknown) => boolean
  /** Whether the server has already rolled back the whole transaction after this error. */
  readonly transactionLost: (error: DatabaseError.DatabaseError) => boolean
  /** Make `conn` safe after a stream on it was abandoned mid-way; false when it can no longer be used. */
  readonly streamAbandoned: (conn: Connection) => Effect.Effect<boolean>
  /** Close the physical connection instead of returning it to the pool. */
  readonly discard: (conn: Connection) => Effect.Effect<void>
}

/**
 * One open pool, made by `Driver.open` for one build of a layer: its client
 * and everything that depends on the pool itself.
 *
 * @internal
 */
export interface OpenPool {
  readonly client: SqlClient.SqlClient
  /** Set up a connection's session, once per physical connection. */
  readonly prepare: (conn: Connection) => Effect.Effect<void, SqlError>
  /** Stop the statement running on `conn` after its fiber was interrupted (`spare` reserves another). */
  readonly cancel:
    | ((conn: Connection, spare: Effect.Effect<Connection, SqlError, Scope.Scope>) => Effect.Effect<void>)
    | undefined
  /** Whether a pooled connection has outlived `connectionTTL` and must be replaced instead of reused. */
  readonly expired: (conn: Connection) => boolean
  /** Whether the pool has a connection free right now (taking it cannot wait); false when unknown. */
  readonly idle: () => boolean
  /**
   * Run a statement outside any transaction in one step (take a connection,
   * run, give it back), interruptible without a fiber of its own: the raw
   * result, or the rows. Reserving a connection is the fallback (when this
   * is undefined, or returns undefined).
   */
  readonly pooled:
    | ((sql: string, params: ReadonlyArray<unknown>, raw: boolean) => Effect.Effect<unknown, SqlError> | undefined)
    | undefined
  /**
   * Take a pooled connection for the current scope in one interruptible step,
   * without a fiber of its own (an interrupted wait gives the connection back
   * when it comes); undefined when the driver cannot (yet), and a fiber waits.
   */
  readonly take: (() => Effect.Effect<Connection, SqlError, Scope.Scope> | undefined) | undefined
}

/**
 * One transaction: its connection, the counter naming its savepoints, and
 * whether statements may still use it.
 *
 * @internal
 */
export interface Tx {
  readonly conn: Connection
  readonly isolation: IsolationLevel | undefined
  counter: number
  open: boolean
  /** Set when the transaction can no longer commit: statements fail with it, and the end rolls back. */
  lost: DatabaseError.DatabaseError | undefined
}

/**
 * A transaction or one of its savepoints. A nested transaction holds its
 * parent's lock for its whole life and statements take their level's lock,
 * so concurrent siblings run one savepoint at a time: rolling one back never
 * undoes another's writes.
 *
 * @internal
 */
export interface Level {
  readonly tx: Tx
  readonly lock: Effect.Semaphore
}

/** @internal */
export interface Connections {
  readonly driver: Driver
  readonly client: SqlClient.SqlClient
  readonly current: FiberRef.FiberRef<Level | undefined>
  readonly state: { closing: boolean }
  /** A pooled connection, refused once the layer is closing. */
  readonly acquire: Effect.Effect<Connection, DatabaseError.DatabaseError, Scope.Scope>
  /** A pooled connection even while closing, for work already accepted. */
  readonly reserve: Effect.Effect<Connection, DatabaseError.DatabaseError, Scope.Scope>
  /**
   * A statement: on the current transaction's connection, else on a pooled
   * one (in one step where the driver can); `raw` asks for the driver's result.
   */
  readonly statement: (
    sql: string,
    params: ReadonlyArray<unknown>,
    raw: boolean,
    admitted?: boolean
  ) => Effect.Effect<unknown, DatabaseError.DatabaseError>
  /** Run `f` on the current transaction's connection, or on a pooled one. */
  readonly use: <A>(
    sql: string,
    f: (conn: Connection) => Effect.Effect<A, SqlError>,
    admitted?: boolean
  ) => Effect.Effect<A, DatabaseError.DatabaseError>
  readonly stream: (
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows?: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) => Stream.Stream<Row, DatabaseError.DatabaseError>
  /** A transaction-control statement, classified. */
  readonly control: (conn: Connection, sql: string) => Effect.Effect<unknown, DatabaseError.DatabaseError>
  readonly failure: (message: string, code?: string) => DatabaseError.DatabaseError
}

/**
 * Wait for a pooled connection in a fiber of our own: `@effect/sql-pg`
 * registers the release only when its wait completes (an interrupted wait
 * leaks the connection it later gets) and `@effect/sql-mysql2` waits
 * uninterruptibly. An interrupted caller stops waiting at once; a connection
 * that arrives after it left goes straight back.
 *
 * The waiter fiber also holds the connection and gives it back itself when
 * the caller's scope closes: a release registered by `Effect.acquireRelease`
 * in one fiber and run in another patches the running fiber's FiberRefs with
 * the acquiring fiber's, which grows them a little on every query (a
 * long-lived fiber got slower with each query it ran: 1 ms → 5 ms per query
 * after 10,000 on MySQL).
 *
 * @internal
 */
export const waitInterruptibly = <E>(
  reserve: Effect.Effect<Connection, E, Scope.Scope>
): Effect.Effect<Connection, E, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const granted = Deferred.unsafeMake<Connection, E>(FiberId.none)
      const release = Deferred.unsafeMake<void>(FiberId.none)
      yield* Effect.forkDaemon(Effect.scoped(
        Effect.matchCauseEffect(reserve, {
          onFailure: (cause) => Deferred.failCause(granted, cause),
          onSuccess: (conn) => Effect.zipRight(Deferred.succeed(granted, conn), Deferred.await(release))
        })
      ))
      const exit = yield* Effect.exit(restore(Deferred.await(granted)))
      if (Exit.isFailure(exit)) {
        // interrupted while waiting: the connection, when it comes, goes straight back
        Deferred.unsafeDone(release, Exit.void)
        return yield* exit
      }
      // The waiter gives the connection back as soon as it runs again; the caller need not wait for
      // that (waiting cost 20% of the throughput of 100 fibers on a pool of 10).
      const outer = yield* Effect.scope
      yield* Scope.addFinalizer(outer, Deferred.succeed(release, undefined))
      return exit.value
    })
  )

/** @internal */
export const make = (driver: Driver, pool: OpenPool): Connections => {
  const client = pool.client
  const dialect = driver.dialect.name
  const state = { closing: false }
  // Fibers forked inside a transaction inherit it; joining a fiber never overwrites the parent's level.
  const current = FiberRef.unsafeMake<Level | undefined>(undefined, { join: (parent) => parent })

  const failure = (message: string, code?: string) => new DatabaseError.DatabaseFailure({ dialect, message, code })

  // Where the driver can take a connection in one interruptible step, it does. Otherwise a free
  // connection is taken at once (uninterruptibly: nothing to wait for), and a wait must be
  // interruptible, which costs a fiber of its own (about 120 µs a query on PostgreSQL here).
  // Should another fiber take the free connection first (the runtime yielded in between), the wait
  // is only uninterruptible until a connection comes back: nothing leaks.
  const waitFor = waitInterruptibly(client.reserve)
  const takeFree = Effect.uninterruptible(client.reserve)
  const spare = Effect.suspend(() => pool.take?.() ?? (pool.idle() ? takeFree : waitFor))
  // A connection past its lifetime is closed when it is next taken, and another one taken instead.
  const fresh: Effect.Effect<Connection, SqlError, Scope.Scope> = Effect.flatMap(
    spare,
    (conn) =>
      pool.expired(conn)
        ? Effect.zipRight(driver.discard(conn), Effect.suspend(() => fresh))
        : Effect.as(pool.prepare(conn), conn)
  )
  const reserve = Effect.mapError(fresh, (e) => driver.classify(e))
  const closingError = () =>
    new DatabaseError.ConnectionError({ dialect, message: "database is closing", retryable: false })
  const acquire = Effect.suspend(() => state.closing ? Effect.fail(closingError()) : reserve)

  const guard = <A>(conn: Connection, effect: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
    pool.cancel === undefined ? effect : Effect.onInterrupt(effect, () => pool.cancel!(conn, spare))

  const usable = (tx: Tx, sql: string | undefined): DatabaseError.DatabaseError | undefined =>
    tx.lost ?? (tx.open ? undefined : new DatabaseError.DatabaseFailure({
      dialect,
      sql,
      message: "the transaction has already ended (a fiber forked inside it outlived it)"
    }))

  const lose = (tx: Tx) => (error: DatabaseError.DatabaseError) =>
    Effect.sync(() => {
      if (error._tag === "ConnectionError" || driver.transactionLost(error)) tx.lost ??= error
    })

  // The server may have closed a connection after telling us why; the pool must not hand it out again.
  const dropBroken = (conn: Connection, error: DatabaseError.DatabaseError) =>
    error._tag === "ConnectionError" ? driver.discard(conn) : Effect.void

  const onLevel = <A>(level: Level, sql: string, f: (conn: Connection) => Effect.Effect<A, SqlError>) =>
    level.lock.withPermits(1)(Effect.suspend(() => {
      const tx = level.tx
      const refused = usable(tx, sql)
      return refused !== undefined ? Effect.fail(refused) : guard(tx.conn, f(tx.conn)).pipe(
        Effect.mapError((e) => driver.classify(e, sql)),
        Effect.tapError(lose(tx))
      )
    }))

  const use = <A>(sql: string, f: (conn: Connection) => Effect.Effect<A, SqlError>, admitted = false) =>
    Effect.flatMap(FiberRef.get(current), (level) =>
      level !== undefined
        ? onLevel(level, sql, f)
        : Effect.scoped(Effect.flatMap(
          admitted ? reserve : acquire,
          (conn) =>
            guard(conn, f(conn)).pipe(
              Effect.mapError((e) => driver.classify(e, sql)),
              Effect.tapError((e) => dropBroken(conn, e))
            )
        )))

  const statement = (sql: string, given: ReadonlyArray<unknown>, raw: boolean, admitted = false) => {
    const params = driver.bind === undefined ? given : driver.bind(given)
    const f = (conn: Connection): Effect.Effect<unknown, SqlError> =>
      raw ? conn.executeRaw(sql, params) : conn.execute(sql, params, undefined)
    const pooled = pool.pooled
    if (pooled === undefined || admitted) return use(sql, f, admitted)
    return Effect.flatMap(FiberRef.get(current), (level) => {
      if (level !== undefined) return onLevel(level, sql, f)
      if (state.closing) return Effect.fail(closingError())
      const oneStep = pooled(sql, params, raw)
      return oneStep === undefined ? use(sql, f) : Effect.mapError(oneStep, (e) => driver.classify(e, sql))
    })
  }

  const stream = (
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows?: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ): Stream.Stream<Row, DatabaseError.DatabaseError> =>
    Stream.unwrapScoped(Effect.gen(function*() {
      const level = yield* FiberRef.get(current)
      const refused = level === undefined ? undefined : usable(level.tx, sql)
      if (refused !== undefined) return yield* Effect.fail(refused)
      // Inside a transaction a stream holds no level lock: the driver runs other statements of the
      // transaction only after the stream's result is read to its end.
      const conn = level === undefined ? yield* acquire : level.tx.conn
      let finished = false
      const finish = Effect.sync(() => {
        finished = true
      })
      // Runs before the connection goes back: a half-read result must not reach the next user.
      yield* Effect.addFinalizer(() =>
        finished ? Effect.void : Effect.flatMap(driver.streamAbandoned(conn), (ok) =>
          ok ? Effect.void : level === undefined ? driver.discard(conn) : Effect.sync(() => {
            level.tx.lost ??= new DatabaseError.ConnectionError({
              dialect,
              sql,
              message: "a stream was abandoned mid-way inside the transaction; its connection had to be closed"
            })
          }))
      )
      return conn.executeStream(sql, params, transformRows).pipe(
        Stream.tapErrorCause(() => finish),
        Stream.concat(Stream.execute(finish)),
        Stream.mapError((e) => driver.classify(e, sql)),
        Stream.tapError((e) => level === undefined ? dropBroken(conn, e) : Effect.void)
      ) as Stream.Stream<Row, DatabaseError.DatabaseError>
    }))

  const control = (conn: Connection, sql: string) =>
    Effect.mapError(driver.control(conn, sql), (e) => driver.classify(e, sql))

  return { driver, client, current, state, acquire, reserve, use, statement, stream, control, failure }
}
