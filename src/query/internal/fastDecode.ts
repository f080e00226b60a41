/**
 * A faster path for decoding rows whose fields mostly decode to themselves
 * (strings, numbers, booleans, literals, their refinements and unions): those
 * are checked directly — refinements run their own filters — and only the
 * fields with a transformation go through the schema machinery. A row that
 * fails any check is handed to the full schema decoder, so errors are exactly
 * the schema's.
 */
import { Either, Option, ParseResult, Schema, SchemaAST as AST } from "effect"

/** A check that a value decodes to itself. */
type Check = (u: unknown) => boolean

const noOptions: AST.ParseOptions = {}

/** The check of a schema whose decoding is the identity, or `undefined` when it transforms. */
export const identityCheck = (ast: AST.AST): Check | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "BigIntKeyword":
      return (u) => typeof u === "bigint"
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "Refinement": {
      const from = identityCheck(ast.from)
      if (from === undefined) return undefined
      const refinement = ast
      return (u) => from(u) && Option.isNone(refinement.filter(u, noOptions, refinement))
    }
    case "Union": {
      const members = ast.types.map(identityCheck)
      if (members.some((m) => m === undefined)) return undefined
      const checks = members as Array<Check>
      return (u) => {
        for (let i = 0; i < checks.length; i++) if (checks[i](u)) return true
        return false
      }
    }
    default:
      return undefined
  }
}

/** Marks a row the fast path could not decode. */
export const Fallback: unique symbol = Symbol("Fallback")

/** One column of a driver row, for `rowDecoder`. */
export interface RowField {
  /** The decoded field's name. */
  readonly key: string
  /** The column's alias in the driver row. */
  readonly alias: string
  readonly convert: ((u: unknown) => unknown) | undefined
  /** NULL means the (optional) field is absent. */
  readonly absent: boolean
  readonly schema: Schema.Schema<any, any, never>
}

/**
 * A single-pass decoder of driver rows: each column converted, checked (or
 * decoded) and written straight onto the result made by `target` (a model
 * instance's prototype, or a plain object), one allocation per row. Returns
 * `Fallback` for a row the full decoder must see; `undefined` when no field
 * gains from the fast path.
 */
export const rowDecoder = (
  fields: ReadonlyArray<RowField>,
  target: () => Record<string, unknown>
): ((row: Record<string, unknown>) => unknown) | undefined => {
  const checks = fields.map((f) => identityCheck(f.schema.ast))
  if (checks.every((c) => c === undefined)) return undefined
  const slow = fields.map((f, i) => (checks[i] === undefined ? ParseResult.decodeUnknownEither(f.schema) : undefined))
  const n = fields.length
  return (row) => {
    const out = target()
    for (let i = 0; i < n; i++) {
      const field = fields[i]
      const raw = row[field.alias]
      if (field.absent && (raw === null || raw === undefined)) continue
      const value = field.convert === undefined ? raw : field.convert(raw)
      const check = checks[i]
      if (check !== undefined) {
        if (!check(value)) return Fallback
        out[field.key] = value
      } else {
        const decoded = slow[i]!(value)
        if (Either.isLeft(decoded)) return Fallback
        out[field.key] = decoded.right
      }
    }
    return out
  }
}
