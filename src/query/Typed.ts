/**
 * The typed faces of the algebra: query values (`Select`, `Insert`, ...) with
 * the row and table types they carry, and typed expressions (`Expr<A>`,
 * `Predicate`, ...) over the untyped nodes of `Ast`. `Query` and `Expr`
 * re-export these; the modules that build on them import them from here, so
 * imports inside the algebra run one way.
 *
 * @since 0.2.0
 */
import type { Pipeable, Types } from "effect"
import type * as Table from "../schema/Table.js"
import type * as Ast from "./Ast.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-quarry/Query")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A SELECT whose rows are `A` — or, after joins, `[A, ...J]` — over base table `T`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Select<out A, in out T extends Table.Any = Table.Any, out J extends ReadonlyArray<unknown> = []>
  extends Pipeable.Pipeable
{
  readonly [TypeId]: { readonly _A: Types.Covariant<A>; readonly _T: Types.Invariant<T>; readonly _J: Types.Covariant<J> }
  readonly _tag: "Select"
  readonly ast: Ast.Select
}

/**
 * An INSERT into `T` (one row or many, possibly an upsert).
 *
 * @since 0.1.0
 * @category models
 */
export interface Insert<in out T extends Table.Any> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _T: Types.Invariant<T> }
  readonly _tag: "Insert"
  readonly ast: Ast.Insert
}

/**
 * An UPDATE of `T`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Update<in out T extends Table.Any> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _T: Types.Invariant<T> }
  readonly _tag: "Update"
  readonly ast: Ast.Update
}

/**
 * A DELETE from `T`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delete<in out T extends Table.Any> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _T: Types.Invariant<T> }
  readonly _tag: "Delete"
  readonly ast: Ast.Delete
}

/**
 * A write returning the rows it wrote (or deleted), as `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Returning<out A> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _A: Types.Covariant<A> }
  readonly _tag: "Returning"
  readonly ast: Ast.Insert | Ast.Update | Ast.Delete
}

/**
 * A raw SQL statement whose rows decode to `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Raw<out A> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _A: Types.Covariant<A> }
  readonly _tag: "Raw"
  readonly ast: Ast.RawQuery
}

/**
 * SELECTs combined by `union`, `unionAll`, `intersect` or `except`; rows of `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Compound<out A> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _A: Types.Covariant<A> }
  readonly _tag: "Compound"
  readonly ast: Ast.Compound
}

/**
 * A write (run for its effect).
 *
 * @since 0.1.0
 * @category models
 */
export type Write<T extends Table.Any = any> = Insert<T> | Update<T> | Delete<T>

/**
 * Anything that returns rows.
 *
 * @since 0.1.0
 * @category models
 */
export type Readable = Select<any, any, any> | Returning<any> | Raw<any> | Compound<any>

/**
 * Anything that takes a WHERE.
 *
 * @since 0.1.0
 * @category models
 */
export type Filterable = Select<any, any, any> | Update<any> | Delete<any>

/**
 * Any query value.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Readable | Write

/**
 * The row type of a query.
 *
 * @since 0.1.0
 * @category models
 */
export type Row<Q> = Q extends Select<infer A, any, infer J> ? J extends readonly [] ? A : readonly [A, ...J]
  : Q extends Returning<infer A> ? A
  : Q extends Raw<infer A> ? A
  : Q extends Compound<infer A> ? A
  : never

/**
 * The table a query is over.
 *
 * @since 0.1.0
 * @category models
 */
export type TableOf<Q> = Q extends Select<any, infer T, any> ? T
  : Q extends Update<infer T> ? T
  : Q extends Delete<infer T> ? T
  : Q extends Insert<infer T> ? T
  : never

/**
 * The decoded type of an expression.
 *
 * @since 0.1.0
 * @category models
 */
export type ExprType<E> = E extends { readonly _A?: infer A } ? A : never

/**
 * An expression whose value decodes to `A`.
 *
 * @since 0.1.0
 * @category models
 */
export type Expr<A> = Ast.Expr & { readonly _A?: A }

/**
 * A condition.
 *
 * @since 0.1.0
 * @category models
 */
export type Predicate = Expr<boolean>

/**
 * A named placeholder for a prepared query (see `Query.param`).
 *
 * @since 0.1.0
 * @category models
 */
export type Param<A = never> = Ast.Param & { readonly _A?: A }

/**
 * What may stand on the other side of a comparison with an `Expr<A>`: a value
 * of its type, or another expression of that type (possibly nullable).
 *
 * @since 0.1.0
 * @category models
 */
export type Operand<A> = NoInfer<A> | Expr<NoInfer<A> | null>

/**
 * A query selecting one column of type `A`, usable with `in` / `notIn`.
 *
 * @since 0.1.0
 * @category models
 */
export type Subquery<A> =
  | Select<{ readonly [field: string]: A }, any, []>
  | Compound<{ readonly [field: string]: A }>
