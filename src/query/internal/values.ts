/**
 * How values become bound parameters: encoded with the schema of what they
 * meet (a column's, an aggregate's), then converted for the dialect's driver.
 * Every encoder is built once per column and dialect.
 */
import { BigDecimal, DateTime, Either, Option, Schema } from "effect"
import * as Codec from "../../schema/Codec.js"
import type * as ColumnType from "../../schema/ColumnType.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../QueryError.js"
import { identityCheck } from "./fastDecode.js"
import type { ColumnInfo, EncodeEither } from "./tableInfo.js"
import { memoized } from "./memo.js"

/** Thrown inside the compiler and caught at its boundary, where it becomes a typed failure. */
export class Fail {
  constructor(readonly error: QueryError.CompileError) {}
}

/** @internal */
export const fail = (error: QueryError.CompileError): never => {
  throw new Fail(error)
}

/** @internal */
export const unsupported = (dialect: Dialect, feature: string): never =>
  fail(new QueryError.Unsupported({ dialect: dialect.name, feature }))

/** What an expression's value is: its kind, the schema decoding it, and its column when it is one's. */
export interface ValueType {
  readonly kind: ColumnType.Kind
  readonly schema: Schema.Schema<any, any, never>
  readonly column: ColumnInfo | undefined
}

/** A value's conversion to a bound parameter; throws `Fail`. */
export type Encoder = (value: unknown) => unknown

const nulChecked = (dialect: Dialect, encoder: Encoder): Encoder =>
  dialect.textNul ? encoder : (value) => {
    const out = encoder(value)
    if (typeof out === "string" && out.indexOf("\0") !== -1) unsupported(dialect, "NUL characters (U+0000) in text")
    return out
  }

const generic = (dialect: Dialect) => {
  const date = (d: Date) => (dialect.dateTimeParam === "mysql" ? Codec.mysqlDateTime(d) : d.toISOString())
  const convert = (v: unknown): unknown => {
    if (v === null || v === undefined) return null
    switch (typeof v) {
      case "boolean":
        return dialect.booleanAsInteger ? (v ? 1 : 0) : v
      case "bigint":
        return dialect.bigintParam === "bigint" ? v : String(v)
      case "object":
        if (v instanceof Date) return date(v)
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
        if (DateTime.isDateTime(v)) return date(DateTime.toDateUtc(v))
        if (BigDecimal.isBigDecimal(v)) return BigDecimal.format(v)
        if (Option.isOption(v)) return Option.isSome(v) ? convert(v.value) : null
        return JSON.stringify(v)
      default:
        return v
    }
  }
  return convert
}

const genericEncoders = new Map<string, Encoder>()

/** The encoder of a value whose type is not known: JavaScript values to driver values. */
export const genericEncoder = (dialect: Dialect): Encoder => {
  let encoder = genericEncoders.get(dialect.name)
  if (encoder === undefined) {
    encoder = nulChecked(dialect, generic(dialect))
    genericEncoders.set(dialect.name, encoder)
  }
  return encoder
}

const fromSchema = (
  encode: EncodeEither,
  toDriver: Codec.Convert | undefined,
  table: string | undefined,
  column: string | undefined,
  identity: ((u: unknown) => boolean) | undefined
): Encoder =>
(value) => {
  if (value === undefined) return null
  // a value the schema would encode to itself skips the schema machinery (the hot path of filters)
  if (identity !== undefined && identity(value)) return toDriver === undefined ? value : toDriver(value)
  const encoded = encode(value)
  if (Either.isLeft(encoded)) return fail(QueryError.fromParseError(table, encoded.left, column))
  return toDriver === undefined ? encoded.right : toDriver(encoded.right)
}

/** The driver conversion of an already encoded value (plus the dialect's NUL check). */
export const driverEncoder = (dialect: Dialect, toDriver: Codec.Convert | undefined): Encoder =>
  nulChecked(dialect, toDriver === undefined ? (v) => (v === undefined ? null : v) : toDriver)

