/**
 * Scalar functions over expressions, the same result on every dialect (the
 * dialect record says how: `CHAR_LENGTH` on MySQL, `CONCAT` where `||` is OR).
 * Re-exported by `Expr`.
 *
 * @since 0.1.0
 */
import * as Ast from "./Ast.js"
import type { Expr, Operand, Predicate } from "./Typed.js"

/**
 * @since 0.1.0
 * @category functions
 */
export const abs = <A extends number | bigint | null>(expr: Expr<A>): Expr<A> => ({
  _tag: "Call",
  fn: "ABS",
  args: [expr]
})

/**
 * `LOWER(expr)`.
 *
 * @since 0.1.0
 * @category functions
 */
export const lower = <A extends string | null>(expr: Expr<A>): Expr<null extends A ? string | null : string> => ({
  _tag: "Call",
  fn: "LOWER",
  args: [expr]
})

/**
 * `UPPER(expr)`.
 *
 * @since 0.1.0
 * @category functions
 */
export const upper = <A extends string | null>(expr: Expr<A>): Expr<null extends A ? string | null : string> => ({
  _tag: "Call",
  fn: "UPPER",
  args: [expr]
})

/**
 * The length of a text in characters (`CHAR_LENGTH` on MySQL, whose `LENGTH` counts bytes).
 *
 * @since 0.1.0
 * @category functions
 */
export const length = <A extends string | null>(expr: Expr<A>): Expr<null extends A ? number | null : number> => ({
  _tag: "Call",
  fn: "LENGTH",
  args: [expr]
})

/**
 * `TRIM(expr)`: spaces removed at both ends.
 *
 * @since 0.1.0
 * @category functions
 */
export const trim = <A extends string | null>(expr: Expr<A>): Expr<null extends A ? string | null : string> => ({
  _tag: "Call",
  fn: "TRIM",
  args: [expr]
})

/**
 * Texts joined end to end: `a || b` (SQLite, PostgreSQL), `CONCAT(a, b)`
 * (MySQL). NULL if any part is NULL, on every dialect.
 *
 * @since 0.1.0
 * @category functions
 */
export const concat = <const P extends readonly [Operand<string | null>, Operand<string | null>, ...Array<Operand<string | null>>]>(
  ...parts: P
): Expr<null extends ExprValues<P> ? string | null : string> => ({
  _tag: "Call",
  fn: "CONCAT",
  args: parts.map(Ast.lift)
})

/** The value types of operands (an expression's type, or a value's own). */
type ExprValues<P extends ReadonlyArray<unknown>> = { [K in keyof P]: P[K] extends Expr<infer A> ? A : P[K] }[number]

/**
 * `CASE WHEN … THEN … ELSE … END`: the value of the first condition that
 * holds, else `otherwise` (NULL when there is none).
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Schema } from "effect"
 * import { Expr, Query, Table } from "effect-quarry"
 *
 * class Item extends Model.Class<Item>("Item")({ id: Model.Generated(Schema.Int), stock: Schema.Int }) {}
 * const Items = Table.make(Item, { name: "items" })
 *
 * const level = Expr.caseWhen([
 *   [Expr.eq(Items.c.stock, 0), "out"],
 *   [Expr.lt(Items.c.stock, 10), "low"]
 * ], "ok")
 * const withLevel = Query.from(Items).pipe(Query.select({ id: Items.c.id, level }))
 * ```
 *
 * @since 0.1.0
 * @category functions
 */
export const caseWhen: {
  <A>(branches: ReadonlyArray<readonly [Predicate, A | Expr<A>]>, otherwise: A | Expr<A>): Expr<A>
  <A>(branches: ReadonlyArray<readonly [Predicate, A | Expr<A>]>): Expr<A | null>
} = <A>(branches: ReadonlyArray<readonly [Predicate, A | Expr<A>]>, otherwise?: A | Expr<A>): Expr<A> => {
  if (branches.length === 0) throw new Error("Expr.caseWhen: give at least one branch")
  return {
    _tag: "Case",
    branches: branches.map(([when, then]) => [when, Ast.lift(then)] as const),
    otherwise: otherwise === undefined ? undefined : Ast.lift(otherwise)
  } as Ast.Case as Expr<A>
}

/**
 * The first non-NULL of an expression and a fallback.
 *
 * @since 0.1.0
 * @category functions
 */
export const coalesce = <A>(expr: Expr<A>, fallback: Operand<NonNullable<A>>): Expr<NonNullable<A>> => ({
  _tag: "Call",
  fn: "COALESCE",
  args: [expr, Ast.lift(fallback)]
})
