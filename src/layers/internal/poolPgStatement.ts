/**
 * One PostgreSQL statement outside a transaction, on a client taken from
 * pg's pool and given back as soon as it answers: no reserved connection,
 * no scope, no fiber. An interrupted wait gives the client back when it
 * comes; an interrupted statement is cancelled on the server
 * (`pg_cancel_backend`) before its client goes back; a client whose
 * connection failed is destroyed, never given back.
 *
 * Reads and writes run as named (server-side prepared) statements, one name
 * per SQL text per pool, so that a connection parses and plans each text once
 * instead of on every call (an unnamed statement is parsed and planned anew
 * each time: ~50 µs a lookup by key on loopback). Up to `MAX_NAMED` texts per
 * pool are named; others run unnamed, as do statements that are not
 * SELECT / INSERT / UPDATE / DELETE / WITH.
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

/** Named statements of one pool: a text's name, the same on every connection. @internal */
export interface Names {
  readonly bySql: Map<string, string>
  next: number
}

/** The texts a pool names at most (a server keeps each one per connection). @internal */
export const MAX_NAMED = 500

/** @internal */
export const names = (): Names => ({ bySql: new Map(), next: 0 })

const preparable = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\b/i

/** The name of `sql`'s prepared statement in this pool, when it has (or now gets) one. */
const nameOf = (names: Names, sql: string): string | undefined => {
  let name = names.bySql.get(sql)
  if (name === undefined && names.bySql.size < MAX_NAMED && preparable.test(sql)) {
    name = `quarry_${names.next++}`
    names.bySql.set(sql, name)
  }
  return name
}

/**
 * A named statement whose plan the server can no longer use: its result
 * columns changed under it (DDL). Raised before it runs, so running the text
 * again, unnamed and under a new name next time, is safe.
 */
const stalePlan = (error: Error): boolean => {
  const e = error as { code?: string; routine?: string }
  return e.code === "0A000" && e.routine === "RevalidateCachedQuery"
}

/** Run `sql` on a pooled client: the driver's result (`raw`) or its rows. @internal */
export const pooledStatement = (
  pool: Pg.Pool,
  sql: string,
  params: ReadonlyArray<unknown>,
  raw: boolean,
  named?: Names
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
      const name = named === undefined ? undefined : nameOf(named, sql)
      const done = (error: Error | null, result: Pg.QueryResult) => {
        if (settled) return
        if (error && name !== undefined && stalePlan(error)) {
          if (named!.bySql.get(sql) === name) named!.bySql.delete(sql)
          return c.query(sql, params as Array<unknown>, done)
        }
        settled = true
        if (error) {
          giveBack(classify(error)._tag === "ConnectionError" ? error : undefined)
          return resume(Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" })))
        }
        giveBack()
        resume(Effect.succeed(raw ? result : rowsOf(result)))
      }
      if (name === undefined) c.query(sql, params as Array<unknown>, done)
      else c.query({ name, text: sql, values: params as Array<unknown> }, done)
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
