/**
 * A table: a model (an `@effect/sql` `Model.Class`, whose variants give the
 * `select` / `insert` / `update` / `json` shapes) plus the facts a schema cannot
 * say alone — table name, primary key, unique, index, SQL default, foreign key,
 * check, column name. Queries, DDL and snapshots all read this one value.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Model } from "@effect/sql"
 * import { Table } from "effect-quarry"
 *
 * class User extends Model.Class<User>("User")({
 *   id: Model.Generated(Schema.Int),
 *   email: Schema.String.pipe(Schema.maxLength(255)),
 *   name: Schema.String,
 *   age: Schema.NullOr(Schema.Int)
 * }) {}
 *
 * const Users = Table.make(User, {
 *   name: "users",
 *   columns: { email: { unique: true } },
 *   indexes: [{ fields: ["name"] }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Schema, type SchemaAST as AST } from "effect"
import * as ColumnType from "./ColumnType.js"
import { TypeId, type AnyModel, type FieldName, type SqlDefault, type ColumnOptions, type Naming, type Options, type ColumnDef, type ColumnRef, type Table, type Any } from "./internal/tableTypes.js"

/**
 * The table types: `Table`, `ColumnDef`, `ColumnRef`, their options and the
 * row types (declared in `internal/tableTypes.ts`).
 *
 * @since 0.1.0
 */
export * from "./internal/tableTypes.js"


/**
 * @since 0.1.0
 * @category guards
 */
export const isTable = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

/**
 * `camelCase` → `snake_case`.
 *
 * @since 0.1.0
 * @category naming
 */
export const snakeCase = (field: string): string =>
  field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase()

const namer = (naming: Naming | undefined): ((field: string) => string) =>
  naming === undefined || naming === "snake_case" ? snakeCase : naming === "preserve" ? (f) => f : naming

const fieldAST = (field: unknown): { readonly ast: AST.AST; readonly optional: boolean } => {
  const ast = (field as { ast: unknown }).ast
  if (ast instanceof Schema.PropertySignatureDeclaration) return { ast: ast.type, optional: ast.isOptional }
  if (ast instanceof Schema.PropertySignatureTransformation) {
    return { ast: ast.from.type, optional: ast.from.isOptional }
  }
  return { ast: ast as AST.AST, optional: false }
}

const toDefault = (d: ColumnOptions["default"]): SqlDefault | undefined =>
  d === undefined ? undefined : d !== null && typeof d === "object" ? d : { _tag: "Value", value: d }

/**
 * A SQL expression default, e.g. `Table.sql("CURRENT_TIMESTAMP")`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sql = (expression: string | { readonly [D in import("../dialect/Dialect.js").DialectName]: string }): SqlDefault => ({
  _tag: "Sql",
  sql: expression
})

/**
 * Declare a table for a model.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <M extends AnyModel>(model: M, options: Options<FieldName<M>>): Table<M> => {
  const toColumn = namer(options.naming)
  const fields = model.fields as Record<string, unknown>
  const insertFields = (model.insert as unknown as { fields: Record<string, unknown> }).fields
  const updateFields = (model.update as unknown as { fields: Record<string, unknown> }).fields
  const columnOptions = (options.columns ?? {}) as Record<string, ColumnOptions | undefined>
  const pkFields: ReadonlyArray<string> = options.primaryKey === undefined
    ? Object.entries(columnOptions).some(([, o]) => o?.primaryKey)
      ? Object.entries(columnOptions).filter(([, o]) => o?.primaryKey).map(([k]) => k)
      : "id" in fields ? ["id"] : []
    : typeof options.primaryKey === "string" ? [options.primaryKey] : options.primaryKey
  for (const k of [...pkFields, ...Object.keys(columnOptions)]) {
    if (!(k in fields)) throw new Error(`Table ${options.name}: no field named ${k}`)
  }

  const columns: Array<ColumnDef> = Object.keys(fields).map((field) => {
    const o = columnOptions[field] ?? {}
    const { ast, optional } = fieldAST(fields[field])
    const derived = ColumnType.fromAST(ast, `${options.name}.${field}`)
    const type: ColumnType.ColumnType = o.type === undefined
      ? { kind: derived.kind, nullable: derived.nullable || optional }
      : { kind: { _tag: "Custom", sqlType: o.type, base: derived.kind }, nullable: derived.nullable || optional }
    const primaryKey = pkFields.includes(field)
    const integer = derived.kind._tag === "Integer" || derived.kind._tag === "BigInt"
    const references = o.references === undefined
      ? undefined
      : typeof o.references === "function"
      ? { table: o.references }
      : o.references
    return {
      field,
      name: o.name ?? toColumn(field),
      type,
      primaryKey,
      autoIncrement: o.autoIncrement ?? (primaryKey && pkFields.length === 1 && integer && !(field in insertFields)),
      unique: o.unique ?? false,
      index: o.index ?? false,
      default: toDefault(o.default),
      references,
      check: o.check,
      insertable: field in insertFields,
      updatable: field in updateFields
    }
  })
  const byField = new Map(columns.map((c) => [c.field, c]))
  const field = (name: string): ColumnDef => {
    const def = byField.get(name)
    if (def === undefined) throw new Error(`Table ${options.name}: no field named ${name}`)
    return def
  }
  const c: Record<string, ColumnRef> = {}
  for (const def of columns) c[def.field] = { _tag: "Column", table: options.name, def }
  return {
    [TypeId]: TypeId,
    name: options.name,
    model,
    columns,
    c: c as Table<M>["c"],
    primaryKey: pkFields.map(field),
    unique: (options.unique ?? []).map((fs) => fs.map(field)),
    indexes: (options.indexes ?? []).map((ix) => ({
      name: ix.name ?? `${options.name}_${ix.fields.map((f) => field(f).name).join("_")}_${ix.unique ? "key" : "idx"}`,
      columns: ix.fields.map(field),
      unique: ix.unique ?? false
    })),
    checks: options.checks ?? [],
    field
  }
}

/**
 * Table aliases: `alias` (the same table under another name) and
 * `reference` (the name its columns are qualified with).
 *
 * @since 0.1.0
 * @category aliases
 */
export { alias, reference } from "./TableAlias.js"
