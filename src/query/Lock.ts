/**
 * Row locks: `Query.forUpdate` / `Query.forShare` (Django's
 * `select_for_update`), with `noWait` or `skipLocked`. Re-exported by `Query`.
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import type * as Ast from "./Ast.js"
import * as internal from "./internal/query.js"
import type { Select } from "./Typed.js"

/**
 * What a row lock does about rows another transaction holds: wait for them
 * (the default), fail at once with a `Busy` error (`noWait`), or leave them
 * out of the result (`skipLocked`: a work queue's "take the next free job").
 *
 * @since 0.1.0
 * @category locking
 */
export interface LockOptions {
  readonly noWait?: boolean | undefined
  readonly skipLocked?: boolean | undefined
}

const lockWith = (mode: Ast.Lock["mode"], options: LockOptions | undefined): Ast.Lock => {
  if (options?.noWait && options.skipLocked) throw new Error("Query.forUpdate / forShare: choose noWait or skipLocked, not both")
  return { mode, wait: options?.noWait ? "noWait" : options?.skipLocked ? "skipLocked" : "wait" }
}

/**
 * Lock the rows read until the transaction ends — `SELECT … FOR UPDATE`
 * (Django's `select_for_update`): no other transaction can change or lock
 * them meanwhile. Meaningful inside `Database.transaction`; outside one the
 * lock ends with the statement. On SQLite the clause is left out: a Quarry
 * transaction there already holds the database's write lock, so no other
 * writer can touch the rows.
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Effect, Option, Schema } from "effect"
 * import { Database, Query, Table } from "effect-quarry"
 *
 * class Job extends Model.Class<Job>("Job")({
 *   id: Model.Generated(Schema.Int),
 *   done: Schema.Boolean
 * }) {}
 * const Jobs = Table.make(Job, { name: "jobs" })
 *
 * // take the next job no other worker holds, and finish it: workers never share a job
 * const work = Database.transaction(Effect.gen(function*() {
 *   const job = yield* Query.first(Query.from(Jobs).pipe(
 *     Query.where({ done: false }),
 *     Query.orderBy(Jobs.c.id),
 *     Query.forUpdate({ skipLocked: true })
 *   ))
 *   if (Option.isSome(job)) {
 *     yield* Query.run(Query.update(Jobs, { done: true }).pipe(Query.where({ id: job.value.id })))
 *   }
 *   return job
 * }))
 * ```
 *
 * @since 0.1.0
 * @category locking
 */
export const forUpdate = (options?: LockOptions) => {
  const lock = lockWith("update", options)
  return <A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
    internal.modify(self, { lock })
}

/**
 * Lock the rows read against changes, not against other readers, until the
 * transaction ends: `FOR SHARE` (PostgreSQL), `LOCK IN SHARE MODE`
 * (MariaDB / MySQL). Options and SQLite as for {@link forUpdate}.
 *
 * @since 0.1.0
 * @category locking
 */
export const forShare = (options?: LockOptions) => {
  const lock = lockWith("share", options)
  return <A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
    internal.modify(self, { lock })
}
