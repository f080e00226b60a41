/**
 * The write statements of the query tree (INSERT, UPDATE, DELETE, upsert
 * conflicts), raw statements, and the union of every statement.
 */
import type { Schema } from "effect"
import type * as Table from "../../schema/Table.js"
import type { CachePolicy } from "./cachePolicy.js"
import type { Compound, Expr, Raw, Select } from "./tree.js"

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
  /** Read through the query cache (`Query.cached`). */
  readonly cache?: CachePolicy | undefined
}

/**
 * @since 0.1.0
 * @category statements
 */
export type Statement = Select | Insert | Update | Delete | RawQuery | Compound
