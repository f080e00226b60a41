/**
 * One PostgreSQL statement outside a transaction, on a client taken from
 * pg's pool and given back as soon as it answers: no reserved connection,
 * no scope, no fiber. An interrupted wait gives the client back when it
 * comes; an interrupted statement is cancelled on the server
 * (`pg_cancel_backend`) before its client goes back; a client whose
 * connection failed is destroyed, never given back.
 *
 * @internal
 */
import { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import type * as Pg from "pg"
import { classify } from "./classifyPostgres.js"
import type { Taken } from "./poolTake.js"

const rowsOf = (result: Pg.QueryResult | ReadonlyArray<Pg.QueryResult>): unknown =>
  Array.isArray(result) ? result.map((r: Pg.QueryResult) => r.rows ?? []) : (result as Pg.QueryResult).rows ?? []

// best effort, as @effect/sql-pg's own: a statement that cannot be cancelled still ends
const cancel = (pool: Pg.Pool, client: Pg.PoolClient): Effect.Effect<void> => {
  const pid = (client as unknown as { processID?: number }).processID
  if (pid === undefined) return Effect.void
  return Effect.async<void>((resume) => {
    if ((pool as unknown as { ending?: boolean }).ending) return resume(Effect.void)
    pool.query(`SELECT pg_cancel_backend(${Math.trunc(pid)})`, () => resume(Effect.void))
  }).pipe(Effect.interruptible, Effect.timeoutOption("5 seconds"), Effect.asVoid)
}

/** Run `sql` on a pooled client: the driver's result (`raw`) or its rows. @internal */
export const pooledStatement = (
  pool: Pg.Pool,
  sql: string,
  params: ReadonlyArray<unknown>,
  raw: boolean
): Effect.Effect<unknown, SqlError> =>
  Effect.async<unknown, SqlError>((resume) => {
    let client: Pg.PoolClient | undefined
    let release: ((err?: Error | boolean) => void) | undefined
    // answered or abandoned: from then on nothing is resumed
    let settled = false
    // the client goes back exactly once (destroyed when `err` is given)
    const giveBack = (err?: Error) => {
      const r = release
      release = undefined
      client?.off("error", onError)
      r?.(err)
    }
    const onError = (cause: Error) => {
      if (settled) return
      settled = true
      giveBack(cause)
      resume(Effect.fail(new SqlError({ cause, message: "Connection error" })))
    }
    pool.connect((err, c, rel) => {
      if (err || c === undefined) {
        if (settled) return
        settled = true
        return resume(Effect.fail(new SqlError({ cause: err, message: "Failed to acquire connection" })))
      }
      if (settled) return rel()
      client = c
      release = rel
      c.on("error", onError)
      c.query(sql, params as Array<unknown>, (error: Error | null, result: Pg.QueryResult) => {
        if (settled) return
        settled = true
        if (error) {
          giveBack(classify(error)._tag === "ConnectionError" ? error : undefined)
          return resume(Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" })))
        }
        giveBack()
        resume(Effect.succeed(raw ? result : rowsOf(result)))
      })
    })
    return Effect.suspend(() => {
      if (settled) return Effect.void
      settled = true
      const c = client
      // still waiting: the client, when it comes, goes straight back
      if (c === undefined) return Effect.void
      return Effect.ensuring(cancel(pool, c), Effect.sync(() => giveBack()))
    })
  })

/**
 * How pg's pool hands out a client for `poolTake.take`: a client whose
 * connection fails while held is destroyed when given back, not reused.
 * @internal
 */
export const connectClient = (pool: Pg.Pool) =>
(done: (error: unknown, taken: Taken<Pg.PoolClient> | undefined) => void): void =>
  pool.connect((err, client, release) => {
    if (err || client === undefined) return done(err, undefined)
    let failed: Error | undefined
    const onError = (cause: Error) => {
      failed ??= cause
    }
    client.on("error", onError)
    done(undefined, {
      value: client,
      giveBack: () => {
        client.removeListener("error", onError)
        release(failed)
      }
    })
  })
