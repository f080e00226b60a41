/**
 * Aggregates, for `Query.select` with `groupBy`, `Query.having` and
 * `Query.aggregate`. Each decodes to its declared type on every dialect
 * (PostgreSQL's text COUNT and SUM, MySQL's DECIMAL SUM and AVG included).
 * Re-exported by `Expr`.
 *
 * @since 0.1.0
 */
import type { Expr } from "./Typed.js"

/**
 * `COUNT(*)`, or `COUNT(expr)` (non-NULL values); decodes to a number on every dialect.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const count = (expr?: Expr<unknown>): Expr<number> => ({
  _tag: "Aggregate",
  fn: "COUNT",
  arg: expr,
  distinct: false
})

/**
 * `COUNT(DISTINCT expr)`.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const countDistinct = (expr: Expr<unknown>): Expr<number> => ({
  _tag: "Aggregate",
  fn: "COUNT",
  arg: expr,
  distinct: true
})

/**
 * `SUM(expr)`: NULL (no rows) or the expression's type.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const sum = <A extends number | bigint | null>(expr: Expr<A>): Expr<A | null> => ({
  _tag: "Aggregate",
  fn: "SUM",
  arg: expr,
  distinct: false
})

/**
 * `AVG(expr)`, as a floating-point number.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const avg = (expr: Expr<number | bigint | null>): Expr<number | null> => ({
  _tag: "Aggregate",
  fn: "AVG",
  arg: expr,
  distinct: false
})

/**
 * @since 0.1.0
 * @category aggregates
 */
export const min = <A>(expr: Expr<A>): Expr<A | null> => ({ _tag: "Aggregate", fn: "MIN", arg: expr, distinct: false })

/**
 * @since 0.1.0
 * @category aggregates
 */
export const max = <A>(expr: Expr<A>): Expr<A | null> => ({ _tag: "Aggregate", fn: "MAX", arg: expr, distinct: false })
