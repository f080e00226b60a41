/**
 * The types of relation definitions (`hasMany`, `belongsTo`, ...) and of a
 * table's relations; declared below `Relation` so that `Prefetch`
 * (re-exported by `Relation`) imports them one way.
 */
import type * as Table from "../../schema/Table.js"
import * as internal from "./relation.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId as never

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Rows of `T` whose foreign key holds this row's key (default key: the
 * primary key; default foreign key: the one column of `T` referencing this table).
 *
 * @since 0.1.0
 * @category models
 */
export interface HasMany<T extends Table.Any> {
  readonly _tag: "HasMany"
  readonly target: () => T
  readonly foreignKey: string | undefined
  readonly key: string | undefined
}

/**
 * At most one row of `T` whose foreign key holds this row's key (the first,
 * by the loading query's order, when there are several).
 *
 * @since 0.1.0
 * @category models
 */
export interface HasOne<T extends Table.Any> {
  readonly _tag: "HasOne"
  readonly target: () => T
  readonly foreignKey: string | undefined
  readonly key: string | undefined
}

/**
 * The row of `T` this row's foreign key `FK` refers to (default: the key it
 * is declared to reference, else `T`'s primary key).
 *
 * @since 0.1.0
 * @category models
 */
export interface BelongsTo<T extends Table.Any, FK extends string = string> {
  readonly _tag: "BelongsTo"
  readonly target: () => T
  readonly foreignKey: FK | undefined
  readonly key: string | undefined
}

/**
 * Rows of `T` linked through rows of the join table `J`, whose field `From`
 * holds this row's key and `To` the target's key. The join table may carry
 * columns of its own (set with `add` / `set`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ManyToMany<T extends Table.Any, J extends Table.Any, From extends string = string, To extends string = string> {
  readonly _tag: "ManyToMany"
  readonly target: () => T
  readonly through: () => J
  readonly from: From | undefined
  readonly to: To | undefined
  readonly key: string | undefined
  readonly targetKey: string | undefined
}

/**
 * Any relation declaration.
 *
 * @since 0.1.0
 * @category models
 */
export type Def = HasMany<any> | HasOne<any> | BelongsTo<any, any> | ManyToMany<any, any, any, any>

/**
 * The relations of table `S`, by name.
 *
 * @since 0.1.0
 * @category models
 */
export interface Relations<S extends Table.Any, D extends { readonly [name: string]: Def }> {
  readonly [TypeId]: TypeId
  readonly table: S
  readonly defs: D
}

/**
 * The related table of a declaration.
 *
 * @since 0.1.0
 * @category models
 */
export type Target<R> = R extends { readonly target: () => infer T extends Table.Any } ? T : never

/**
 * Names of relations of `D` that are many-to-many.
 *
 * @since 0.1.0
 * @category models
 */
export type ManyToManyName<D> = { [K in keyof D]: D[K] extends ManyToMany<any, any, any, any> ? K : never }[keyof D] & string

/**
 * `unknown` when every declared foreign key is a field of `S`.
 *
 * @since 0.1.0
 * @category models
 */
export type CheckDefs<S extends Table.Any, D> = {
  readonly [K in keyof D]: D[K] extends BelongsTo<any, infer FK>
    ? [FK] extends [never] ? unknown : FK extends Table.FieldName<S["model"]> ? unknown : { readonly "foreign key is not a field of the table": FK }
    : unknown
}
