/**
 * Running query values on the current `Database`. Results are decoded by the
 * model's schema (PostgreSQL's text COUNTs and MySQL's 0/1 booleans come back
 * as the declared types); every expected failure is typed. Re-exported by
 * `Query`: write `Query.all(q)`.
 *
 * @since 0.1.0
 */
import { Effect, Function, type Option, Stream } from "effect"
import { Database, type RunResult } from "../layers/Database.js"
import { withDatabase } from "../layers/internal/readNow.js"
import type { DatabaseError } from "../layers/DatabaseError.js"
import type * as Ast from "./Ast.js"
import type * as Typed from "./Typed.js"
import * as internal from "./internal/execute.js"
import type * as QueryError from "./QueryError.js"

/**
 * What running a query may fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = QueryError.QueryError | DatabaseError

/**
 * Every row.
 *
 * @since 0.1.0
 * @category execution
 */
export const all = <Q extends Typed.Readable>(
  self: Q
): Effect.Effect<ReadonlyArray<Typed.Row<Q>>, Failure, Database> =>
  withDatabase((db, fiber) => internal.all(db, self, undefined, fiber)) as any

/**
 * The one row: fails with `NotFound` when there is none and `MultipleFound`
 * when there are several (a SELECT reads at most two rows to tell).
 *
 * @since 0.1.0
 * @category execution
 */
export const get = <Q extends Typed.Readable>(self: Q): Effect.Effect<Typed.Row<Q>, Failure, Database> =>
  withDatabase((db, fiber) => internal.get(db, self, undefined, fiber)) as any

/**
 * The first row by the query's order (the primary key when it has none).
 *
 * @since 0.1.0
 * @category execution
 */
export const first = <Q extends Typed.Select<any, any, any>>(
  self: Q
): Effect.Effect<Option.Option<Typed.Row<Q>>, Failure, Database> =>
  withDatabase((db, fiber) => internal.first(db, self.ast, undefined, fiber)) as any

/**
 * The last row by the query's order (the primary key when it has none).
 *
 * @since 0.1.0
 * @category execution
 */
export const last = <Q extends Typed.Select<any, any, any>>(
  self: Q
): Effect.Effect<Option.Option<Typed.Row<Q>>, Failure, Database> =>
  withDatabase((db, fiber) => internal.last(db, self.ast, undefined, fiber)) as any

/**
 * How many rows the query has.
 *
 * @since 0.1.0
 * @category execution
 */
export const count = (self: Typed.Select<any, any, any>): Effect.Effect<number, Failure, Database> =>
  withDatabase((db, fiber) => internal.count(db, self.ast, undefined, fiber))

/**
 * Whether the query has any row.
 *
 * @since 0.1.0
 * @category execution
 */
export const exists = (self: Typed.Select<any, any, any>): Effect.Effect<boolean, Failure, Database> =>
  withDatabase((db, fiber) => internal.exists(db, self.ast, undefined, fiber))

/**
 * Aggregates over the query's rows, as one record:
 * `Query.aggregate(q, { n: Expr.count(), oldest: Expr.max(Users.c.age) })`.
 * Ordering is ignored; LIMIT / OFFSET apply to the aggregate's single row,
 * as in SQL.
 *
 * @since 0.1.0
 * @category execution
 */
export const aggregate: {
  <const P extends { readonly [key: string]: Typed.Expr<any> }>(
    fields: P
  ): (self: Typed.Select<any, any, any>) => Effect.Effect<{ readonly [K in keyof P]: Typed.ExprType<P[K]> }, Failure, Database>
  <const P extends { readonly [key: string]: Typed.Expr<any> }>(
    self: Typed.Select<any, any, any>,
    fields: P
  ): Effect.Effect<{ readonly [K in keyof P]: Typed.ExprType<P[K]> }, Failure, Database>
} = Function.dual(
  (args) => typeof args[0] === "object" && args[0] !== null && "ast" in args[0],
  (self: Typed.Select<any, any, any>, fields: { readonly [key: string]: Ast.Expr }) =>
    withDatabase((db, fiber) => internal.aggregate(db, self.ast, Object.entries(fields), undefined, fiber))
)

/**
 * The rows as a `Stream`, read and decoded in constant memory.
 *
 * @since 0.1.0
 * @category execution
 */
export const stream = <Q extends Typed.Select<any, any, any> | Typed.Raw<any> | Typed.Compound<any>>(
  self: Q
): Stream.Stream<Typed.Row<Q>, Failure, Database> =>
  Stream.unwrap(Effect.map(Database, (db) => internal.stream(db, self, undefined))) as any

/**
 * Run a write: rows affected and the last generated id.
 *
 * @since 0.1.0
 * @category execution
 */
export const run = (self: Typed.Write): Effect.Effect<RunResult, Failure, Database> =>
  withDatabase((db, fiber) => internal.run(db, self, undefined, fiber))
