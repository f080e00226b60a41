/**
 * What the compiler needs to know about a table, computed once per table:
 * each field's schema, the encoders of the insert / update variants, and the
 * row schemas used to decode results.
 */
import { Either, ParseResult, Schema, SchemaAST as AST } from "effect"
import { identityCheck } from "./fastDecode.js"
import type * as Table from "../../schema/Table.js"

/** @internal */
export type EncodeEither = (u: unknown) => Either.Either<unknown, ParseResult.ParseError>

/** @internal */
export interface ColumnInfo {
  readonly table: Table.Any
  readonly def: Table.ColumnDef
  /** The field's schema (select variant). */
  readonly schema: Schema.Schema<any, any, never>
  /** An optional field that cannot hold NULL: a NULL read back means the field is absent. */
  readonly nullIsAbsent: boolean
  /** Encodes a value compared with the column: refinements are not checked (a filter compares, it does not store). */
  readonly filterEncode: EncodeEither
  /** Encodes a value assigned by an update, with the model's update variant (checked in full). */
  readonly updateEncode: EncodeEither | undefined
}

/** @internal */
export interface TableInfo {
  readonly table: Table.Any
  readonly columns: ReadonlyMap<string, ColumnInfo>
  readonly insertEncode: EncodeEither
  /** The schema decoding a row of the given fields (all fields: the model itself). */
  readonly rowSchema: (fields: ReadonlyArray<string> | undefined) => Schema.Schema<any, any, never>
}

const isOptional = (field: unknown): boolean => {
  const ast = (field as { ast: unknown }).ast
  if (ast instanceof Schema.PropertySignatureDeclaration) return ast.isOptional
  if (ast instanceof Schema.PropertySignatureTransformation) return ast.to.isOptional
  return false
}

/** The value schema of a struct field, which may be a property signature. */
export const fieldSchema = (field: unknown): Schema.Schema<any, any, never> => {
  const ast = (field as { ast: unknown }).ast
  if (ast instanceof Schema.PropertySignatureDeclaration) return Schema.make(ast.type)
  if (ast instanceof Schema.PropertySignatureTransformation) return Schema.make(ast.from.type)
  return field as Schema.Schema<any, any, never>
}

/** The same schema without its refinements (transformations kept). */
const stripRefinements = (ast: AST.AST): AST.AST => {
  switch (ast._tag) {
    case "Refinement":
      return stripRefinements(ast.from)
    case "Transformation":
      return new AST.Transformation(
        stripRefinements(ast.from),
        stripRefinements(ast.to),
        ast.transformation,
        ast.annotations
      )
    case "Union":
      return AST.Union.make(ast.types.map(stripRefinements), ast.annotations)
    default:
      return ast
  }
}

/**
 * The insert variant's encoder, with a fast path for rows whose fields encode
 * to themselves (checked directly, refinements included) or through their own
 * field schema; any row it cannot take, or that fails, goes through the whole
 * schema, so failures are exactly the schema's. Variants with property
 * signatures (optional keys, generated defaults) always take the whole schema.
 */
const insertEncoder = (variant: Schema.Struct<Schema.Struct.Fields>): EncodeEither => {
  const full = Schema.encodeUnknownEither(variant as unknown as Schema.Schema<any, any, never>)
  const entries = Object.entries(variant.fields)
  if (entries.some(([, f]) => !Schema.isSchema(f))) return full
  const keys = entries.map(([k]) => k)
  const checks = entries.map(([, f]) => identityCheck((f as Schema.Schema.Any).ast))
  if (checks.every((c) => c === undefined)) return full
  const slow = entries.map(([, f], i) =>
    checks[i] === undefined ? ParseResult.encodeUnknownEither(f as Schema.Schema<any, any, never>) : undefined
  )
  const n = keys.length
  return (row) => {
    if (typeof row !== "object" || row === null) return full(row)
    const input = row as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      const key = keys[i]
      const value = input[key]
      const check = checks[i]
      if (check !== undefined) {
        if (!check(value)) return full(row)
        out[key] = value
      } else {
        const encoded = slow[i]!(value)
        if (Either.isLeft(encoded)) return full(row)
        out[key] = encoded.right
      }
    }
    return Either.right(out)
  }
}

const tables = new WeakMap<Table.Any, TableInfo>()
const columns = new WeakMap<Table.ColumnDef, ColumnInfo>()

/** The memoized facts of a table; also makes its columns known to `columnInfo`. */
export const tableInfo = (table: Table.Any): TableInfo => {
  const cached = tables.get(table)
  if (cached !== undefined) return cached
  const model = table.model
  const fields = model.fields as Record<string, unknown>
  const updateFields = (model.update as unknown as { fields: Record<string, unknown> }).fields
  const byField = new Map<string, ColumnInfo>()
  for (const def of table.columns) {
    const schema = fieldSchema(fields[def.field])
    const info: ColumnInfo = {
      table,
      def,
      schema,
      nullIsAbsent: isOptional(fields[def.field]) && !Schema.is(Schema.typeSchema(schema))(null),
      filterEncode: Schema.encodeUnknownEither(Schema.make(stripRefinements(schema.ast))),
      updateEncode: def.field in updateFields ? Schema.encodeUnknownEither(fieldSchema(updateFields[def.field])) : undefined
    }
    byField.set(def.field, info)
    columns.set(def, info)
  }
  const rowSchemas = new Map<string, Schema.Schema<any, any, never>>()
  const info: TableInfo = {
    table,
    columns: byField,
    insertEncode: insertEncoder(model.insert as unknown as Schema.Struct<Schema.Struct.Fields>),
    rowSchema: (subset) => {
      if (subset === undefined) return model as Schema.Schema<any, any, never>
      const key = subset.join(",")
      let schema = rowSchemas.get(key)
      if (schema === undefined) {
        const picked: Record<string, any> = {}
        for (const f of subset) picked[f] = fields[f]
        schema = Schema.Struct(picked) as unknown as Schema.Schema<any, any, never>
        rowSchemas.set(key, schema)
      }
      return schema
    }
  }
  tables.set(table, info)
  return info
}

/** The facts of a column; its table must have been seen by `tableInfo`. */
export const columnInfo = (column: { readonly table: string; readonly def: Table.ColumnDef }): ColumnInfo => {
  const info = columns.get(column.def)
  if (info === undefined) {
    throw new Error(`column ${column.table}.${column.def.field} is used in a query that does not name its table`)
  }
  return info
}
