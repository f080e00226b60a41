/**
 * Batched lookups by key (DataLoader for Effect): lookups started in the
 * same turn of the event loop — by the fibers of one
 * `Effect.forEach(keys, loader.get, { concurrency: "unbounded" })`, or by
 * fibers that know nothing of each other — become ONE
 * `SELECT ... WHERE key IN (...)` (chunked under the dialect's bind limit),
 * whose rows are handed back to each caller. A batch runs in the context of
 * the lookup that opened it; lookups in different transactions are never
 * batched together, so each reads its own transaction's data.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Loader } from "effect-quarry"
 *
 * const users = Loader.make(Users, "id")
 * const postsByAuthor = Loader.make(Posts, "authorId")
 *
 * // one query: SELECT ... FROM "users" WHERE "id" IN (?, ?, ?)
 * const three = Effect.forEach([1, 2, 3], users.get, { concurrency: "unbounded" })
 * // one query: SELECT ... FROM "posts" WHERE "author_id" IN (?, ?)
 * const posts = Effect.forEach([1, 2], postsByAuthor.all, { concurrency: "unbounded" })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import type { Database } from "../layers/Database.js"
import type * as Table from "../schema/Table.js"
import * as Ast from "../query/Ast.js"
import type { Failure } from "../query/Execute.js"
import * as Batch from "./internal/relationBatch.js"
import { checkKeyed, fieldFetch, type Plan } from "./internal/relationLoad.js"
import type * as Query from "../query/Query.js"
import * as QueryError from "../query/QueryError.js"
import type * as Relation from "./Relation.js"

/**
 * Lookups of rows `A` by the value `K` of one field.
 *
 * @since 0.1.0
 * @category models
 */
export interface Loader<A, K> {
  /** The one row whose field is `key`: `NotFound` / `MultipleFound` otherwise. */
  readonly get: (key: K) => Effect.Effect<A, Failure, Database>
  /** The row whose field is `key`, if any (`MultipleFound` when several are). */
  readonly find: (key: K) => Effect.Effect<Option.Option<A>, Failure, Database>
  /** Every row whose field is `key`, in the query's order. */
  readonly all: (key: K) => Effect.Effect<ReadonlyArray<A>, Failure, Database>
}

/**
 * A loader of a table's rows, or of a query's rows (filtered, ordered,
 * narrowed, or with relations to prefetch — not sliced, grouped or
 * projected), by one field. Make it once and share it: lookups batch
 * together only through the same loader.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <T extends Table.Any, const F extends Table.FieldName<T["model"]>>(
    source: T,
    field: F
  ): Loader<Table.Row<T>, Table.FieldType<T["model"], F>>
  <A, T extends Table.Any, const F extends Table.FieldName<T["model"]>>(
    source: Query.Select<A, T, []> | Relation.Eager<A, T>,
    field: F
  ): Loader<A, Table.FieldType<T["model"], F>>
} = (source: any, field: string): Loader<any, any> => {
  const plan: Plan = source._tag === "Eager"
    ? source.plan
    : { select: source._tag === "Select" ? source.ast : Ast.select(source), annotations: [], prefetches: [] }
  checkKeyed(plan, "Loader.make: the query")
  const fetch = fieldFetch(plan, field)
  const table = plan.select.from.name
  const all = (key: unknown) => Batch.load(fetch, key)
  const find = (key: unknown) =>
    Effect.flatMap(all(key), (rows) =>
      rows.length > 1
        ? Effect.fail(new QueryError.MultipleFound({ table, sql: undefined }))
        : Effect.succeed(Option.fromNullable(rows[0])))
  const get = (key: unknown) =>
    Effect.flatMap(all(key), (rows) =>
      rows.length === 1
        ? Effect.succeed(rows[0])
        : Effect.fail(
          rows.length === 0
            ? new QueryError.NotFound({ table, sql: undefined })
            : new QueryError.MultipleFound({ table, sql: undefined })
        ))
  return { all, find, get }
}
