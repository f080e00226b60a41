/**
 * Rows back from the driver to decoded values: per-column driver conversion
 * (precomputed, skipped where none is needed), then the model's schema (the
 * Model class for whole rows, a Struct of the selected fields otherwise).
 */
import { Either, type ParseResult, Schema } from "effect"
import * as Codec from "../../schema/Codec.js"
import type { Row } from "../../layers/Database.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../QueryError.js"
import type { Layout, Segment } from "./compileSelect.js"
import { Fallback, rowDecoder as fastRowDecoder } from "./fastDecode.js"
import { tableInfo } from "./tableInfo.js"
import type * as Values from "./values.js"
import { memoized } from "./memo.js"

/** Decodes one driver row. */
export type DecodeRow = (row: Row) => Either.Either<unknown, QueryError.ValidationError>

/** Decodes every row. */
export type DecodeRows = (rows: ReadonlyArray<Row>) => Either.Either<Array<unknown>, QueryError.ValidationError>

const failed = (table: string | undefined, error: ParseResult.ParseError): Either.Either<never, QueryError.ValidationError> =>
  Either.left(QueryError.fromParseError(table, error))

/** A successful decode, as the decoder's result type (no re-allocation). */
const ok = (decoded: Either.Right<ParseResult.ParseError, unknown>) =>
  decoded as unknown as Either.Either<unknown, QueryError.ValidationError>

const segmentDecoders = memoized<Segment, DecodeRow>()

/** The decoder of one table's columns in a row (memoized per segment and dialect). */
export const segmentDecoder = (dialect: Dialect, seg: Segment): DecodeRow =>
  segmentDecoders(seg, dialect.name, () => makeSegmentDecoder(dialect, seg))

/** The decoder of one table's columns in a row; NULL-only columns of a left join are `null`. */
const makeSegmentDecoder = (dialect: Dialect, seg: Segment): DecodeRow => {
  const info = tableInfo(seg.table)
  const n = seg.fields.length
  const keys = seg.fields.map((d) => d.field)
  const aliases = seg.aliases
  const converts = seg.fields.map((d) => Codec.fromDriver(dialect, d.type.kind))
  const absent = seg.fields.map((d) => info.columns.get(d.field)!.nullIsAbsent)
  const decode = Schema.decodeUnknownEither(info.rowSchema(seg.subset))
  const fast = fastSegmentDecoder(seg, converts, absent)
  const pk = seg.table.primaryKey.filter((d) => seg.fields.includes(d))
  const probe = seg.optional ? (pk.length > 0 ? pk : seg.fields).map((d) => aliases[seg.fields.indexOf(d)]) : undefined
  const name = seg.table.name
  return (row) => {
    if (probe !== undefined && probe.every((a) => row[a] === null || row[a] === undefined)) return Either.right(null)
    if (fast !== undefined) {
      const value = fast(row)
      if (value !== Fallback) return Either.right(value)
    }
    const out: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      const raw = row[aliases[i]]
      if (absent[i] && (raw === null || raw === undefined)) continue
      const convert = converts[i]
      out[keys[i]] = convert === undefined ? raw : convert(raw)
    }
    const decoded = decode(out)
    return Either.isLeft(decoded) ? failed(name, decoded.left) : ok(decoded)
  }
}

/**
 * The fast path for a segment (see fastDecode.ts): whole rows are built with
 * the model class's constructor, validation already done field by field.
 * Fields declared as property-signature transformations keep the full path.
 */
const fastSegmentDecoder = (
  seg: Segment,
  converts: ReadonlyArray<Codec.Convert | undefined>,
  absent: ReadonlyArray<boolean>
) => {
  const model = seg.table.model as unknown as { fields: Record<string, { ast: unknown }> }
  if (seg.fields.some((d) => model.fields[d.field].ast instanceof Schema.PropertySignatureTransformation)) {
    return undefined
  }
  const info = tableInfo(seg.table)
  const fields = seg.fields.map((d, i) => ({
    key: d.field,
    alias: seg.aliases[i],
    convert: converts[i],
    absent: absent[i],
    schema: info.columns.get(d.field)!.schema
  }))
  if (seg.subset !== undefined) return fastRowDecoder(fields, () => ({}))
  // what the class constructor does once validation is off and every field is present:
  // the instance is its prototype plus the fields
  const proto = (seg.table.model as unknown as { prototype: object }).prototype
  return fastRowDecoder(fields, () => Object.create(proto))
}

