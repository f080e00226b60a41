/**
 * Prepared query values for hot paths: compiled once per dialect (SQL,
 * parameter encoders and row decoder), then run many times with new
 * arguments for their `Query.param` placeholders.
 *
 * @example
 * ```ts
 * import { Expr, Prepared, Query } from "effect-quarry"
 *
 * const q = Query.from(Users).pipe(Query.where(Expr.eq(Users.c.id, Query.param("id"))))
 * const byId: Prepared.Prepared<typeof q, { readonly id: number }> = Prepared.make(q)
 * const user = byId.get({ id: 1 }) // Effect<User, NotFound | MultipleFound | ..., Database>
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import { Database, type RunResult } from "../layers/Database.js"
import { withDatabase } from "../layers/internal/readNow.js"
import type { Failure } from "./Execute.js"
import * as internal from "./internal/execute.js"
import type * as Typed from "./Typed.js"

/**
 * A prepared query: `Q` run with arguments `P`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prepared<Q, P = { readonly [name: string]: unknown }> {
  readonly query: Q
  /** Every row. */
  readonly all: (args: P) => Effect.Effect<ReadonlyArray<Typed.Row<Q>>, Failure, Database>
  /** The one row (`NotFound` / `MultipleFound` otherwise). */
  readonly get: (args: P) => Effect.Effect<Typed.Row<Q>, Failure, Database>
  /** The first row. */
  readonly first: (args: P) => Effect.Effect<Option.Option<Typed.Row<Q>>, Failure, Database>
  /** The rows as a stream. */
  readonly stream: (args: P) => Stream.Stream<Typed.Row<Q>, Failure, Database>
  /** Run a write. */
  readonly run: (args: P) => Effect.Effect<RunResult, Failure, Database>
}

/**
 * Prepare a query. Annotate the arguments' type where it is declared
 * (`Prepared<typeof q, { id: number }>`); each argument is encoded with the
 * schema of what its parameter meets, and a missing one fails with
 * `ValidationError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <Q extends Typed.Readable | Typed.Write>(query: Q): Prepared<Q> => {
  const readable = query as unknown as Typed.Readable
  const select = query._tag === "Select" ? query.ast : undefined
  return {
    query,
    all: (args) => withDatabase((db, fiber) => internal.all(db, readable, args, fiber)) as any,
    get: (args) => withDatabase((db, fiber) => internal.get(db, readable, args, fiber)) as any,
    first: (args) =>
      withDatabase((db, fiber) =>
        select === undefined
          ? Effect.map(internal.all(db, readable, args, fiber), (rows) => Option.fromNullable(rows[0]))
          : internal.first(db, select, args, fiber)) as any,
    stream: (args) => Stream.unwrap(Effect.map(Database, (db) => internal.stream(db, readable, args))) as any,
    run: (args) => withDatabase((db, fiber) => internal.run(db, query as unknown as Typed.Write, args, fiber))
  }
}
