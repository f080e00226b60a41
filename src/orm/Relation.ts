/**
 * Relations between tables, with typed names: belongs-to (a foreign key),
 * has-many, has-one and many-to-many through a join table. Load them eagerly
 * with a query (`prefetch`: one query per relation level, never one per
 * parent), lazily for rows in hand (`load`, or `loadOne` batched across
 * fibers), filter and count across them (`whereHas`, `count`), and manage
 * many-to-many links (`add`, `remove`, `set`).
 *
 * Loaded rows keep their model class: relations are attached to the decoded
 * instance (a copy of it for rows in hand), as read-only fields named after
 * the relation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Query, Relation } from "effect-quarry"
 *
 * const UserRel = Relation.define(Users, {
 *   posts: Relation.hasMany(() => Posts, { foreignKey: "authorId" })
 * })
 * const PostRel = Relation.define(Posts, {
 *   author: Relation.belongsTo(() => Users, { foreignKey: "authorId" })
 * })
 *
 * const program = Effect.gen(function*() {
 *   // two queries: the users, then every listed user's published posts
 *   const users = yield* Query.from(Users).pipe(
 *     Relation.prefetch(UserRel, "posts", (q) => q.pipe(Query.where({ published: true }))),
 *     Relation.all
 *   )
 *   users[0].posts[0].title
 *   // users with a post about Effect, most prolific first
 *   const writers = yield* Query.from(Users).pipe(
 *     Query.where(Relation.whereHas(UserRel, "posts", { title: { contains: "Effect" } })),
 *     Query.orderBy(Query.desc(Relation.count(UserRel, "posts"))),
 *     Query.all
 *   )
 *   const author = yield* Relation.loadOne(PostRel, "author")(users[0].posts[0]) // a User
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { Database } from "../layers/Database.js"
import type * as Table from "../schema/Table.js"
import type { Failure } from "../query/Execute.js"
import type * as Expr from "../query/Expr.js"
import * as internal from "./internal/relation.js"
import type * as Lookup from "../query/Lookup.js"
import { type HasMany, type HasOne, type BelongsTo, type ManyToMany, type Def, type Relations, type Target, type ManyToManyName, type CheckDefs } from "./internal/relationTypes.js"

/**
 * Eager and lazy loading: `prefetch`, `annotate`, `all`, `first`, `get`,
 * `load`, `loadOne` (and the `Eager`, `Loaded`, `Customize` types).
 *
 * @since 0.1.0
 * @category loading
 */
export * from "./Prefetch.js"

/**
 * The relation definition types: `HasMany`, `BelongsTo`, `ManyToMany`,
 * `Relations`, ... (declared in `internal/relationTypes.ts`).
 *
 * @since 0.1.0
 */
export * from "./internal/relationTypes.js"


/**
 * @since 0.1.0
 * @category constructors
 */
export const hasMany = <T extends Table.Any>(
  target: () => T,
  options?: { readonly foreignKey?: Table.FieldName<T["model"]> | undefined; readonly key?: string | undefined }
): HasMany<T> => ({ _tag: "HasMany", target, foreignKey: options?.foreignKey, key: options?.key })

/**
 * @since 0.1.0
 * @category constructors
 */
export const hasOne = <T extends Table.Any>(
  target: () => T,
  options?: { readonly foreignKey?: Table.FieldName<T["model"]> | undefined; readonly key?: string | undefined }
): HasOne<T> => ({ _tag: "HasOne", target, foreignKey: options?.foreignKey, key: options?.key })

/**
 * A belongs-to; name the foreign key (a field of the declaring table) to have
 * a non-nullable key typed as a row rather than `row | null`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const belongsTo = <T extends Table.Any, const FK extends string = never>(
  target: () => T,
  options?: { readonly foreignKey?: FK | undefined; readonly key?: Table.FieldName<T["model"]> | undefined }
): BelongsTo<T, FK> => ({ _tag: "BelongsTo", target, foreignKey: options?.foreignKey, key: options?.key })

/**
 * @since 0.1.0
 * @category constructors
 */
export const manyToMany = <
  T extends Table.Any,
  J extends Table.Any,
  const From extends Table.FieldName<J["model"]> = never,
  const To extends Table.FieldName<J["model"]> = never
