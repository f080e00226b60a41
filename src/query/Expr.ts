/**
 * Typed expressions: comparisons, pattern matches, boolean logic (Django's
 * `Q`), column arithmetic and functions (Django's `F`), aggregates and
 * subqueries. A column reference such as `Users.c.age` is an expression;
 * values compared with it are bound as parameters, encoded with the column's
 * schema for the dialect at hand.
 *
 * @example
 * ```ts
 * import { Expr } from "effect-quarry"
 *
 * Expr.and(Expr.gte(Users.c.age, 18), Expr.startsWith(Users.c.name, "J"))
 * // sqlite:   ("age" >= ? AND "name" GLOB ?)          [18, "J*"]
 * // postgres: ("age" >= $1 AND "name" LIKE $2 ESCAPE '!')  [18, "J%"]
 * // mysql:    (`age` >= ? AND `name` LIKE BINARY ? ESCAPE '!') [18, "J%"]
 * ```
 *
 * @since 0.1.0
 */
import * as Ast from "./Ast.js"
import type { Expr, Operand, Predicate, Select, Subquery } from "./Typed.js"

/**
 * The typed expression types (declared in `Typed`).
 *
 * @since 0.1.0
 */
export type { Expr, Operand, Param, Predicate, Subquery } from "./Typed.js"

const bin = (op: Ast.CompareOp) => <A>(left: Expr<A>, right: Operand<A>): Predicate =>
  Ast.compare(op, left, Ast.lift(right))

/**
 * `left = right`; comparing with `null` is `IS NULL`.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const eq: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin("=")

/**
 * `left <> right`; comparing with `null` is `IS NOT NULL`.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const ne: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin("<>")

/**
 * @since 0.1.0
 * @category comparisons
 */
export const gt: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin(">")

/**
 * @since 0.1.0
 * @category comparisons
 */
export const gte: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin(">=")

/**
 * @since 0.1.0
 * @category comparisons
 */
export const lt: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin("<")

/**
 * @since 0.1.0
 * @category comparisons
 */
export const lte: <A>(left: Expr<A>, right: Operand<A>) => Predicate = bin("<=")

const isSubquery = (u: unknown): u is Subquery<unknown> => {
  const tag = typeof u === "object" && u !== null ? (u as { ast?: { _tag?: unknown } }).ast?._tag : undefined
  return tag === "Select" || tag === "Compound"
}

const membership = (negated: boolean) =>
<A>(left: Expr<A>, values: Iterable<Operand<A>> | Subquery<NoInfer<A>>): Predicate =>
  isSubquery(values)
    ? { _tag: "InQuery", expr: left, query: values.ast, negated }
    : { _tag: "In", expr: left, values: Array.from(values as Iterable<unknown>, Ast.lift), negated }

const in_: <A>(left: Expr<A>, values: Iterable<Operand<A>> | Subquery<NoInfer<A>>) => Predicate = membership(false)

export {
  /**
   * `left IN (...)`, over values or a one-column subquery. An empty list is
   * false, never `IN ()`.
   *
   * @since 0.1.0
   * @category comparisons
   */
  in_ as in
}

/**
 * `left NOT IN (...)`; an empty list is true.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const notIn: <A>(left: Expr<A>, values: Iterable<Operand<A>> | Subquery<NoInfer<A>>) => Predicate =
  membership(true)

/**
 * `expr BETWEEN low AND high` (both ends included).
 *
 * @since 0.1.0
 * @category comparisons
 */
export const between = <A>(expr: Expr<A>, low: Operand<A>, high: Operand<A>): Predicate => ({
  _tag: "Between",
  expr,
  low: Ast.lift(low),
  high: Ast.lift(high)
})

/**
 * `expr IS NULL`.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const isNull = <A>(expr: Expr<A>): Predicate => ({ _tag: "IsNull", expr, negated: false })

/**
 * `expr IS NOT NULL`.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const isNotNull = <A>(expr: Expr<A>): Predicate => ({ _tag: "IsNull", expr, negated: true })

/**
 * All conditions hold (`AND`); no condition is true.
 *
 * @since 0.1.0
 * @category logic
 */
export const and = (...preds: ReadonlyArray<Predicate>): Predicate =>
  preds.length === 0 ? Ast.compare("=", Ast.value(1), Ast.value(1)) : Ast.and(preds)

/**
 * Any condition holds (`OR`); no condition is false.
 *
 * @since 0.1.0
 * @category logic
 */
