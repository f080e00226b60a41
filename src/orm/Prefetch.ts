/**
 * Loading relations (re-exported by `Relation`): eagerly with a query
 * (`prefetch`, one query per relation level, keys chunked under the
 * dialect's bind limit, never one query per parent; `annotate` for computed
 * fields), or lazily for rows in hand (`load`, and `loadOne` batched across
 * fibers). Write `Relation.prefetch(...)`.
 *
 * @since 0.1.0
 */
import type { Effect, Option, Pipeable, Types } from "effect"
import type { Database } from "../layers/Database.js"
import type * as Table from "../schema/Table.js"
import type { Failure } from "../query/Execute.js"
import type * as Expr from "../query/Expr.js"
import * as internal from "./internal/relation.js"
import type * as Query from "../query/Query.js"
import type { BelongsTo, Def, HasMany, ManyToMany, Relations, Target, TypeId } from "./internal/relationTypes.js"

/**
 * The value a loaded relation has on a row of `S`, its related rows being
 * `B`: a list (has-many, many-to-many), a row or `null` (has-one; a
 * belongs-to whose key is nullable or whose loading query filters), or a row
 * (a belongs-to declared on a non-nullable foreign key).
 *
 * @since 0.1.0
 * @category models
 */
export type Loaded<S extends Table.Any, R, B, Filtered extends boolean> = R extends HasMany<any> | ManyToMany<any, any, any, any>
  ? ReadonlyArray<B>
  : R extends BelongsTo<any, infer FK> ? Filtered extends true ? B | null
    : FK extends Table.FieldName<S["model"]>
      ? null extends Table.FieldType<S["model"], FK> ? B | null
      : Table.FieldType<S["model"], FK> extends Option.Option<any> ? B | null
      : B
    : B | null
  : B | null

/**
 * A SELECT over `T` with relations to load eagerly (and annotations), whose
 * rows are `A`. Run it with `Relation.all`, `first` or `get`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Eager<out A, in out T extends Table.Any> extends Pipeable.Pipeable {
  readonly [TypeId]: { readonly _A: Types.Covariant<A>; readonly _T: Types.Invariant<T> }
  readonly _tag: "Eager"
  /** The base query. */
  readonly query: Query.Select<unknown, T, []>
}

/**
 * What a relation's loading query may be: the target's rows filtered,
 * ordered, narrowed (`only` / `defer`), annotated, with nested prefetches —
 * but not sliced, grouped, joined or projected.
 *
 * @since 0.1.0
 * @category models
 */
export type Customize<T extends Table.Any, B> = (query: Query.Select<Table.Row<T>, T, []>) => Query.Select<B, T, []> | Eager<B, T>

/**
 * Load a relation onto the rows of a query, with one query for all of them
 * (keys chunked under the dialect's bind limit). `customize` shapes the
 * related rows' query — filter, order, narrow, annotate, nest further
 * prefetches — and its rows become the relation's rows.
 *
 * @since 0.1.0
 * @category eager loading
 */
export const prefetch: {
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
    relations: Relations<S, D>,
    name: K
  ): <A>(
    self: Query.Select<A, S, []> | Eager<A, S>
  ) => Eager<A & { readonly [P in K]: Loaded<S, D[K], Table.Row<Target<D[K]>>, false> }, S>
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string, B>(
    relations: Relations<S, D>,
    name: K,
    customize: Customize<Target<D[K]>, B>
  ): <A>(self: Query.Select<A, S, []> | Eager<A, S>) => Eager<A & { readonly [P in K]: Loaded<S, D[K], B, true> }, S>
} = internal.prefetch as any

/**
 * Add computed fields to each row: `Relation.annotate({ posts: Relation.count(UserRel, "posts") })`
 * (Django's `annotate`).
 *
 * @since 0.1.0
 * @category eager loading
 */
export const annotate: <const P extends { readonly [key: string]: Expr.Expr<any> }>(
  fields: P
) => <A, T extends Table.Any>(
  self: Query.Select<A, T, []> | Eager<A, T>
) => Eager<A & { readonly [K in keyof P]: Query.ExprType<P[K]> }, T> = internal.annotate as any

/**
 * Every row, with its relations loaded.
 *
 * @since 0.1.0
 * @category execution
 */
export const all: <A, T extends Table.Any>(
  self: Eager<A, T> | Query.Select<A, T, []>
) => Effect.Effect<ReadonlyArray<A>, Failure, Database> = internal.all as any

/**
 * The first row (by the query's order, else the primary key), with its relations.
 *
 * @since 0.1.0
 * @category execution
 */
export const first: <A, T extends Table.Any>(
  self: Eager<A, T> | Query.Select<A, T, []>
) => Effect.Effect<Option.Option<A>, Failure, Database> = internal.first as any

/**
 * The one row, with its relations: `NotFound` / `MultipleFound` otherwise.
 *
 * @since 0.1.0
 * @category execution
 */
export const get: <A, T extends Table.Any>(
  self: Eager<A, T> | Query.Select<A, T, []>
) => Effect.Effect<A, Failure, Database> = internal.get as any

/**
 * Load a relation onto rows already in hand, with one query for all of them.
 * The rows are not changed: copies (of the same class) come back.
 *
 * @since 0.1.0
 * @category lazy loading
 */
export const load: {
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
    relations: Relations<S, D>,
    name: K
  ): <A extends Table.Row<S>>(
    rows: ReadonlyArray<A>
  ) => Effect.Effect<ReadonlyArray<A & { readonly [P in K]: Loaded<S, D[K], Table.Row<Target<D[K]>>, false> }>, Failure, Database>
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string, B>(
    relations: Relations<S, D>,
    name: K,
    customize: Customize<Target<D[K]>, B>
  ): <A extends Table.Row<S>>(
    rows: ReadonlyArray<A>
  ) => Effect.Effect<ReadonlyArray<A & { readonly [P in K]: Loaded<S, D[K], B, true> }>, Failure, Database>
} = internal.load as any

/**
 * The relation's value for one row, batched: loads started in the same turn
 * of the event loop — by the fibers of `Effect.forEach(rows, load, { concurrency: "unbounded" })`,
 * or by fibers that know nothing of each other — become one query per
 * relation level (DataLoader-style). Loads in different transactions are
 * never batched together. Make the loader once
 * (`const postsOf = Relation.loadOne(UserRel, "posts", ...)`): loads batch
 * together only through the same loader (an uncustomized one is shared).
 *
 * @since 0.1.0
 * @category lazy loading
 */
export const loadOne: {
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
    relations: Relations<S, D>,
    name: K
  ): (row: Table.Row<S>) => Effect.Effect<Loaded<S, D[K], Table.Row<Target<D[K]>>, false>, Failure, Database>
  <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string, B>(
    relations: Relations<S, D>,
    name: K,
    customize: Customize<Target<D[K]>, B>
  ): (row: Table.Row<S>) => Effect.Effect<Loaded<S, D[K], B, true>, Failure, Database>
} = internal.loadOne as any
