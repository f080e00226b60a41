/**
 * Which operations lose data: dropping a table or a column, narrowing a type
 * (always), and NOT NULL without a default (only when the table holds rows
 * it would refuse — decided by a query just before the operation runs).
 *
 * @internal
 */
import type * as Dialect from "../../dialect/Dialect.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import type * as Operation from "../Operation.js"
import { columnOf, tableOf } from "./state.js"

type Kind = Dialect.ColumnKind

/** @internal */
export interface Hazard {
  readonly reason: string
  /**
   * Present when the operation loses nothing on an empty table: a query
   * (per dialect) whose any row means the operation is destructive.
   */
  readonly whenRows?: { readonly table: string; readonly nullColumn?: string | undefined } | undefined
}

const integerDigits = (k: Kind): number | undefined =>
  k._tag === "Integer" ? 10 : k._tag === "BigInt" ? 19 : k._tag === "Boolean" ? 1 : undefined

/** Whether every value of kind `a` fits kind `b` unchanged. @internal */
export const widens = (a: Kind, b: Kind): boolean => {
  if (JSON.stringify(a) === JSON.stringify(b)) return true
  const textLength = (k: Kind) =>
    k._tag === "String" ? k.maxLength : k._tag === "Uuid" ? 36 : k._tag === "Enum" ? Math.max(0, ...k.values.map((v) => v.length)) : -1
  if (b._tag === "String" && textLength(a) !== -1) {
    const from = textLength(a)
    return b.maxLength === undefined || (from !== undefined && b.maxLength >= from)
  }
  if (a._tag === "Enum" && b._tag === "Enum") return a.values.every((v) => b.values.includes(v))
  const digits = integerDigits(a)
  if (digits !== undefined) {
    if (b._tag === "Float") return digits <= 15
    if (b._tag === "Decimal") return b.precision - b.scale >= digits
    const to = integerDigits(b)
    return to !== undefined && to >= digits
  }
  if (a._tag === "Decimal" && b._tag === "Decimal") return b.scale >= a.scale && b.precision - b.scale >= a.precision - a.scale
  return false
}

const alterHazards = (
  table: Snapshot.TableSnapshot,
  after: Snapshot.ColumnSnapshot,
  dialect: Dialect.DialectName
): ReadonlyArray<Hazard> => {
  const before = columnOf(table, after.name)
  const out: Array<Hazard> = []
  const where = `${table.name}.${after.name}`
  if (!widens(before.kind, after.kind)) {
    out.push({ reason: `narrows ${where} from ${before.sqlType[dialect]} to ${after.sqlType[dialect]}` })
  } else if (before.sqlType[dialect] !== after.sqlType[dialect] && !/^TEXT\b/.test(after.sqlType[dialect])) {
    out.push({ reason: `changes ${where} from ${before.sqlType[dialect]} to ${after.sqlType[dialect]} on ${dialect}` })
  }
  if (before.nullable && !after.nullable && after.defaultByDialect === null) {
    out.push({ reason: `makes ${where} NOT NULL without a default`, whenRows: { table: table.name, nullColumn: after.name } })
  }
  return out
}

/** The hazards of one operation applied to `state`, on `dialect`. @internal */
export const hazards = (
  op: Operation.Operation,
  state: Snapshot.Snapshot,
  dialect: Dialect.DialectName
): ReadonlyArray<Hazard> => {
  switch (op._tag) {
    case "DropTable":
      return [{ reason: `drops table ${op.table} and its rows` }]
    case "DropColumn":
      return [{ reason: `drops column ${op.table}.${op.column} and its values` }]
    case "AlterColumn":
      return alterHazards(tableOf(state, op.table), op.column, dialect)
    case "AddColumn":
      return !op.column.nullable && op.column.defaultByDialect === null
        ? [{ reason: `adds ${op.table}.${op.column.name} NOT NULL without a default`, whenRows: { table: op.table } }]
        : []
    default:
      return []
  }
}
