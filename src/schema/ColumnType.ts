/**
 * What kind of value a column holds, derived from its schema. The kind chooses
 * the SQL type per dialect (see `Dialect.columnType`) and how values cross the
 * driver boundary (see `Codec`).
 *
 * @since 0.1.0
 */
import { Option, SchemaAST as AST } from "effect"
import type * as Dialect from "../dialect/Dialect.js"
import * as Column from "./Column.js"

/**
 * How a value is represented on the encoded side of its schema, which is what
 * Quarry hands to the driver and expects back before decoding.
 *
 * @since 0.1.0
 * @category models
 */
export type Encoded = Dialect.Encoded

/**
 * @since 0.1.0
 * @category models
 */
export type Kind = Dialect.ColumnKind

/**
 * A column's kind plus whether it may hold NULL.
 *
 * @since 0.1.0
 * @category models
 */
export interface ColumnType {
  readonly kind: Kind
  readonly nullable: boolean
}

/**
 * Thrown (as a defect, at table declaration time) when a schema has no SQL
 * mapping; a program with such a table is wrong, not unlucky.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnmappableSchema extends Error {
  readonly _tag = "UnmappableSchema"
}

const typeConstructor = (ast: AST.AST): string | undefined => {
  const tc = AST.getTypeConstructorAnnotation(ast)
  return Option.isSome(tc) ? (tc.value as { _tag: string })._tag : undefined
}

const annotation = <A>(ast: AST.AST, id: symbol): A | undefined => ast.annotations[id] as A | undefined

const jsonSchemaOf = (ast: AST.AST): Record<string, unknown> | undefined =>
  Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast)) as Record<string, unknown> | undefined

/** The representation of the encoded side of an AST. */
const encodedOf = (ast: AST.AST): Encoded => {
  const enc = AST.encodedAST(ast)
  const inner = stripNull(enc).ast
  const tc = typeConstructor(inner)
  if (tc === "Date") return "date"
  if (tc === "effect/DateTime.Utc") return "datetime"
  if (tc === "effect/BigDecimal") return "bigdecimal"
  const base = refinementBase(inner)
  switch (base._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return "string"
    case "NumberKeyword":
      return "number"
    case "BigIntKeyword":
      return "bigint"
    default:
      return "value"
  }
}

const refinementBase = (ast: AST.AST): AST.AST => (AST.isRefinement(ast) ? refinementBase(ast.from) : ast)

const isNullish = (ast: AST.AST) =>
  (AST.isLiteral(ast) && ast.literal === null) || AST.isUndefinedKeyword(ast)

/** Remove `null` / `undefined` members from a union. */
const stripNull = (ast: AST.AST): { readonly ast: AST.AST; readonly nullable: boolean } => {
  if (AST.isUnion(ast)) {
    const rest = ast.types.filter((t) => !isNullish(t))
    if (rest.length !== ast.types.length) {
      return { ast: rest.length === 1 ? rest[0] : AST.Union.make(rest), nullable: true }
    }
  }
  return { ast, nullable: false }
}

