/**
 * Key ranges of a table, read the same way on every dialect, and the
 * canonical encoding their checksums are computed from (verify, repair).
 *
 * - A range is `(from, to]` in primary-key order (`undefined`: unbounded).
 *   Text key columns are compared by code point on every dialect
 *   (PostgreSQL `COLLATE "C"`; MySQL's text columns are `utf8mb4_bin`,
 *   SQLite's BINARY), so a range holds the same keys whatever the dialect.
 * - A row's canonical encoding is the JSON array of its neutral values
 *   (image.ts: what the driver returned, decoded by the column's kind —
 *   booleans, exact decimals and bigints, ISO dates in UTC, hex bytes), with
 *   JSON documents re-serialized with sorted keys: a PostgreSQL `true` and a
 *   MySQL `1`, or `{"b":1,"a":2}` and `{"a": 2, "b": 1}`, encode the same.
 * - A range's checksum is SHA-256 over its rows' encodings, in key order.
 */
import { createHash } from "node:crypto"
import { Effect } from "effect"
import type { Database } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type { Dialect } from "../../dialect/Dialect.js"
import type * as Table from "../../schema/Table.js"
import { codec, type Neutral } from "./image.js"

/** A key: the neutral values of the primary-key columns, in key order. */
export type Key = ReadonlyArray<Neutral>

/** `(from, to]` in key order; `undefined` is unbounded. */
export interface Range {
  readonly from: Key | undefined
  readonly to: Key | undefined
}

/** A row: the neutral values of every column, in column order. */
export type NeutralRow = ReadonlyArray<Neutral>

const base = (kind: Table.ColumnDef["type"]["kind"]): Table.ColumnDef["type"]["kind"] =>
  kind._tag === "Custom" ? base(kind.base) : kind

/** A key column as it is compared and ordered: by code point for text. */
const keyExpr = (d: Dialect, column: Table.ColumnDef) => {
  const tag = base(column.type.kind)._tag
  const name = d.quote(column.name)
  return d.name === "postgres" && (tag === "String" || tag === "Enum") ? `${name} COLLATE "C"` : name
}

/**
 * Every column of a table, for a raw SELECT: 64-bit integers read as text
 * where the driver would return a lossy number (SQLite), as the query
 * compiler does.
 */
export const selectList = (d: Dialect, table: Table.Any): string =>
  table.columns.map((c) => {
    const name = d.quote(c.name)
    return base(c.type.kind)._tag === "BigInt" && d.bigintReadAsText ? `${d.castText(name)} AS ${name}` : name
  }).join(", ")

/** The index in `table.columns` of each key column. */
export const keyIndexes = (table: Table.Any): ReadonlyArray<number> => table.primaryKey.map((k) => table.columns.indexOf(k))

/** A row's key. */
export const keyOf = (table: Table.Any, row: NeutralRow): Key => keyIndexes(table).map((i) => row[i])

/**
 * The rows of a range in key order, as neutral rows; at most `limit` (the
 * first ones) when given.
 */
export const read = (
  db: Database,
  table: Table.Any,
  range: Range,
  limit?: number
): Effect.Effect<Array<NeutralRow>, DatabaseError> => {
  const d = db.dialect
  const keys = table.primaryKey.map((k) => keyExpr(d, k))
  const at = keyIndexes(table)
  const convert = codec(table, d)
  const tuple = (xs: ReadonlyArray<string>) => (xs.length === 1 ? xs[0] : `(${xs.join(", ")})`)
  const params: Array<unknown> = []
  const bound = (op: string, key: Key) => {
    const marks = key.map((v, i) => {
      params.push(convert.fromNeutral[at[i]](v))
      return d.placeholder(params.length)
    })
    return `${tuple(keys)} ${op} ${tuple(marks)}`
  }
  const where = [
    ...(range.from === undefined ? [] : [bound(">", range.from)]),
    ...(range.to === undefined ? [] : [bound("<=", range.to)])
  ]
  const sql = `SELECT ${selectList(d, table)} FROM ${d.quote(table.name)}` +
    (where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`) +
    ` ORDER BY ${keys.join(", ")}` + (limit === undefined ? "" : ` LIMIT ${Math.max(1, Math.floor(limit))}`)
  return Effect.map(db.all({ sql, params }), (rows) =>
    rows.map((row) => table.columns.map((c, i) => convert.toNeutral[i](row[c.name] ?? row[c.field]))))
}

/** JSON with object keys sorted at every level. */
const sorted = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sorted)
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sorted(o[k])]))
  }
  return value
}

const canonicalJson = (text: Neutral): Neutral => {
  if (typeof text !== "string") return text
  try {
    return JSON.stringify(sorted(JSON.parse(text)))
  } catch {
    return text
  }
}

const encoders = new WeakMap<Table.Any, ReadonlyArray<(v: Neutral) => Neutral>>()

/** A row's canonical encoding (equal rows encode equal, whatever the dialect they were read from). */
export const encode = (table: Table.Any, row: NeutralRow): string => {
  let enc = encoders.get(table)
  if (enc === undefined) {
    enc = table.columns.map((c) => (base(c.type.kind)._tag === "Json" ? canonicalJson : (v: Neutral) => v))
    encoders.set(table, enc)
  }
  return JSON.stringify(row.map((v, i) => enc![i](v)))
}

/** The checksum of rows (in key order). */
export const checksum = (table: Table.Any, rows: ReadonlyArray<NeutralRow>): string => {
  const hash = createHash("sha256")
  for (const row of rows) hash.update(encode(table, row)).update("\n")
  return hash.digest("hex")
}

/** A key as text (to compare keys of rows read from different dialects). */
export const keyText = (key: Key): string => JSON.stringify(key)

/** A key as a record of the key's fields. */
export const keyRecord = (table: Table.Any, key: Key): { readonly [field: string]: Neutral } =>
  Object.fromEntries(table.primaryKey.map((k, i) => [k.field, key[i]]))

/** A neutral row as a record of fields, canonical (JSON sorted). */
export const rowRecord = (table: Table.Any, row: NeutralRow): { readonly [field: string]: Neutral } => {
  const values = JSON.parse(encode(table, row)) as Array<Neutral>
  return Object.fromEntries(table.columns.map((c, i) => [c.field, values[i]]))
}
