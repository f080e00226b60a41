/**
 * The statement nodes of the query tree: SELECT (with its joins and
 * orders), INSERT, UPDATE, DELETE and raw statements. Expressions are in
 * `Ast`, which re-exports these.
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"
import type * as Table from "../schema/Table.js"
import type { Expr, Param, Raw, Value } from "./Ast.js"

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
 * A SELECT. With neither `fields` nor `projection`, every column of the base
 * table (and of each joined table) is selected.
 *
 * @since 0.1.0
 * @category statements
 */
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
}

/**
 * What an insert does when a row conflicts with a unique key.
 *
 * @since 0.1.0
 * @category statements
 */
export type Conflict =
  | {
    readonly _tag: "DoUpdate"
    readonly target: ReadonlyArray<string>
    /** Fields to overwrite; undefined: every field the row sets, except the target. */
    readonly update: ReadonlyArray<string> | undefined
  }
  | { readonly _tag: "DoNothing" }

/**
 * An INSERT of rows in their decoded form (the model's insert variant encodes
 * them at compile time).
 *
 * @since 0.1.0
 * @category statements
 */
export interface Insert {
  readonly _tag: "Insert"
  readonly table: Table.Any
  readonly rows: ReadonlyArray<unknown>
  readonly conflict: Conflict | undefined
  /** Fields to return; undefined: return nothing. */
  readonly returning: ReadonlyArray<string> | undefined
}

/**
 * An UPDATE; a `Value` assigned to a field is encoded with the model's update
 * variant, any other expression is SQL (`age = age + 1`).
 *
 * @since 0.1.0
 * @category statements
 */
export interface Update {
  readonly _tag: "Update"
  readonly table: Table.Any
  readonly set: ReadonlyArray<readonly [string, Expr]>
  readonly where: Expr | undefined
  readonly returning: ReadonlyArray<string> | undefined
}

/**
 * @since 0.1.0
 * @category statements
 */
export interface Delete {
  readonly _tag: "Delete"
  readonly table: Table.Any
  readonly where: Expr | undefined
  readonly returning: ReadonlyArray<string> | undefined
}

/**
 * A whole statement in raw SQL, its rows decoded by `schema`.
 *
 * @since 0.1.0
 * @category statements
 */
export interface RawQuery {
  readonly _tag: "RawQuery"
  readonly sql: Raw
  readonly schema: Schema.Schema<any, any, never>
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
}

/**
 * @since 0.1.0
 * @category statements
 */
export type Statement = Select | Insert | Update | Delete | RawQuery | Compound

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