const classifyKind = (ast: AST.AST, path: string): ColumnType => {
  const sqlType = annotation<Column.SqlType>(ast, Column.SqlTypeId)
  if (sqlType !== undefined) {
    const base = classifyEncoded(ast, path)
    return { kind: { _tag: "Custom", sqlType, base: base.kind }, nullable: base.nullable }
  }
  const decimal = annotation<Column.DecimalSpec>(ast, Column.DecimalId)
  if (decimal !== undefined) {
    return { kind: { _tag: "Decimal", ...decimal, encoded: encodedOf(ast) }, nullable: false }
  }
  if (annotation<boolean>(ast, Column.JsonId) === true) {
    return { kind: { _tag: "Json", encoded: encodedOf(ast) }, nullable: false }
  }
  const stripped = stripNull(ast)
  if (stripped.nullable) {
    const inner = classifyKind(stripped.ast, path)
    return { kind: inner.kind, nullable: true }
  }
  const tc = typeConstructor(ast)
  if (tc === "Date" || tc === "effect/DateTime.Utc") {
    return { kind: { _tag: "DateTime", encoded: encodedOf(ast) }, nullable: false }
  }
  if (tc === "effect/BigDecimal") {
    return { kind: { _tag: "Decimal", precision: 65, scale: 30, encoded: encodedOf(ast) }, nullable: false }
  }
  if (tc === "Uint8Array") return { kind: { _tag: "Bytes" }, nullable: false }
  switch (ast._tag) {
    case "Transformation": {
      const to = AST.typeAST(ast.to)
      const toTc = typeConstructor(stripNull(to).ast)
      if (toTc === "effect/Option") {
        // OptionFromNullOr and friends: the column is nullable, its value is the encoded side
        const inner = classifyKind(stripNull(ast.from).ast, path)
        return { kind: inner.kind, nullable: true }
      }
      const toStripped = stripNull(to)
      if (toStripped.nullable) {
        const inner = classifyKind(new AST.Transformation(stripNull(ast.from).ast, toStripped.ast, ast.transformation), path)
        return { kind: inner.kind, nullable: true }
      }
      const toKind = classifyKind(to, path)
      if (toKind.kind._tag === "Json" && encodedOf(ast) === "string") {
        return { kind: { _tag: "Json", encoded: "string" }, nullable: toKind.nullable }
      }
      if (toKind.kind._tag === "DateTime" || toKind.kind._tag === "BigInt" || toKind.kind._tag === "Decimal") {
        return { kind: { ...toKind.kind, encoded: encodedOf(ast) } as Kind, nullable: toKind.nullable }
      }
      // a custom transformation: the database stores its encoded side
      return classifyKind(ast.from, path)
    }
    case "Refinement": {
      const js = jsonSchemaOf(ast)
      const identifier = Option.getOrUndefined(AST.getIdentifierAnnotation(ast))
      if (identifier === "UUID") return { kind: { _tag: "Uuid" }, nullable: false }
      const base = classifyKind(ast.from, path)
      if (js?.type === "integer" && base.kind._tag === "Float") return { kind: { _tag: "Integer" }, nullable: false }
      if (typeof js?.maxLength === "number" && base.kind._tag === "String") {
        const prev = base.kind.maxLength
        const maxLength = prev === undefined ? js.maxLength : Math.min(prev, js.maxLength)
        return { kind: { _tag: "String", maxLength }, nullable: base.nullable }
      }
      return base
    }
    case "Suspend":
      return classifyKind(ast.f(), path)
    case "StringKeyword":
    case "TemplateLiteral":
      return { kind: { _tag: "String" }, nullable: false }
    case "NumberKeyword":
      return { kind: { _tag: "Float" }, nullable: false }
    case "BooleanKeyword":
      return { kind: { _tag: "Boolean" }, nullable: false }
    case "BigIntKeyword":
      return { kind: { _tag: "BigInt", encoded: "bigint" }, nullable: false }
    case "Literal":
    case "Enums":
    case "Union": {
      const values = literalValues(ast)
      if (values !== undefined && values.every((v) => typeof v === "string")) {
        return { kind: { _tag: "Enum", values: values as Array<string> }, nullable: false }
      }
      if (values !== undefined && values.every((v) => typeof v === "number" && Number.isInteger(v))) {
        return { kind: { _tag: "Integer" }, nullable: false }
      }
      if (values !== undefined && values.every((v) => typeof v === "boolean")) {
        return { kind: { _tag: "Boolean" }, nullable: false }
      }
      return { kind: { _tag: "Json", encoded: "value" }, nullable: false }
    }
    case "TypeLiteral":
    case "TupleType":
      return { kind: { _tag: "Json", encoded: "value" }, nullable: false }
  }
  throw new UnmappableSchema(`${path}: no SQL type for schema ${String(ast)}; declare one with Column.sqlType`)
}

const literalValues = (ast: AST.AST): ReadonlyArray<AST.LiteralValue> | undefined => {
  if (AST.isLiteral(ast)) return [ast.literal]
  if (AST.isEnums(ast)) return ast.enums.map(([, v]) => v)
  if (AST.isUnion(ast)) {
    const out: Array<AST.LiteralValue> = []
    for (const t of ast.types) {
      const vs = literalValues(t)
      if (vs === undefined) return undefined
      out.push(...vs)
    }
    return out
  }
  return undefined
}

/** Classify by the encoded side only (for custom types, whose codec is the encoded value's). */
const classifyEncoded = (ast: AST.AST, path: string): ColumnType => {
  const enc = AST.encodedAST(ast)
  return classifyKind(enc, path)
}

/**
 * Derive the column type of a field schema's AST. `path` names the field in
 * error messages.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromAST = (ast: AST.AST, path: string): ColumnType => classifyKind(ast, path)
