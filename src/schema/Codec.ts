/**
 * How a column's values cross the driver boundary, per dialect. Schemas encode
 * and decode; the codec only bridges what the drivers disagree on (0/1
 * booleans, date-time text, JSON text, 64-bit integers as text, string
 * aggregates). Each function is built once per column and dialect and is
 * `undefined` when the value passes unchanged, so hot paths pay nothing.
 *
 * @since 0.1.0
 */
import { BigDecimal, DateTime } from "effect"
import type { Dialect } from "../dialect/Dialect.js"
import type * as ColumnType from "./ColumnType.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Convert = (value: unknown) => unknown

const nullSafe = (f: Convert): Convert => (v) => (v === null || v === undefined ? null : f(v))

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/**
 * A date as MySQL's `DATETIME(3)` literal in UTC.
 *
 * @since 0.1.0
 * @category conversions
 */
export const mysqlDateTime = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`

const toDate = (v: unknown): Date => {
  if (v instanceof Date) return v
  if (typeof v === "number") return new Date(v)
  if (DateTime.isDateTime(v)) return DateTime.toDateUtc(v)
  const s = String(v)
  // MySQL / SQLite `YYYY-MM-DD HH:MM:SS[.fff]` without a zone: stored as UTC
  if (/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) return new Date(s.replace(" ", "T") + "Z")
  return new Date(s)
}

const fromDate = (encoded: ColumnType.Encoded, d: Date): unknown => {
  switch (encoded) {
    case "date":
      return d
    case "number":
      return d.getTime()
    case "datetime":
      return DateTime.unsafeFromDate(d)
    default:
      return d.toISOString()
  }
}

/** Numbers sent as text or bigint become numbers; text that is no number is left for the schema to reject. */
/**
 * A decimal's text without trailing fractional zeros: PostgreSQL and MySQL pad
 * to the column's scale and SQLite keeps what was written, so decimal strings
 * come back in one canonical spelling on every dialect.
 *
 * @since 0.1.0
 * @category conversions
 */
export const canonicalDecimal = (s: string): string => {
  let out = s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s
  if (/^-0*$/.test(out)) out = "0"
  return out
}

const toNumber: Convert = (v) => {
  if (typeof v === "number") return v
  if (typeof v === "bigint") return Number(v)
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v)
    if (!Number.isNaN(n) || v.trim() === "NaN") return n
  }
  return v
}

/**
 * The conversion from a value encoded by the column's schema to what the
 * dialect's driver takes, or `undefined` when none is needed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toDriver = (dialect: Dialect, kind: ColumnType.Kind): Convert | undefined => {
  switch (kind._tag) {
    case "Boolean":
      return dialect.booleanAsInteger ? nullSafe((v) => (v ? 1 : 0)) : undefined
    case "DateTime":
      return dialect.dateTimeParam === "mysql"
        ? nullSafe((v) => mysqlDateTime(toDate(v)))
        : nullSafe((v) => toDate(v).toISOString())
    case "Json":
      return kind.encoded === "string" ? undefined : nullSafe((v) => JSON.stringify(v))
    case "BigInt":
      return dialect.bigintParam === "bigint"
        ? nullSafe((v) => (typeof v === "bigint" ? v : BigInt(v as string)))
        : nullSafe((v) => String(v))
    case "Decimal":
      return kind.encoded === "bigdecimal" ? nullSafe((v) => BigDecimal.format(v as BigDecimal.BigDecimal)) : undefined
    case "Bytes":
      return nullSafe((v) => {
        const u = v as Uint8Array
        return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
      })
    case "Custom":
      return toDriver(dialect, kind.base)
    default:
      return undefined
  }
}

/**
 * The conversion from what the dialect's driver returns to the encoded side of
 * the column's schema, or `undefined` when none is needed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDriver = (dialect: Dialect, kind: ColumnType.Kind): Convert | undefined => {
  switch (kind._tag) {
    case "Boolean":
      // the drivers' spellings of true and false; anything else is left for the schema to reject
      return nullSafe((v) =>
        typeof v === "boolean"
          ? v
          : v === 1 || v === "1" || v === 1n || v === "t" || v === "true"
          ? true
          : v === 0 || v === "0" || v === 0n || v === "f" || v === "false"
          ? false
          : v
      )
    case "Integer":
    case "Float":
      // PostgreSQL returns COUNT/SUM as text, SQLite may return bigint
      return nullSafe(toNumber)
    case "BigInt":
      switch (kind.encoded) {
        case "bigint":
          return nullSafe((v) => (typeof v === "bigint" ? v : BigInt(v as string)))
        case "number":
          return nullSafe(toNumber)
        default:
          return nullSafe((v) => (typeof v === "string" ? v : String(v)))
      }
    case "Decimal":
      return kind.encoded === "bigdecimal"
        ? nullSafe((v) => BigDecimal.unsafeFromString(String(v)))
        : nullSafe((v) => canonicalDecimal(typeof v === "string" ? v : String(v)))
    case "DateTime":
      return nullSafe((v) => fromDate(kind.encoded, toDate(v)))
    case "Json":
      if (kind.encoded === "string") return nullSafe((v) => (typeof v === "string" ? v : JSON.stringify(v)))
      return dialect.jsonReturnsText ? nullSafe((v) => (typeof v === "string" ? JSON.parse(v) : v)) : undefined
    case "Bytes":
      return nullSafe((v) => (v instanceof Uint8Array && v.constructor === Uint8Array ? v : new Uint8Array(v as Uint8Array)))
    case "Custom":
      return fromDriver(dialect, kind.base)
    default:
      return undefined
  }
}
