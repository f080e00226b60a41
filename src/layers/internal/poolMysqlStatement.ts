/**
 * One MySQL / MariaDB statement outside a transaction, on a connection taken
 * from mysql2's pool and given back as soon as it answers: no reserved
 * connection, no scope, no fiber. The statement runs as `@effect/sql-mysql2`
 * runs it (`execute`, rows as objects), on a session set up as every other
 * connection of the layer (`time_zone` UTC, the connection's lifetime).
 *
 * mysql2 cannot cancel a statement, so an interrupted one is stopped from
 * another connection (`KILL QUERY <thread id>`) and its connection goes back
 * only once the statement has ended; when that cannot be done in time, the
 * connection is destroyed instead. An interrupted wait gives the connection
 * back when it comes.
 *
 * @internal
 */
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Option } from "effect"
import type * as Mysql from "mysql2"
import { classify } from "./classifyMysql.js"
import type { Taken } from "./poolTake.js"

/** What the layer keeps about each physical connection's session. @internal */
export interface Session {
  /** Has `c` outlived the layer's `connectionTTL` (it is then destroyed and another one taken)? */
  readonly expired: (c: Mysql.PoolConnection) => boolean
  /** Has `c`'s session been set up? */
  readonly ready: (c: Mysql.PoolConnection) => boolean
  readonly setUp: (c: Mysql.PoolConnection) => void
  /** The statement setting a new connection's session up. */
  readonly setUpSql: string
}

/** Close a connection for good: it never goes back to the pool. @internal */
export const destroyConnection = (c: Mysql.PoolConnection): void => {
  c.on("error", () => {})
  c.destroy()
  // `destroy` only half-closes; a server still sending rows notices a reset at once.
  ;(c as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.()
}

// how long an interrupted statement may take to stop before its connection is destroyed instead
const STOP_TIMEOUT = "5 seconds"

/** Run `sql` on a pooled connection: the driver's result (`raw`) or its rows. @internal */
export const pooledStatement = (
  pool: Mysql.Pool,
  session: Session,
  sql: string,
  params: ReadonlyArray<unknown>,
  raw: boolean
): Effect.Effect<unknown, SqlError> =>
  Effect.async<unknown, SqlError>((resume) => {
    // answered or abandoned: from then on nothing is resumed
    let settled = false
    // the connection running the statement, while it runs
    let running: Mysql.PoolConnection | undefined
    // called once the statement of an interrupted caller has ended
    let stopped: ((c: Mysql.PoolConnection, gone: boolean) => void) | undefined

    const fail = (cause: unknown, message: string) => {
      if (settled) return
      settled = true
      resume(Effect.fail(new SqlError({ cause, message })))
    }

    const run = (c: Mysql.PoolConnection) => {
      running = c
      c.execute({ sql, values: params as Array<unknown>, rowsAsArray: false }, (error, results) => {
        running = undefined
        // a connection-level failure (a lost or killed connection) leaves a connection nobody may reuse
        const gone = error !== null && classify(error)._tag === "ConnectionError"
        if (stopped !== undefined) return stopped(c, gone)
        if (gone) destroyConnection(c)
        else c.release()
        if (settled) return
        settled = true
        resume(
          error !== null
            ? Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" }))
            : Effect.succeed(raw ? results : Array.isArray(results) ? results : [])
        )
      })
    }

    const take = () =>
      pool.getConnection((error, c) => {
        if (error) return fail(error, "Failed to acquire connection")
        if (settled) return c.release()
        if (session.expired(c)) {
          destroyConnection(c)
          return take()
        }
        if (session.ready(c)) return run(c)
        c.query(session.setUpSql, (setUpError) => {
          if (setUpError) {
            destroyConnection(c)
            return fail(setUpError, "Failed to acquire connection")
          }
          session.setUp(c)
          if (settled) return c.release()
          run(c)
        })
      })
    take()

    return Effect.suspend(() => {
      if (settled) return Effect.void
      settled = true
      const c = running
      // waiting for a connection, or setting one up: it goes back as soon as it comes
      if (c === undefined) return Effect.void
      // From here the statement's end is handled here, registered before anything can answer: stop the
      // statement, give the connection back once it has ended — or destroy it if that takes too long.
      let ended = false
      let abandoned = false
      let wake: (() => void) | undefined
      stopped = (conn, gone) => {
        ended = true
        if (abandoned) return
        if (gone) destroyConnection(conn)
        else conn.release()
        wake?.()
      }
      pool.query(`KILL QUERY ${Math.trunc(c.threadId)}`, () => {})
      return Effect.async<void>((resume) => {
        if (ended) return resume(Effect.void)
        wake = () => resume(Effect.void)
      }).pipe(
        // run from an interruption (uninterruptible): the wait itself must be, or the timeout could not end it
        Effect.interruptible,
        Effect.timeoutOption(STOP_TIMEOUT),
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.sync(() => {
              if (ended) return
              abandoned = true
              destroyConnection(c)
            }),
          onSome: () => Effect.void
        }))
      )
    })
  })

/** How mysql2's pool hands out a connection for `poolTake.take`. @internal */
export const connectConnection = (pool: Mysql.Pool) =>
(done: (error: unknown, taken: Taken<Mysql.PoolConnection> | undefined) => void): void =>
  pool.getConnection((error, c) =>
    error ? done(error, undefined) : done(undefined, { value: c, giveBack: () => c.release() })
  )
