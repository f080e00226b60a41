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

/**
 * A decoder of `{ field: encoded }` records for the given field schemas, or
 * `undefined` when none of them is simple enough to gain from it. `make`
 * builds the result from the decoded fields (the model class, or the record).
 */
export const fieldsDecoder = (
  fields: ReadonlyArray<readonly [string, Schema.Schema<any, any, never>]>,
  make: (props: Record<string, unknown>) => unknown
): ((encoded: Record<string, unknown>) => unknown) | undefined => {
  const checks = fields.map(([, s]) => identityCheck(s.ast))
  if (checks.every((c) => c === undefined)) return undefined
  const keys = fields.map(([k]) => k)
  const slow = fields.map(([, s], i) => (checks[i] === undefined ? ParseResult.decodeUnknownEither(s) : undefined))
  const n = keys.length
  return (encoded) => {
    const props: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      const key = keys[i]
      if (!(key in encoded)) continue
      const value = encoded[key]
      const check = checks[i]
      if (check !== undefined) {
        if (!check(value)) return Fallback
        props[key] = value
      } else {
        const decoded = slow[i]!(value)
        if (Either.isLeft(decoded)) return Fallback
        props[key] = decoded.right
      }
    }
    return make(props)
  }
}