const columnEncoders = memoized<ColumnInfo, Encoder>()

/** The encoder for values meeting a column (`filter`) or assigned to it (`update`). */
export const columnEncoder = (info: ColumnInfo, dialect: Dialect, purpose: "filter" | "update"): Encoder =>
  columnEncoders(info, `${purpose}:${dialect.name}`, () => {
    const encode = purpose === "update" ? info.updateEncode : info.filterEncode
    if (encode === undefined) {
      return fail(
        new QueryError.ValidationError({
          table: info.table.name,
          column: info.def.field,
          reason: "the field is not part of the model's update variant",
          cause: undefined
        })
      )
    }
    const identity = purpose === "filter" ? identityCheck(info.schema.ast) : undefined
    return nulChecked(
      dialect,
      fromSchema(encode, Codec.toDriver(dialect, info.def.type.kind), info.table.name, info.def.field, identity)
    )
  })

/** The encoder for a value meeting an expression of the given type. */
export const encoderFor = (type: ValueType | undefined, dialect: Dialect): Encoder =>
  type?.column !== undefined ? columnEncoder(type.column, dialect, "filter") : genericEncoder(dialect)

const escapeLike = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`)

/** The encoder of a pattern's text, for a LIKE mode, case (in)sensitivity and dialect. */
export const patternEncoder = (
  mode: "like" | "startsWith" | "endsWith" | "contains",
  caseInsensitive: boolean,
  dialect: Dialect
): Encoder => {
  const rewrite = caseInsensitive ? undefined : dialect.likePattern
  return nulChecked(dialect, (value) => {
    if (typeof value !== "string") {
      return fail(
        new QueryError.ValidationError({
          table: undefined,
          column: undefined,
          reason: `a pattern must be a string, got ${typeof value}`,
          cause: undefined
        })
      )
    }
    const pattern = mode === "like"
      ? value
      : mode === "startsWith"
      ? `${escapeLike(value)}%`
      : mode === "endsWith"
      ? `%${escapeLike(value)}`
      : `%${escapeLike(value)}%`
    if (!dialect.patternNul && dialect.textNul && pattern.indexOf("\0") !== -1) {
      // the pattern would silently end at the NUL and match more than asked
      return unsupported(dialect, "NUL characters (U+0000) in LIKE / GLOB patterns")
    }
    return rewrite === undefined ? pattern : rewrite(pattern)
  })
}

const stringType: ValueType = { kind: { _tag: "String" }, schema: Schema.NullOr(Schema.String), column: undefined }
const countType: ValueType = { kind: { _tag: "Integer" }, schema: Schema.Number, column: undefined }
const floatType: ValueType = { kind: { _tag: "Float" }, schema: Schema.NullOr(Schema.Number), column: undefined }
const booleanType: ValueType = { kind: { _tag: "Boolean" }, schema: Schema.Boolean, column: undefined }
const lengthType: ValueType = { kind: { _tag: "Integer" }, schema: Schema.NullOr(Schema.Number), column: undefined }

/** Well-known value types. */
export const types = { string: stringType, count: countType, float: floatType, boolean: booleanType, length: lengthType }

const nullables = new WeakMap<Schema.Schema<any, any, never>, Schema.Schema<any, any, never>>()

/** The same type, possibly NULL (an aggregate over no rows). */
export const nullable = (type: ValueType): ValueType => {
  let schema = nullables.get(type.schema)
  if (schema === undefined) {
    schema = Schema.NullOr(type.schema)
    nullables.set(type.schema, schema)
  }
  return { ...type, schema }
}

/** Whether values of the kind are 64-bit integers (read as text where the dialect says so). */
export const isBigInt = (kind: ColumnType.Kind): boolean =>
  kind._tag === "BigInt" || (kind._tag === "Custom" && isBigInt(kind.base))
