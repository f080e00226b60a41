/**
 * The object form of a filter, for the common case — the TypeScript analogue
 * of Django's `age__gte=18`: `{ age: { gte: 18 }, name: { startsWith: "J" } }`.
 * A plain value means equality (`null`: IS NULL); several fields, or several
 * operators on one field, all must hold.
 *
 * @example
 * ```ts
 * import { Query } from "effect-quarry"
 *
 * Query.from(Users).pipe(Query.where({ age: { gte: 18 }, name: { startsWith: "J" } }))
 * // SELECT ... FROM "users" WHERE ("age" >= ? AND "name" GLOB ?)
 * ```
 *
 * @since 0.1.0
 */
import type * as Table from "../schema/Table.js"
import * as Ast from "./Ast.js"
import * as Expr from "./Expr.js"

/**
 * Operators for a field of type `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Ops<A> {
  readonly eq?: Expr.Operand<A>
  readonly ne?: Expr.Operand<A>
  readonly gt?: Expr.Operand<A>
  readonly gte?: Expr.Operand<A>
  readonly lt?: Expr.Operand<A>
  readonly lte?: Expr.Operand<A>
  readonly in?: Iterable<Expr.Operand<A>>
  readonly notIn?: Iterable<Expr.Operand<A>>
  readonly between?: readonly [Expr.Operand<A>, Expr.Operand<A>]
  /** `true`: IS NULL; `false`: IS NOT NULL. */
  readonly isNull?: boolean
}

/**
 * Operators for text fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextOps {
  readonly like?: Expr.Pattern
  readonly iLike?: Expr.Pattern
  readonly startsWith?: Expr.Pattern
  readonly iStartsWith?: Expr.Pattern
  readonly endsWith?: Expr.Pattern
  readonly iEndsWith?: Expr.Pattern
  readonly contains?: Expr.Pattern
  readonly iContains?: Expr.Pattern
  readonly iEq?: Expr.Pattern
}

/**
 * What one field of a lookup takes: a value (equality) or operators.
 *
 * @since 0.1.0
 * @category models
 */
export type Field<A> = Expr.Operand<A> | ([A] extends [string | null] ? Ops<A> & TextOps : Ops<A>)

/**
 * A lookup over the fields of table `T`.
 *
 * @since 0.1.0
 * @category models
 */
export type Lookup<T extends Table.Any> = {
  readonly [K in Table.FieldName<T["model"]>]?: Field<Table.FieldType<T["model"], K>>
}

/**
 * `unknown` when `L` is a lookup over `T` naming only fields of `T`; otherwise
 * an object type naming the problem (used to check lookups passed data-last).
 *
 * @since 0.1.0
 * @category models
 */
export type Check<L, T extends Table.Any> = [Exclude<keyof L, Table.FieldName<T["model"]>>] extends [never]
  ? L extends Lookup<T> ? unknown : { readonly "invalid lookup: operator or value type": L }
  : { readonly "unknown field in lookup": Exclude<keyof L, Table.FieldName<T["model"]>> }

const operators: Record<string, (column: Expr.Expr<any>, operand: any) => Expr.Predicate> = {
  eq: Expr.eq,
  ne: Expr.ne,
  gt: Expr.gt,
  gte: Expr.gte,
  lt: Expr.lt,
  lte: Expr.lte,
  in: Expr.in,
  notIn: Expr.notIn,
  between: (column, [low, high]) => Expr.between(column, low, high),
  isNull: (column, isNull: boolean) => (isNull ? Expr.isNull(column) : Expr.isNotNull(column)),
  like: Expr.like,
  iLike: Expr.iLike,
  startsWith: Expr.startsWith,
  iStartsWith: Expr.iStartsWith,
  endsWith: Expr.endsWith,
  iEndsWith: Expr.iEndsWith,
  contains: Expr.contains,
  iContains: Expr.iContains,
  iEq: Expr.iEq
}

/** A plain object whose keys are all operator names (anything else is a value). */
const isOps = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== "object" || u === null || Object.getPrototypeOf(u) !== Object.prototype) return false
  const keys = Object.keys(u)
  return keys.length > 0 && keys.every((k) => k in operators)
}

/**
 * The condition a lookup stands for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <T extends Table.Any>(table: T, lookup: Lookup<T>): Expr.Predicate => {
  const preds: Array<Expr.Predicate> = []
  for (const field of Object.keys(lookup)) {
    const spec = (lookup as Record<string, unknown>)[field]
    if (spec === undefined) continue
    const column = (table.c as Record<string, Expr.Expr<unknown> | undefined>)[field]
    if (column === undefined) throw new Error(`Lookup: table ${table.name} has no field ${field}`)
    if (isOps(spec)) {
      for (const op of Object.keys(spec)) {
        if (spec[op] !== undefined) preds.push(operators[op](column, spec[op]))
      }
    } else {
      preds.push(Expr.eq(column, spec))
    }
  }
  return preds.length === 0 ? Expr.and() : Ast.and(preds)
}
