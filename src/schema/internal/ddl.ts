import type { Dialect } from "../../dialect/Dialect.js"
import type * as Table from "../Table.js"

type ColumnDef = Table.ColumnDef

/** Render a raw SQL fragment for a dialect. */
export const fragment = (sql: Table.SqlFragment, dialect: Dialect): string =>
  typeof sql === "string" ? sql : sql(dialect.quote)

/** The column referenced by a foreign key. */
export const referencedColumn = (column: ColumnDef): { readonly table: Table.Any; readonly column: ColumnDef } => {
  const ref = column.references!
  const table = ref.table()
  if (ref.field !== undefined) return { table, column: table.field(ref.field) }
  if (table.primaryKey.length !== 1) {
    throw new Error(`${column.name}: references ${table.name}, which has no single primary key; name the field`)
  }
  return { table, column: table.primaryKey[0] }
}

const keyedColumns = (table: Table.Any): Set<string> => {
  const keyed = new Set<string>()
  for (const c of table.columns) if (c.primaryKey || c.unique || c.index || c.references) keyed.add(c.field)
  for (const u of table.unique) for (const c of u) keyed.add(c.field)
  for (const ix of table.indexes) for (const c of ix.columns) keyed.add(c.field)
  return keyed
}

/** The SQL type of a column as declared in DDL. */
export const columnSqlType = (column: ColumnDef, dialect: Dialect, keyed: boolean): string => {
  const kind = column.type.kind
  const type = dialect.columnType(kind)
  const unbounded = kind._tag === "String" && kind.maxLength === undefined
  return keyed && unbounded && dialect.keyedText !== undefined ? dialect.keyedText : type
}

/** A literal default, written by the dialect. */
export const defaultSql = (d: Table.SqlDefault, dialect: Dialect): string => {
  if (d._tag === "Sql") return typeof d.sql === "string" ? d.sql : d.sql[dialect.name]
  const v = d.value
  if (v === null) return "NULL"
  if (typeof v === "boolean") return dialect.booleanAsInteger ? (v ? "1" : "0") : v ? "TRUE" : "FALSE"
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`default ${v} is not a finite number`)
    return String(v)
  }
  return dialect.stringLiteral(v)
}

const action = (a: Table.ForeignKeyAction) => a.toUpperCase()

const list = (dialect: Dialect, columns: ReadonlyArray<ColumnDef>) =>
  columns.map((c) => dialect.quote(c.name)).join(", ")

/** Constraint names: `<table>_<columns>_<suffix>`, as PostgreSQL would name them. */
const constraintName = (table: Table.Any, columns: ReadonlyArray<ColumnDef>, suffix: string) =>
  `${table.name}_${columns.map((c) => c.name).join("_")}_${suffix}`

/** Every index of a table: the declared ones plus single-column `index: true`. */
export const indexesOf = (table: Table.Any) => [
  ...table.columns.filter((c) => c.index).map((c) => ({
    name: constraintName(table, [c], "idx"),
    columns: [c],
    unique: false
  })),
  ...table.indexes
]

export const createTable = (table: Table.Any, dialect: Dialect, ifNotExists: boolean): ReadonlyArray<string> => {
  const q = dialect.quote
  const keyed = keyedColumns(table)
  const autoPk = table.primaryKey.length === 1 && table.primaryKey[0].autoIncrement ? table.primaryKey[0] : undefined
  const lines: Array<string> = table.columns.map((c) => {
    if (c === autoPk) return `${q(c.name)} ${dialect.autoIncrementPrimaryKey(c.type.kind)}`
    const parts = [q(c.name), columnSqlType(c, dialect, keyed.has(c.field))]
    if (!c.type.nullable) parts.push("NOT NULL")
    if (c.default !== undefined) parts.push(`DEFAULT ${defaultSql(c.default, dialect)}`)
    return parts.join(" ")
  })
  if (autoPk === undefined && table.primaryKey.length > 0) {
    lines.push(`CONSTRAINT ${q(`${table.name}_pkey`)} PRIMARY KEY (${list(dialect, table.primaryKey)})`)
  }
  for (const c of table.columns) {
    if (c.unique) lines.push(`CONSTRAINT ${q(constraintName(table, [c], "key"))} UNIQUE (${q(c.name)})`)
  }
  for (const u of table.unique) lines.push(`CONSTRAINT ${q(constraintName(table, u, "key"))} UNIQUE (${list(dialect, u)})`)
  for (const c of table.columns) {
    if (c.type.kind._tag === "Enum") {
      const values = c.type.kind.values.map((v) => dialect.stringLiteral(v)).join(", ")
      lines.push(`CONSTRAINT ${q(constraintName(table, [c], "check"))} CHECK (${q(c.name)} IN (${values}))`)
    }
    if (c.check !== undefined) lines.push(`CONSTRAINT ${q(constraintName(table, [c], "ck"))} CHECK (${fragment(c.check, dialect)})`)
  }
  for (const ck of table.checks) lines.push(`CONSTRAINT ${q(ck.name)} CHECK (${fragment(ck.sql, dialect)})`)
  for (const c of table.columns) {
    if (c.references === undefined) continue
    const ref = referencedColumn(c)
    let fk = `CONSTRAINT ${q(constraintName(table, [c], "fkey"))} FOREIGN KEY (${q(c.name)}) ` +
      `REFERENCES ${q(ref.table.name)} (${q(ref.column.name)})`
    if (c.references.onDelete) fk += ` ON DELETE ${action(c.references.onDelete)}`
    if (c.references.onUpdate) fk += ` ON UPDATE ${action(c.references.onUpdate)}`
    lines.push(fk)
  }
  const indexes = indexesOf(table)
  if (dialect.inlineIndexes) {
    for (const ix of indexes) lines.push(`${ix.unique ? "UNIQUE " : ""}INDEX ${q(ix.name)} (${list(dialect, ix.columns)})`)
  }
  const create = `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${q(table.name)} (\n  ${lines.join(",\n  ")}\n)`
  if (dialect.inlineIndexes) return [create]
  return [
    create,
    ...indexes.map((ix) =>
      `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${ifNotExists ? "IF NOT EXISTS " : ""}${q(ix.name)} ` +
      `ON ${q(table.name)} (${list(dialect, ix.columns)})`
    )
  ]
}

export const sortByDependencies = (tables: ReadonlyArray<Table.Any>): ReadonlyArray<Table.Any> => {
  const listed = new Set(tables.map((t) => t.name))
  const byName = new Map(tables.map((t) => [t.name, t]))
  const out: Array<Table.Any> = []
  const state = new Map<string, "visiting" | "done">()
  const visit = (t: Table.Any) => {
    const s = state.get(t.name)
    if (s !== undefined) return // done, or a cycle: keep declaration order
    state.set(t.name, "visiting")
    for (const c of t.columns) {
      if (c.references === undefined) continue
      const parent = c.references.table()
      if (parent.name !== t.name && listed.has(parent.name)) visit(byName.get(parent.name)!)
    }
    state.set(t.name, "done")
    out.push(t)
  }
  for (const t of tables) visit(t)
  return out
}