type ProjectionEntry = readonly [string, Values.ValueType | undefined]

const schemaIds = new WeakMap<object, number>()
let nextSchemaId = 0
const schemaId = (schema: object): number => {
  let id = schemaIds.get(schema)
  if (id === undefined) {
    id = nextSchemaId++
    schemaIds.set(schema, id)
  }
  return id
}

/** Projection decoders by dialect and (name, kind, schema) of each entry: a query built per call reuses them. */
const projectionDecoders = new Map<string, DecodeRow>()
const MAX_PROJECTIONS = 1000

const projectionKey = (dialect: Dialect, entries: ReadonlyArray<ProjectionEntry>): string => {
  let key = dialect.name
  for (const [name, type] of entries) {
    key += type === undefined ? `\u0000${name}\u0000?` : `\u0000${name}\u0000${JSON.stringify(type.kind)}\u0000${schemaId(type.schema)}`
  }
  return key
}

/**
 * The decoder of a projection's rows: each column converted and checked
 * directly where its schema allows (see fastDecode.ts); a row it cannot
 * take goes through a Struct of the entries' schemas, built on first need.
 */
const makeProjectionDecoder = (dialect: Dialect, entries: ReadonlyArray<ProjectionEntry>): DecodeRow => {
  const keys = entries.map(([k]) => k)
  const converts = entries.map(([, t]) => (t === undefined ? undefined : Codec.fromDriver(dialect, t.kind)))
  const schemas = entries.map(([, t]) => t?.schema ?? Schema.Unknown)
  let slow: ((u: unknown) => Either.Either<unknown, ParseResult.ParseError>) | undefined
  const decodeSlow = (row: Row) => {
    slow ??= Schema.decodeUnknownEither(Schema.Struct(Object.fromEntries(keys.map((k, i) => [k, schemas[i]]))))
    const out: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) {
      const convert = converts[i]
      out[keys[i]] = convert === undefined ? row[keys[i]] : convert(row[keys[i]])
    }
    const decoded = slow(out)
    return Either.isLeft(decoded) ? failed(undefined, decoded.left) : ok(decoded)
  }
  const fast = fastRowDecoder(
    keys.map((key, i) => ({ key, alias: key, convert: converts[i], absent: false, schema: schemas[i] })),
    () => ({})
  )
  if (fast === undefined) return decodeSlow
  return (row) => {
    const value = fast(row)
    return value === Fallback ? decodeSlow(row) : Either.right(value)
  }
}

/** The decoder of a statement's rows, from its layout. */
export const rowDecoder = (dialect: Dialect, layout: Layout): DecodeRow => {
  if (layout._tag === "Projection") {
    const key = projectionKey(dialect, layout.entries)
    let decoder = projectionDecoders.get(key)
    if (decoder === undefined) {
      decoder = makeProjectionDecoder(dialect, layout.entries)
      if (projectionDecoders.size < MAX_PROJECTIONS) projectionDecoders.set(key, decoder)
    }
    return decoder
  }
  const decoders = layout.segments.map((s) => segmentDecoder(dialect, s))
  if (decoders.length === 1) return decoders[0]
  return (row) => {
    const out = new Array<unknown>(decoders.length)
    for (let i = 0; i < decoders.length; i++) {
      const decoded = decoders[i](row)
      if (Either.isLeft(decoded)) return Either.left(decoded.left)
      out[i] = decoded.right
    }
    return Either.right(out)
  }
}

/** Decode every row with a row decoder, stopping at the first failure. */
export const rowsDecoder = (decodeRow: DecodeRow): DecodeRows => (rows) => {
  const out = new Array<unknown>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const decoded = decodeRow(rows[i])
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    out[i] = decoded.right
  }
  return Either.right(out)
}

/** The decoder of a raw statement's rows, with the caller's schema. */
export const rawDecoder = (schema: Schema.Schema<any, any, never>): DecodeRow => {
  const decode = Schema.decodeUnknownEither(schema)
  return (row) => {
    const decoded = decode(row)
    return Either.isLeft(decoded) ? failed(undefined, decoded.left) : ok(decoded)
  }
}
