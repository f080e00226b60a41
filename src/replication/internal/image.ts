/**
 * Row images in a form no dialect owns: each column's value as JSON (text,
 * number, boolean or null), chosen by the column's kind. A value read from
 * one dialect's driver becomes neutral, and a neutral value becomes what
 * another dialect's driver takes, so a row stored on the primary is stored
 * as the same value on every shadow, whatever its dialect.
 *
 * | kind                   | neutral                                 |
 * | ---------------------- | --------------------------------------- |
 * | String, Uuid, Enum     | the text                                |
 * | Integer, Float         | the number (non-finite floats as text)  |
 * | BigInt, Decimal        | the decimal text (exact)                |
 * | Boolean                | true / false                            |
 * | DateTime               | ISO 8601 text in UTC (milliseconds)     |
 * | Json                   | the JSON text                           |
 * | Bytes                  | hexadecimal text                        |
 */
import type { Row } from "../../layers/Database.js"
import type { ColumnKind, Dialect } from "../../dialect/Dialect.js"
import * as Codec from "../../schema/Codec.js"
import type * as Table from "../../schema/Table.js"

/** A column value in the log. */
export type Neutral = string | number | boolean | null

type ToNeutral = (raw: unknown) => Neutral
type FromNeutral = (value: Neutral) => unknown

const base = (kind: ColumnKind): ColumnKind => (kind._tag === "Custom" ? base(kind.base) : kind)

const or = (f: Codec.Convert | undefined) => f ?? ((v: unknown) => v)

const toNeutral = (dialect: Dialect, column: ColumnKind): ToNeutral => {
  const kind = base(column)
  switch (kind._tag) {
    case "Integer":
    case "Float": {
      const number = or(Codec.fromDriver(dialect, kind))
      return (raw) => {
        const n = number(raw) as number
        return Number.isFinite(n) ? n : String(n)
      }
    }
    case "BigInt":
      return (raw) => String(raw)
    case "Decimal":
      return (raw) => Codec.canonicalDecimal(String(raw))
    case "Boolean": {
      const boolean = or(Codec.fromDriver(dialect, kind))
      return (raw) => boolean(raw) as boolean
    }
    case "DateTime": {
      const date = or(Codec.fromDriver(dialect, { _tag: "DateTime", encoded: "date" }))
      return (raw) => (date(raw) as Date).toISOString()
    }
    case "Json": {
      const text = or(Codec.fromDriver(dialect, { _tag: "Json", encoded: "string" }))
      return (raw) => text(raw) as string
    }
    case "Bytes": {
      const bytes = or(Codec.fromDriver(dialect, kind))
      return (raw) => {
        const u = bytes(raw) as Uint8Array
        return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("hex")
      }
    }
    default:
      return (raw) => raw as Neutral
  }
}

const fromNeutral = (dialect: Dialect, column: ColumnKind): FromNeutral => {
  const kind = base(column)
  switch (kind._tag) {
    case "Float":
      return (v) => (typeof v === "string" ? Number(v) : v)
    case "BigInt":
      return or(Codec.toDriver(dialect, { _tag: "BigInt", encoded: "string" }))
    case "Boolean":
    case "DateTime":
      return or(Codec.toDriver(dialect, kind))
    case "Bytes":
      return (v) => Buffer.from(v as string, "hex")
    default:
      return (v) => v
  }
}

const nullSafe = <A, B>(f: (a: A) => B) => (a: A | null | undefined): B | null => (a === null || a === undefined ? null : f(a))

/** The conversions of one table's columns for one dialect, in column order. */
export interface TableCodec {
  readonly toNeutral: ReadonlyArray<(raw: unknown) => Neutral>
  readonly fromNeutral: ReadonlyArray<(value: Neutral) => unknown>
}

const codecs = new WeakMap<Table.Any, Map<string, TableCodec>>()

/** The conversions of a table's columns for a dialect (made once per table and dialect). */
export const codec = (table: Table.Any, dialect: Dialect): TableCodec => {
  let byDialect = codecs.get(table)
  if (byDialect === undefined) codecs.set(table, byDialect = new Map())
  let c = byDialect.get(dialect.name)
  if (c === undefined) {
    c = {
      toNeutral: table.columns.map((d) => nullSafe(toNeutral(dialect, d.type.kind))),
      fromNeutral: table.columns.map((d) => nullSafe(fromNeutral(dialect, d.type.kind)))
    }
    byDialect.set(dialect.name, c)
  }
  return c
}

/** The neutral values of some columns (given by index in `table.columns`) of a driver row keyed by field. */
export const neutralRow = (
  table: Table.Any,
  dialect: Dialect,
  columns: ReadonlyArray<number>,
  row: Row
): Array<Neutral> => {
  const c = codec(table, dialect)
  return columns.map((i) => c.toNeutral[i](row[table.columns[i].field]))
}
