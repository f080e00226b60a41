/**
 * Set operations: the rows of several SELECTs combined — `union` (without
 * duplicates), `unionAll`, `intersect`, `except` (Django's `union`,
 * `intersection`, `difference`). Members must read the same columns: the same
 * table and fields, or projections with the same keys; rows decode as the
 * first member's. Re-exported by `Query`.
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import * as Ast from "./Ast.js"
import * as internal from "./internal/query.js"
import type { Compound, Select } from "./Typed.js"

/**
 * How the combined rows are ordered (by their result keys: field names, or
 * a projection's keys) and sliced.
 *
 * @since 0.1.0
 * @category combining
 */
export interface CompoundOptions<A> {
  readonly orderBy?: ReadonlyArray<(keyof A & string) | readonly [keyof A & string, "asc" | "desc"]> | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** The result keys of a member, to check that all members read the same columns. */
const shapeOf = (select: Ast.Select): string => {
  if (select.joins.length > 0) throw new Error("Query.union / intersect / except: a member cannot have joins")
  if (select.projection !== undefined) return `projection:${select.projection.map(([key]) => key).join(",")}`
  const fields = select.fields ?? select.from.columns.map((d) => d.field)
  return `${select.from.name}:${fields.join(",")}`
}

const combine = (op: Ast.Compound["op"]) =>
<A, T extends Table.Any>(
  members: readonly [Select<A, T, []>, ...Array<Select<A, any, []>>],
  options?: CompoundOptions<A>
): Compound<A> => {
  if (members.length < 2) throw new Error(`Query: ${op} needs at least two queries`)
  const asts = members.map((m) => m.ast)
  const shape = shapeOf(asts[0])
  for (const ast of asts.slice(1)) {
    if (shapeOf(ast) !== shape) {
      throw new Error(`Query: the queries of ${op} must read the same columns (${shape} vs ${shapeOf(ast)})`)
    }
  }
  return internal.make("Compound", {
    _tag: "Compound",
    op,
    members: asts,
    orderBy: (options?.orderBy ?? []).map((o) => (typeof o === "string" ? [o, "asc"] as const : o)),
    limit: options?.limit === undefined ? undefined : Ast.value(options.limit),
    offset: options?.offset === undefined ? undefined : Ast.value(options.offset)
  })
}

/**
 * The rows of every query, without duplicates: `UNION`.
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Schema } from "effect"
 * import { Query, Table } from "effect-quarry"
 *
 * class User extends Model.Class<User>("User")({
 *   id: Model.Generated(Schema.Int),
 *   name: Schema.String,
 *   age: Schema.Int
 * }) {}
 * const Users = Table.make(User, { name: "users" })
 *
 * // the youngest and the oldest, by name
 * const ends = Query.union([
 *   Query.from(Users).pipe(Query.orderBy(Users.c.age), Query.limit(1)),
 *   Query.from(Users).pipe(Query.orderBy(Query.desc(Users.c.age)), Query.limit(1))
 * ], { orderBy: ["name"] })
 * ```
 *
 * @since 0.1.0
 * @category combining
 */
export const union = combine("UNION")

/**
 * The rows of every query, duplicates kept: `UNION ALL`.
 *
 * @since 0.1.0
 * @category combining
 */
export const unionAll = combine("UNION ALL")

/**
 * The rows every query returns: `INTERSECT`.
 *
 * @since 0.1.0
 * @category combining
 */
export const intersect = combine("INTERSECT")

/**
 * The rows of the first query that no other returns: `EXCEPT`.
 *
 * @since 0.1.0
 * @category combining
 */
export const except = combine("EXCEPT")