>(
  target: () => T,
  options: {
    readonly through: () => J
    /** The join table's field holding this row's key (default: its one column referencing this table). */
    readonly from?: From | undefined
    /** The join table's field holding the target's key (default: its one column referencing the target). */
    readonly to?: To | undefined
    readonly key?: string | undefined
    readonly targetKey?: Table.FieldName<T["model"]> | undefined
  }
): ManyToMany<T, J, From, To> => ({
  _tag: "ManyToMany",
  target,
  through: options.through,
  from: options.from,
  to: options.to,
  key: options.key,
  targetKey: options.targetKey
})

/**
 * Declare the relations of a table. Targets are thunks, so tables may refer
 * to each other; they are resolved (and their keys checked) on first use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const define: <S extends Table.Any, const D extends { readonly [name: string]: Def }>(
  table: S,
  relations: D & CheckDefs<S, D>
) => Relations<S, D> = internal.define as any

/**
 * A condition on the source rows: at least one related row (matching
 * `condition`, a lookup or an expression over the related table) exists —
 * `EXISTS (SELECT 1 FROM ... WHERE <correlation> AND <condition>)`.
 *
 * @since 0.1.0
 * @category filtering
 */
export const whereHas: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
  relations: Relations<S, D>,
  name: K,
  condition?: Expr.Predicate | Lookup.Lookup<Target<D[K]>>
) => Expr.Predicate = internal.whereHas(false) as any

/**
 * A condition on the source rows: no related row (matching `condition`) exists.
 *
 * @since 0.1.0
 * @category filtering
 */
export const whereNone: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
  relations: Relations<S, D>,
  name: K,
  condition?: Expr.Predicate | Lookup.Lookup<Target<D[K]>>
) => Expr.Predicate = internal.whereHas(true) as any

/**
 * The number of related rows (matching `condition`), as an expression of the
 * source row: use it in `Query.select`, `Query.orderBy`, `Query.where` or
 * `Relation.annotate`.
 *
 * @since 0.1.0
 * @category aggregates
 */
export const count: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends keyof D & string>(
  relations: Relations<S, D>,
  name: K,
  condition?: Expr.Predicate | Lookup.Lookup<Target<D[K]>>
) => Expr.Expr<number> = internal.count as any

/**
 * What the join table's own columns take when links are added.
 *
 * @since 0.1.0
 * @category models
 */
export type Extra<R> = R extends ManyToMany<any, infer J, infer From, infer To>
  ? [From | To] extends [never] ? Partial<Table.Insert<J>> : Omit<Table.Insert<J>, From | To>
  : never

/**
 * The `extra` argument of `add` / `set`: optional when the join table needs nothing more.
 *
 * @since 0.1.0
 * @category models
 */
export type ExtraArgs<R> = {} extends Extra<R> ? [extra?: Extra<R>] : [extra: Extra<R>]

/**
 * A target: a row of the target table, or its key.
 *
 * @since 0.1.0
 * @category models
 */
export type TargetRef<T extends Table.Any> = Table.Row<T> | string | number | bigint

/**
 * Link a row to targets (rows or keys) it is not linked to yet, in one
 * transaction; the join table's own columns come from `extra`. Succeeds with
 * how many links were added. A unique constraint over the join table's two
 * keys makes racing adds safe.
 *
 * @since 0.1.0
 * @category many-to-many
 */
export const add: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends ManyToManyName<D>>(
  relations: Relations<S, D>,
  name: K
) => (
  row: Table.Row<S>,
  targets: Iterable<TargetRef<Target<D[K]>>>,
  ...extra: ExtraArgs<D[K]>
) => Effect.Effect<number, Failure, Database> = internal.add as any

/**
 * Unlink a row from targets; succeeds with how many links were removed.
 *
 * @since 0.1.0
 * @category many-to-many
 */
export const remove: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends ManyToManyName<D>>(
  relations: Relations<S, D>,
  name: K
) => (row: Table.Row<S>, targets: Iterable<TargetRef<Target<D[K]>>>) => Effect.Effect<number, Failure, Database> =
  internal.remove as any

/**
 * Make a row's targets exactly these, in one transaction: links to others
 * are removed, missing ones added (existing links keep their columns).
 *
 * @since 0.1.0
 * @category many-to-many
 */
export const set: <S extends Table.Any, D extends { readonly [name: string]: Def }, const K extends ManyToManyName<D>>(
  relations: Relations<S, D>,
  name: K
) => (
  row: Table.Row<S>,
  targets: Iterable<TargetRef<Target<D[K]>>>,
  ...extra: ExtraArgs<D[K]>
) => Effect.Effect<{ readonly added: number; readonly removed: number }, Failure, Database> = internal.set as any
