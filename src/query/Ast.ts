/**
 * The query tree: plain immutable data, small nodes with a `_tag`. Builders
 * (`Query`, `Expr`, `Lookup`) make these nodes; the compiler walks them once
 * per dialect. Nothing here knows about SQL text.
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import type { Compare, CompareOp, Expr, Param, Select, Value } from "./internal/tree.js"

/**
 * The expression and SELECT nodes.
 *
 * @since 0.1.0
 */
export type * from "./internal/tree.js"

/**
 * The write statements, raw statements and `Statement`.
 *
 * @since 0.1.0
 */
export type * from "./internal/statements.js"

/**
 * How a read is cached (`Query.cached`).
 *
 * @since 0.2.0
 * @category models
 */
export type { CachePolicy } from "./internal/cachePolicy.js"

const exprTags: ReadonlySet<string> = new Set<Expr["_tag"]>([
  "Column",
  "Value",
  "Param",
  "Compare",
  "In",
  "InQuery",
  "Between",
  "Like",
  "IsNull",
  "And",
  "Or",
  "Not",
  "NotTrue",
  "Arithmetic",
  "Call",
  "Aggregate",
  "Exists",
  "Subquery",
  "Case",
  "Window",
  "Raw"
])

/**
 * Whether a value is an expression node (rather than a value to bind).
 *
 * @since 0.1.0
 * @category guards
 */
export const isExpr = (u: unknown): u is Expr =>
  typeof u === "object" && u !== null && exprTags.has((u as { _tag?: unknown })._tag as string) &&
  ((u as { _tag: string })._tag !== "Column" || "def" in u)

/**
 * A SELECT of every row of a table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const select = (from: Table.Any): Select => ({
  _tag: "Select",
  from,
  joins: [],
  where: undefined,
  groupBy: [],
  having: undefined,
  orderBy: [],
  limit: undefined,
  offset: undefined,
  distinct: false,
  fields: undefined,
  projection: undefined,
  lock: undefined
})

/**
 * A condition added to an existing one with AND.
 *
 * @since 0.1.0
 * @category constructors
 */
export const andWhere = (where: Expr | undefined, pred: Expr): Expr =>
  where === undefined
    ? pred
    : { _tag: "And", exprs: [...(where._tag === "And" ? where.exprs : [where]), ...(pred._tag === "And" ? pred.exprs : [pred])] }

/**
 * @since 0.1.0
 * @category constructors
 */
export const value = (value: unknown): Value => ({ _tag: "Value", value })

/**
 * @since 0.1.0
 * @category constructors
 */
export const param = (name: string): Param => ({ _tag: "Param", name })

/**
 * A node for an argument: expressions stay, anything else is a value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lift = (u: unknown): Expr => (isExpr(u) ? u : value(u))

/**
 * @since 0.1.0
 * @category constructors
 */
export const compare = (op: CompareOp, left: Expr, right: Expr): Compare => ({ _tag: "Compare", op, left, right })

/**
 * @since 0.1.0
 * @category constructors
 */
export const and = (exprs: ReadonlyArray<Expr>): Expr =>
  exprs.length === 1 ? exprs[0] : { _tag: "And", exprs: exprs.flatMap((e) => (e._tag === "And" ? e.exprs : [e])) }

/**
 * @since 0.1.0
 * @category constructors
 */
export const or = (exprs: ReadonlyArray<Expr>): Expr =>
  exprs.length === 1 ? exprs[0] : { _tag: "Or", exprs: exprs.flatMap((e) => (e._tag === "Or" ? e.exprs : [e])) }
