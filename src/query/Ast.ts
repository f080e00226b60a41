/**
 * The query tree: plain immutable data, small nodes with a `_tag`. Builders
 * (`Query`, `Expr`, `Lookup`) make these nodes; the compiler walks them once
 * per dialect. Nothing here knows about SQL text.
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import type { Compound, Order, Select } from "./QueryNode.js"

/**
 * A column of a table (the same shape as `Table.ColumnRef`, so `Users.c.age`
 * is a node).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Column {
  readonly _tag: "Column"
  readonly table: string
  readonly def: Table.ColumnDef
}

/**
 * A value to bind, in its decoded form; the compiler encodes it with the
 * schema of the expression it meets (a column's schema, for `age = 18`).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Value {
  readonly _tag: "Value"
  readonly value: unknown
}

/**
 * A named placeholder, bound when a prepared query runs.
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Param {
  readonly _tag: "Param"
  readonly name: string
}

/**
 * @since 0.1.0
 * @category expressions
 */
export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">="

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Compare {
  readonly _tag: "Compare"
  readonly op: CompareOp
  readonly left: Expr
  readonly right: Expr
}

/**
 * `expr IN (values)`; an empty list is false (negated: true).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface In {
  readonly _tag: "In"
  readonly expr: Expr
  readonly values: ReadonlyArray<Expr>
  readonly negated: boolean
}

/**
 * `expr IN (SELECT ...)`.
 *
 * @since 0.1.0
 * @category expressions
 */
export interface InQuery {
  readonly _tag: "InQuery"
  readonly expr: Expr
  /** A SELECT of one column, or SELECTs of one column combined (`Query.union`, …). */
  readonly query: Select | Compound
  readonly negated: boolean
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Between {
  readonly _tag: "Between"
  readonly expr: Expr
  readonly low: Expr
  readonly high: Expr
}

/**
 * How a pattern's text is matched: as a LIKE pattern the caller wrote, or as
 * plain text (wildcards escaped) at the start, end or anywhere.
 *
 * @since 0.1.0
 * @category expressions
 */
export type LikeMode = "like" | "startsWith" | "endsWith" | "contains"

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Like {
  readonly _tag: "Like"
  readonly expr: Expr
  readonly pattern: Value | Param
  readonly mode: LikeMode
  readonly caseInsensitive: boolean
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface IsNull {
  readonly _tag: "IsNull"
  readonly expr: Expr
  readonly negated: boolean
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface And {
  readonly _tag: "And"
  readonly exprs: ReadonlyArray<Expr>
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Or {
  readonly _tag: "Or"
  readonly exprs: ReadonlyArray<Expr>
}

/**
 * SQL's three-valued `NOT`.
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Not {
  readonly _tag: "Not"
  readonly expr: Expr
}

/**
 * `expr IS NOT TRUE`: the complement of a predicate, counting NULL as false
 * (what `exclude` means).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface NotTrue {
  readonly _tag: "NotTrue"
  readonly expr: Expr
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Arithmetic {
  readonly _tag: "Arithmetic"
  /** `/` divides as floats, and by zero gives NULL (on every dialect). */
  readonly op: "+" | "-" | "*" | "/"
  readonly left: Expr
  readonly right: Expr
}

/**
 * Scalar functions whose name and meaning agree on every dialect.
 *
 * @since 0.1.0
 * @category expressions
 */
export type Function = "LOWER" | "UPPER" | "COALESCE" | "ABS" | "LENGTH" | "TRIM" | "CONCAT"

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Call {
  readonly _tag: "Call"
  readonly fn: Function
  readonly args: ReadonlyArray<Expr>
}

/**
 * @since 0.1.0
 * @category expressions
 */
export type AggregateFunction = "COUNT" | "SUM" | "AVG" | "MIN" | "MAX"

/**
 * An aggregate; `arg` undefined is `COUNT(*)`.
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Aggregate {
  readonly _tag: "Aggregate"
  readonly fn: AggregateFunction
  readonly arg: Expr | undefined
  readonly distinct: boolean
}

/**
 * @since 0.1.0
 * @category expressions
 */
export interface Exists {
  readonly _tag: "Exists"
  readonly query: Select
  readonly negated: boolean
}

/**
 * A scalar subquery `(SELECT ...)`: its one projected column of at most one
 * row (NULL when none); it may refer to the outer query's tables (a
 * correlated subquery, e.g. the number of a row's related rows).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Subquery {
  readonly _tag: "Subquery"
  readonly query: Select
}

/**
 * Raw SQL text around expressions: `strings[0] values[0] strings[1] ...`.
 * Values are compiled as expressions (so plain values are bound).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Raw {
  readonly _tag: "Raw"
  readonly strings: ReadonlyArray<string>
  readonly values: ReadonlyArray<Expr>
}

/**
 * @since 0.1.0
 * @category expressions
 */
/**
 * @since 0.1.0
 * @category expressions
 */
export type RankingFunction = "ROW_NUMBER" | "RANK" | "DENSE_RANK"

/**
 * A window function: a ranking, or an aggregate computed over the rows of
 * the current row's partition (`fn OVER (PARTITION BY … ORDER BY …)`).
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Window {
  readonly _tag: "Window"
  readonly fn: RankingFunction | Aggregate
  readonly partitionBy: ReadonlyArray<Expr>
  readonly orderBy: ReadonlyArray<Order>
}

/**
 * `CASE WHEN c1 THEN v1 … ELSE otherwise END`: the value of the first
 * condition that holds; NULL when none does and there is no `otherwise`.
 *
 * @since 0.1.0
 * @category expressions
 */
export interface Case {
  readonly _tag: "Case"
  readonly branches: ReadonlyArray<readonly [condition: Expr, value: Expr]>
  readonly otherwise: Expr | undefined
}

export type Expr =
  | Column
  | Value
  | Param
  | Compare
  | In
  | InQuery
  | Between
  | Like
  | IsNull
  | And
  | Or
  | Not
  | NotTrue
  | Arithmetic
  | Call
  | Aggregate
  | Exists
  | Subquery
  | Case
  | Window
  | Raw

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
 * The statement nodes (SELECT, INSERT, UPDATE, DELETE, raw), defined in
 * `QueryNode` and part of the same tree.
 *
 * @since 0.1.0
 * @category statements
 */
export type { Compound, Conflict, Delete, Insert, Join, Lock, Order, RawQuery, Select, Statement, Update } from "./QueryNode.js"

/**
 * Statement constructors.
 *
 * @since 0.1.0
 * @category constructors
 */
export { andWhere, select } from "./QueryNode.js"

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
