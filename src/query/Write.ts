/**
 * Write builders: insert (one, many, upsert, insert-or-ignore), update and
 * delete, optionally returning rows. Rows are encoded with the model's
 * insert / update variant before any SQL runs; a value the schema rejects
 * fails with `ValidationError`. Re-exported by `Query`.
 *
 * @example
 * ```ts
 * import { Expr, Query } from "effect-quarry"
 *
 * Query.update(Users, { age: Expr.add(Users.c.age, 1) }).pipe(Query.where({ id: 1 }), Query.run)
 * // sqlite:   UPDATE "users" SET "age" = ("age" + ?) WHERE "id" = ?
 * // mysql:    UPDATE `users` SET `age` = (`age` + ?) WHERE `id` = ?
 * ```
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import * as Ast from "./Ast.js"
import type * as Typed from "./Typed.js"
import * as internal from "./internal/query.js"

const insertAst = (table: Table.Any, rows: ReadonlyArray<unknown>, conflict: Ast.Conflict | undefined): Ast.Insert => ({
  _tag: "Insert",
  table,
  rows,
  conflict,
  returning: undefined
})

/**
 * Insert one row (what the model's insert variant takes).
 *
 * @since 0.1.0
 * @category inserts
 */
export const insert = <T extends Table.Any>(table: T, row: Table.Insert<T>): Typed.Insert<T> =>
  internal.make("Insert", insertAst(table, [row], undefined))

/**
 * Insert many rows: multi-row VALUES, chunked under the dialect's
 * bind-parameter limit, all in one transaction.
 *
 * @since 0.1.0
 * @category inserts
 */
export const insertMany = <T extends Table.Any>(table: T, rows: Iterable<Table.Insert<T>>): Typed.Insert<T> =>
  internal.make("Insert", insertAst(table, Array.from(rows), undefined))

/**
 * How an upsert resolves a conflict.
 *
 * @since 0.1.0
 * @category inserts
 */
export interface UpsertOptions<T extends Table.Any> {
  /** The unique key that conflicts (default: the primary key). */
  readonly target?: ReadonlyArray<Table.FieldName<T["model"]>> | undefined
  /** The fields to overwrite (default: every field the row sets, except the target). */
  readonly update?: ReadonlyArray<Table.FieldName<T["model"]>> | undefined
}

const rowsOf = (rows: unknown): ReadonlyArray<unknown> => (Array.isArray(rows) ? rows : [rows])

/**
 * Insert, or update the existing row on a conflict:
 * `ON CONFLICT (target) DO UPDATE SET x = excluded.x` /
 * `ON DUPLICATE KEY UPDATE x = VALUES(x)`. On MySQL the target must be the
 * only unique key the row can conflict on (otherwise `Unsupported`).
 *
 * @since 0.1.0
 * @category inserts
 */
export const upsert = <T extends Table.Any>(
  table: T,
  rows: Table.Insert<T> | ReadonlyArray<Table.Insert<T>>,
  options?: UpsertOptions<T>
): Typed.Insert<T> => {
  const target = options?.target ?? table.primaryKey.map((d) => d.field)
  if (target.length === 0) throw new Error(`upsert into ${table.name}: no conflict target and no primary key`)
  return internal.make(
    "Insert",
    insertAst(table, rowsOf(rows), { _tag: "DoUpdate", target, update: options?.update })
  )
}

/**
 * Insert, skipping rows that conflict with any unique key:
 * `ON CONFLICT DO NOTHING` / `ON DUPLICATE KEY UPDATE pk = pk` (not
 * `INSERT IGNORE`, which would also swallow other errors).
 *
 * @since 0.1.0
 * @category inserts
 */
export const insertOrIgnore = <T extends Table.Any>(
  table: T,
  rows: Table.Insert<T> | ReadonlyArray<Table.Insert<T>>
): Typed.Insert<T> => internal.make("Insert", insertAst(table, rowsOf(rows), { _tag: "DoNothing" }))

/**
 * The values of an update: a value of the field's type, or an expression
 * (`Expr.add(Users.c.age, 1)`).
 *
 * @since 0.1.0
 * @category updates
 */
export type UpdateValues<T extends Table.Any> = {
  readonly [K in keyof Table.Update<T>]?: Table.Update<T>[K] | Typed.Expr<Exclude<Table.Update<T>[K], undefined>>
}

/**
 * Update rows (every row, until a `where` narrows it).
 *
 * @since 0.1.0
 * @category updates
 */
export const update = <T extends Table.Any>(table: T, values: UpdateValues<T>): Typed.Update<T> =>
  internal.make("Update", {
    _tag: "Update",
    table,
    set: Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Ast.lift(v)] as const),
    where: undefined,
    returning: undefined
  })

const delete_ = <T extends Table.Any>(table: T): Typed.Delete<T> =>
  internal.make("Delete", { _tag: "Delete", table, where: undefined, returning: undefined })

export {
  /**
   * Delete rows (every row, until a `where` narrows it).
   *
   * @since 0.1.0
   * @category deletes
   */
  delete_ as delete
}

/**
 * `unknown` when every field exists on the table; otherwise a type naming the others.
 *
 * @since 0.1.0
 * @category models
 */
export type CheckFields<K extends string, T extends Table.Any> = [Exclude<K, Table.FieldName<T["model"]>>] extends [never]
  ? unknown
  : { readonly "unknown field": Exclude<K, Table.FieldName<T["model"]>> }

/**
 * Return the written (or deleted) rows: all fields, or the given ones. Native
 * `RETURNING` where the dialect has it (SQLite, PostgreSQL). On MySQL it is
 * emulated in one transaction: inserted rows are read back by conflict
 * target, primary key, or the consecutive auto-increment ids from
 * `lastInsertId` (this assumes `innodb_autoinc_lock_mode` 0 or 1 — MariaDB's
 * default — and `auto_increment_increment = 1`); updated / deleted rows are
 * located by primary key `FOR UPDATE` first. Where that cannot be done
 * faithfully (insert-or-ignore, no key, an update of the key) it fails with
 * `Unsupported`. An insert-or-ignore returns only the rows it inserted.
 *
 * @since 0.1.0
 * @category returning
 */
export const returning: {
  (): <T extends Table.Any>(self: Typed.Write<T>) => Typed.Returning<Table.Row<T>>
  <const K extends string>(
    ...fields: readonly [K, ...Array<K>]
  ): <T extends Table.Any>(self: Typed.Write<T> & CheckFields<K, T>) => Typed.Returning<Pick<Table.Row<T>, K & keyof Table.Row<T>>>
} = ((...fields: ReadonlyArray<string>) => (self: Typed.Write<Table.Any>) =>
  internal.make("Returning", {
    ...self.ast,
    returning: fields.length > 0 ? fields.map((f) => self.ast.table.field(f).field) : self.ast.table.columns.map((d) => d.field)
  })) as any
