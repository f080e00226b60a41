/**
 * Queries as values. Builders return new immutable values; nothing runs
 * until a query is executed (`Query.all`, `Query.get`, `Query.run`, ...).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Expr, Query } from "effect-quarry"
 *
 * const adults = Query.from(Users).pipe(
 *   Query.where({ age: { gte: 18 } }),
 *   Query.orderBy(Query.desc(Users.c.age, { nulls: "last" })),
 *   Query.only("id", "name"),
 *   Query.limit(10)
 * )
 * // sqlite:   SELECT "id", "name" FROM "users" WHERE "age" >= ? ORDER BY "age" DESC NULLS LAST LIMIT ?
 * // postgres: SELECT "id", "name" FROM "users" WHERE "age" >= $1 ORDER BY "age" DESC NULLS LAST LIMIT $2
 * // mysql:    SELECT `id`, `name` FROM `users` WHERE `age` >= ? ORDER BY `age` IS NULL ASC, `age` DESC LIMIT ?
 * const program = Query.all(adults) // Effect<ReadonlyArray<{ id: number; name: string }>, ...>
 * ```
 *
 * @since 0.1.0
 */
import { Function, type Schema } from "effect"
import type * as Table from "../schema/Table.js"
import * as Ast from "./Ast.js"
import type * as Expr from "./Expr.js"
import type { ExprType, Filterable, Raw, Select, TableOf } from "./Typed.js"
import * as Lookup from "./Lookup.js"
import * as internal from "./internal/query.js"

/**
 * The query value types and the `TypeId` they carry (declared in `Typed`).
 *
 * @since 0.1.0
 */
export { TypeId } from "./Typed.js"

/**
 * @since 0.1.0
 */
export type { Any, Compound, Delete, ExprType, Filterable, Insert, Raw, Readable, Returning, Row, Select, TableOf, Update, Write } from "./Typed.js"

/**
 * `unknown` when a WHERE argument suits the query; otherwise a type naming the problem.
 *
 * @since 0.1.0
 * @category models
 */
export type CheckWhere<L, Q> = L extends Ast.Expr ? L extends Expr.Predicate ? unknown : { readonly "not a condition": L }
  : Lookup.Check<L, TableOf<Q>>

/**
 * All rows of a table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const from = <T extends Table.Any>(table: T): Select<Table.Row<T>, T> => internal.make("Select", Ast.select(table))

/**
 * Keep the rows matching a condition: an expression or a lookup object
 * (`{ age: { gte: 18 } }`). Several `where`s all apply.
 *
 * @since 0.1.0
 * @category filtering
 */
export const where: {
  <const L extends Expr.Predicate | object>(condition: L): <Q extends Filterable>(self: Q & CheckWhere<L, Q>) => Q
  <Q extends Filterable>(self: Q, condition: Expr.Predicate | Lookup.Lookup<TableOf<Q>>): Q
} = Function.dual(internal.isQuery, (self: Filterable, condition: unknown) => internal.where(self, condition, false))

/**
 * Same as `where` (Django's `filter`).
 *
 * @since 0.1.0
 * @category filtering
 */
export const filter: typeof where = where

/**
 * Drop the rows matching a condition; rows where it is NULL stay, so `filter`
 * and `exclude` of one condition partition the rows (Django's `exclude`).
 *
 * @since 0.1.0
 * @category filtering
 */
export const exclude: typeof where = Function.dual(
  internal.isQuery,
  (self: Filterable, condition: unknown) => internal.where(self, condition, true)
)

/**
 * Sort by expressions (ascending) or `asc` / `desc` orders; appends to earlier orders.
 *
 * @since 0.1.0
 * @category ordering
 */
export const orderBy = (...orders: ReadonlyArray<Expr.Expr<any> | Ast.Order>) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
  internal.modify(self, {
    orderBy: [...self.ast.orderBy, ...orders.map((o) => (o._tag === "Order" ? o : asc(o)))]
  })

/**
 * Ascending order; NULLs first or last when asked (emulated where the dialect has no NULLS FIRST/LAST).
 *
 * @since 0.1.0
 * @category ordering
 */
export const asc = (expr: Expr.Expr<any>, options?: { readonly nulls?: "first" | "last" | undefined }): Ast.Order => ({
  _tag: "Order",
  expr,
  direction: "asc",
  nulls: options?.nulls
})

/**
 * Descending order.
 *
 * @since 0.1.0
 * @category ordering
 */
export const desc = (expr: Expr.Expr<any>, options?: { readonly nulls?: "first" | "last" | undefined }): Ast.Order => ({
  _tag: "Order",
  expr,
  direction: "desc",
  nulls: options?.nulls
})

/**
 * At most `n` rows (bound as a parameter; may be a prepared query's parameter).
 *
 * @since 0.1.0
 * @category slicing
 */
export const limit = (n: number | Expr.Param<number> | Expr.Param<never>) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
  internal.modify(self, { limit: typeof n === "number" ? Ast.value(n) : n })

/**
 * Skip the first `n` rows.
 *
 * @since 0.1.0
 * @category slicing
 */
export const offset = (n: number | Expr.Param<number> | Expr.Param<never>) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
  internal.modify(self, { offset: typeof n === "number" ? Ast.value(n) : n })

/**
 * `SELECT DISTINCT`.
 *
 * @since 0.1.0
 * @category slicing
 */