export const or = (...preds: ReadonlyArray<Predicate>): Predicate =>
  preds.length === 0 ? Ast.compare("=", Ast.value(1), Ast.value(0)) : Ast.or(preds)

/**
 * SQL's `NOT` (a NULL condition stays NULL).
 *
 * @since 0.1.0
 * @category logic
 */
export const not = (pred: Predicate): Predicate => ({ _tag: "Not", expr: pred })

/**
 * The complement of a condition, NULL counting as false (`x IS NOT TRUE`):
 * every row matches exactly one of `pred` and `notTrue(pred)`.
 *
 * @since 0.1.0
 * @category logic
 */
export const notTrue = (pred: Predicate): Predicate => ({ _tag: "NotTrue", expr: pred })

/**
 * `left + right`.
 *
 * @since 0.1.0
 * @category arithmetic
 */
export const add = <A extends number | bigint | null>(left: Expr<A>, right: Operand<A>): Expr<A> => ({
  _tag: "Arithmetic",
  op: "+",
  left,
  right: Ast.lift(right)
})

/**
 * `left - right`.
 *
 * @since 0.1.0
 * @category arithmetic
 */
export const sub = <A extends number | bigint | null>(left: Expr<A>, right: Operand<A>): Expr<A> => ({
  _tag: "Arithmetic",
  op: "-",
  left,
  right: Ast.lift(right)
})

/**
 * `left * right`.
 *
 * @since 0.1.0
 * @category arithmetic
 */
export const mul = <A extends number | bigint | null>(left: Expr<A>, right: Operand<A>): Expr<A> => ({
  _tag: "Arithmetic",
  op: "*",
  left,
  right: Ast.lift(right)
})

/**
 * `left / right`, divided as floats on every dialect (`7 / 2` is `3.5`, not
 * `3`), and NULL when `right` is zero (PostgreSQL would fail, the others
 * give NULL: Quarry gives NULL everywhere).
 *
 * @since 0.1.0
 * @category arithmetic
 */
export const div = <A extends number | bigint | null>(left: Expr<A>, right: Operand<A>): Expr<number | null> => ({
  _tag: "Arithmetic",
  op: "/",
  left,
  right: Ast.lift(right)
})

/**
 * `EXISTS (subquery)`; the subquery may refer to the outer query's tables.
 *
 * @since 0.1.0
 * @category subqueries
 */
export const exists = (query: Select<unknown, any, any>): Predicate => ({
  _tag: "Exists",
  query: query.ast,
  negated: false
})

/**
 * `NOT EXISTS (subquery)`.
 *
 * @since 0.1.0
 * @category subqueries
 */
export const notExists = (query: Select<unknown, any, any>): Predicate => ({
  _tag: "Exists",
  query: query.ast,
  negated: true
})

/**
 * A value as an expression (bound as a parameter).
 *
 * @since 0.1.0
 * @category constructors
 */
export const value = <A>(value: A): Expr<A> => Ast.value(value)

/**
 * Raw SQL, the explicit escape hatch: interpolated expressions are compiled
 * (columns quoted), any other interpolated value is a bound parameter, passed
 * to the driver as it is.
 *
 * @example
 * ```ts
 * import { Expr } from "effect-quarry"
 *
 * Expr.sql<boolean>`${Users.c.age} % 2 = ${0}`
 * // sqlite: "age" % 2 = ?   postgres: "age" % 2 = $1
 * ```
 *
 * @since 0.1.0
 * @category raw
 */
export const sql = <A = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Expr<A> => ({
  _tag: "Raw",
  strings: [...strings],
  values: values.map(Ast.lift)
})

/**
 * Pattern matches: `like`, `iLike`, `startsWith`, `iStartsWith`, `endsWith`,
 * `iEndsWith`, `contains`, `iContains`, `iEq`.
 *
 * @since 0.1.0
 * @category patterns
 */
export * from "./Pattern.js"

/**
 * Aggregates: `count`, `countDistinct`, `sum`, `avg`, `min`, `max`.
 *
 * @since 0.1.0
 * @category aggregates
 */
export * from "./Aggregate.js"

/**
 * Scalar functions: `abs`, `lower`, `upper`, `length`, `trim`, `concat`,
 * `coalesce`, `caseWhen`.
 *
 * @since 0.1.0
 * @category functions
 */
export * from "./Functions.js"

/**
 * Window functions: `rowNumber`, `rank`, `denseRank`, and `over` (an
 * aggregate over a window).
 *
 * @since 0.1.0
 * @category windows
 */
export * from "./Window.js"
