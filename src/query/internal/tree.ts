/**
 * The read tree: expression nodes and the SELECT / compound nodes they can
 * contain (`EXISTS`, `IN (SELECT ...)`, scalar subqueries). The two are
 * mutually recursive, so they are declared in one module; write statements
 * are in `statements.ts`, constructors in `Ast`.
 */
import type * as Table from "../../schema/Table.js"
import type { CachePolicy } from "./cachePolicy.js"


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

/**
 * Any expression node.
 *
 * @since 0.1.0
 * @category expressions
 */
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

/**
 * @since 0.1.0
 * @category statements
 */
export interface Order {
  readonly _tag: "Order"
  readonly expr: Expr
  readonly direction: "asc" | "desc"
  readonly nulls: "first" | "last" | undefined
}

/**
 * @since 0.1.0
 * @category statements
 */
export interface Join {
  readonly _tag: "Join"
  readonly kind: "inner" | "left"
  readonly table: Table.Any
  readonly on: Expr
}

/**
 * A row lock taken by a SELECT: exclusive (`update`) or shared, and what to
 * do about rows another transaction has locked — wait, fail at once
 * (`noWait`), or leave them out (`skipLocked`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock {
  readonly mode: "update" | "share"
  readonly wait: "wait" | "noWait" | "skipLocked"
}

/**
 * A SELECT. With neither `fields` nor `projection`, every column of the base
 * table (and of each joined table) is selected.
 *
 * @since 0.1.0
 * @category statements
 */
export interface Select {
  readonly _tag: "Select"
  readonly from: Table.Any
  readonly joins: ReadonlyArray<Join>
  readonly where: Expr | undefined
  readonly groupBy: ReadonlyArray<Expr>
  readonly having: Expr | undefined
  readonly orderBy: ReadonlyArray<Order>
  /** A bound value or parameter; a `Raw` literal for the limits Quarry adds itself (`get` reads 2 rows). */
  readonly limit: Value | Param | Raw | undefined
  readonly offset: Value | Param | undefined
  readonly distinct: boolean
  /** The base table's fields to select (`only` / `defer`). */
  readonly fields: ReadonlyArray<string> | undefined
  /** A custom projection, replacing the rows of the tables. */
  readonly projection: ReadonlyArray<readonly [string, Expr]> | undefined
  /** Lock the rows read until the transaction ends (`Query.forUpdate` / `forShare`). */
  readonly lock: Lock | undefined
  /**
   * LIMIT / OFFSET per value of this expression rather than over all rows
   * (the relation loader's "latest 3 posts of each author"): rows are
   * numbered in the query's order within each value, then sliced.
   */
  readonly partitionBy?: Expr | undefined
  /** Read through the query cache (`Query.cached`). */
  readonly cache?: CachePolicy | undefined
}

/**
 * SELECTs combined: `UNION [ALL]`, `INTERSECT`, `EXCEPT`. The rows are the
 * first member's; the result is ordered by its result keys and sliced.
 *
 * @since 0.1.0
 * @category statements
 */
export interface Compound {
  readonly _tag: "Compound"
  readonly op: "UNION" | "UNION ALL" | "INTERSECT" | "EXCEPT"
  readonly members: ReadonlyArray<Select>
  readonly orderBy: ReadonlyArray<readonly [key: string, direction: "asc" | "desc"]>
  readonly limit: Value | undefined
  readonly offset: Value | undefined
  /** Read through the query cache (`Query.cached`). */
  readonly cache?: CachePolicy | undefined
}