export const distinct = <A, T extends Table.Any, J extends ReadonlyArray<unknown>>(
  self: Select<A, T, J>
): Select<A, T, J> => internal.modify(self, { distinct: true })

/**
 * Select only these fields of the base table (Django's `only`); rows are `Pick<Row, K>`.
 *
 * @since 0.1.0
 * @category projection
 */
export const only = <const K extends string>(...fields: readonly [K, ...Array<K>]) =>
<A extends { readonly [P in K]: unknown }, T extends Table.Any, J extends ReadonlyArray<unknown>>(
  self: Select<A, T, J>
): Select<Pick<A, K>, T, J> => internal.fields(self, fields, true)

/**
 * Select every field of the base table but these (Django's `defer`); rows are `Omit<Row, K>`.
 *
 * @since 0.1.0
 * @category projection
 */
export const defer = <const K extends string>(...fields: readonly [K, ...Array<K>]) =>
<A extends { readonly [P in K]: unknown }, T extends Table.Any, J extends ReadonlyArray<unknown>>(
  self: Select<A, T, J>
): Select<Omit<A, K>, T, J> => internal.fields(self, fields, false)

/**
 * Select expressions instead of rows: `{ name: Users.c.name, posts: Expr.count() }`.
 *
 * @since 0.1.0
 * @category projection
 */
export const select = <const P extends { readonly [key: string]: Expr.Expr<any> }>(projection: P) =>
<T extends Table.Any>(self: Select<any, T, any>): Select<{ readonly [K in keyof P]: ExprType<P[K]> }, T, []> =>
  internal.modify(self, { projection: Object.entries(projection) })

/**
 * Join a table; rows become `[A, ...J, Row<T2>]`.
 *
 * @since 0.1.0
 * @category joins
 */
export const innerJoin = <T2 extends Table.Any>(table: T2, on: Expr.Predicate) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(
  self: Select<A, T, J>
): Select<A, T, readonly [...J, Table.Row<T2>]> =>
  internal.modify(self, { joins: [...self.ast.joins, { _tag: "Join", kind: "inner", table, on }] })

/**
 * Left-join a table; rows become `[A, ...J, Row<T2> | null]`.
 *
 * @since 0.1.0
 * @category joins
 */
export const leftJoin = <T2 extends Table.Any>(table: T2, on: Expr.Predicate) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(
  self: Select<A, T, J>
): Select<A, T, readonly [...J, Table.Row<T2> | null]> =>
  internal.modify(self, { joins: [...self.ast.joins, { _tag: "Join", kind: "left", table, on }] })

/**
 * `GROUP BY`; combine with `select` to choose the grouped columns and aggregates.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const groupBy = (...exprs: ReadonlyArray<Expr.Expr<any>>) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
  internal.modify(self, { groupBy: [...self.ast.groupBy, ...exprs] })

/**
 * `HAVING`: a condition over groups.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const having = (condition: Expr.Predicate) =>
<A, T extends Table.Any, J extends ReadonlyArray<unknown>>(self: Select<A, T, J>): Select<A, T, J> =>
  internal.modify(self, { having: Ast.andWhere(self.ast.having, condition) })

/**
 * A named placeholder, bound when a prepared query runs (see `Prepared`).
 *
 * @since 0.1.0
 * @category prepared
 */
export const param = <A = never>(name: string): Expr.Param<A> => Ast.param(name)

/**
 * A whole statement in raw SQL, the explicit escape hatch: interpolated
 * expressions are compiled, other interpolated values are bound parameters
 * (given to the driver as they are). Rows decode with `schema`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Query } from "effect-quarry"
 *
 * Query.raw(Schema.Struct({ n: Schema.NumberFromString }))`SELECT CAST(COUNT(*) AS CHAR) AS n FROM users WHERE age > ${18}`
 * ```
 *
 * @since 0.1.0
 * @category raw
 */
export const raw = <A, I>(schema: Schema.Schema<A, I, never>) =>
(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Raw<A> =>
  internal.make("Raw", {
    _tag: "RawQuery",
    sql: { _tag: "Raw", strings: [...strings], values: values.map(Ast.lift) },
    schema
  })

/**
 * Set operations: `union`, `unionAll`, `intersect`, `except`.
 *
 * @since 0.1.0
 * @category combining
 */
export * from "./Compound.js"

/**
 * Caching: `cached` and its `CacheOptions`.
 *
 * @since 0.2.0
 * @category caching
 */
export * from "./Cached.js"

/**
 * Row locks: `forUpdate`, `forShare` and their `LockOptions`.
 *
 * @since 0.1.0
 * @category locking
 */
export * from "./Lock.js"

/**
 * The write builders (`insert`, `insertMany`, `upsert`, `insertOrIgnore`,
 * `update`, `delete`, `returning`).
 *
 * @since 0.1.0
 * @category writes
 */
export * from "./Write.js"

/**
 * Execution: `all`, `get`, `first`, `last`, `count`, `exists`, `aggregate`,
 * `stream`, `run`.
 *
 * @since 0.1.0
 * @category execution
 */
export { aggregate, all, count, exists, first, get, last, run, stream } from "./Execute.js"

/**
 * Inspection: `compile`, `compileAll`.
 *
 * @since 0.1.0
 * @category compiling
 */
export { compile, compileAll } from "./Compiler.js"
