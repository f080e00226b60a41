import type { Dialect } from "../../dialect/Dialect.js"
import type { ColumnSnapshot, ForeignKeySnapshot, TableSnapshot } from "../Snapshot.js"
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

const list = (dialect: Dialect, columns: ReadonlyArray<string>) => columns.map((c) => dialect.quote(c)).join(", ")

/** Constraint names: `<table>_<columns>_<suffix>`, as PostgreSQL would name them. */
export const constraintName = (table: string, columns: ReadonlyArray<string>, suffix: string) =>
  `${table}_${columns.join("_")}_${suffix}`

/** Every index of a table: the declared ones plus single-column `index: true`. */
export const indexesOf = (table: Table.Any) => [
  ...table.columns.filter((c) => c.index).map((c) => ({
    name: constraintName(table.name, [c.name], "idx"),
    columns: [c],
    unique: false
  })),
  ...table.indexes
]

/** The column of a snapshot declared as the table's auto-incrementing primary key, if any. */
export const autoIncrementColumn = (table: TableSnapshot): ColumnSnapshot | undefined => {
  if (table.primaryKey.length !== 1) return undefined
  const pk = table.columns.find((c) => c.name === table.primaryKey[0])
  return pk?.autoIncrement ? pk : undefined
}

/** One column's definition inside CREATE TABLE (or ADD COLUMN). */
export const columnDefinition = (c: ColumnSnapshot, dialect: Dialect, autoPk: boolean): string => {
  if (autoPk) return `${dialect.quote(c.name)} ${dialect.autoIncrementPrimaryKey(c.kind)}`
  const parts = [dialect.quote(c.name), c.sqlType[dialect.name]]
  if (!c.nullable) parts.push("NOT NULL")
  if (c.defaultByDialect !== null) parts.push(`DEFAULT ${c.defaultByDialect[dialect.name]}`)
  return parts.join(" ")
}

/** The CHECK constraints a column carries: its enum's values and its own check. */
export const columnChecks = (
  table: string,
  c: ColumnSnapshot,
  dialect: Dialect
): ReadonlyArray<{ readonly name: string; readonly sql: string }> => {
  const out: Array<{ name: string; sql: string }> = []
  if (c.kind._tag === "Enum") {
    const values = c.kind.values.map((v) => dialect.stringLiteral(v)).join(", ")
    out.push({ name: constraintName(table, [c.name], "check"), sql: `${dialect.quote(c.name)} IN (${values})` })
  }
  if (c.checkByDialect !== null) out.push({ name: constraintName(table, [c.name], "ck"), sql: c.checkByDialect[dialect.name] })
  return out
}

/** Every unique constraint of a table: single columns first, then the multi-column ones. */
export const uniqueConstraints = (table: TableSnapshot): ReadonlyArray<ReadonlyArray<string>> => [
  ...table.columns.filter((c) => c.unique).map((c) => [c.name]),
  ...table.unique
]

/** A foreign key's clause (after `CONSTRAINT name` or `ADD CONSTRAINT name`). */
export const foreignKeyClause = (fk: ForeignKeySnapshot, dialect: Dialect): string => {
  const q = dialect.quote
  let sql = `FOREIGN KEY (${q(fk.column)}) REFERENCES ${q(fk.references.table)} (${q(fk.references.column)})`
  if (fk.onDelete !== null) sql += ` ON DELETE ${fk.onDelete.toUpperCase()}`
  if (fk.onUpdate !== null) sql += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`
  return sql
}

/** `CREATE INDEX` for one index of a snapshot. */
export const createIndex = (
  table: string,
  ix: TableSnapshot["indexes"][number],
  dialect: Dialect,
  ifNotExists: boolean
): string =>
  `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${ifNotExists ? "IF NOT EXISTS " : ""}${dialect.quote(ix.name)} ` +
  `ON ${dialect.quote(table)} (${list(dialect, ix.columns)})`

/**
 * `CREATE TABLE` for a snapshot, named `name` (SQLite's rebuild creates the
 * new table under a temporary name); indexes are inline where the dialect
 * declares them so.
 */
export const createTableStatement = (
  table: TableSnapshot,
  dialect: Dialect,
  ifNotExists: boolean,
  name: string = table.name
): string => {
  const q = dialect.quote
  const autoPk = autoIncrementColumn(table)
  const lines: Array<string> = table.columns.map((c) => columnDefinition(c, dialect, c === autoPk))
  if (autoPk === undefined && table.primaryKey.length > 0) {
    lines.push(`CONSTRAINT ${q(`${table.name}_pkey`)} PRIMARY KEY (${list(dialect, table.primaryKey)})`)
  }
  for (const u of uniqueConstraints(table)) {
    lines.push(`CONSTRAINT ${q(constraintName(table.name, u, "key"))} UNIQUE (${list(dialect, u)})`)
  }
  for (const c of table.columns) {
    for (const ck of columnChecks(table.name, c, dialect)) lines.push(`CONSTRAINT ${q(ck.name)} CHECK (${ck.sql})`)
  }
  for (const ck of table.checks) lines.push(`CONSTRAINT ${q(ck.name)} CHECK (${ck.sqlByDialect[dialect.name]})`)
  for (const fk of table.foreignKeys) lines.push(`CONSTRAINT ${q(fk.name)} ${foreignKeyClause(fk, dialect)}`)
  if (dialect.inlineIndexes) {
    for (const ix of table.indexes) lines.push(`${ix.unique ? "UNIQUE " : ""}INDEX ${q(ix.name)} (${list(dialect, ix.columns)})`)
  }
  return `CREATE TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${q(name)} (\n  ${lines.join(",\n  ")}\n)`
}

/** The statements creating a table and its indexes as a snapshot describes it. */
export const createTable = (table: TableSnapshot, dialect: Dialect, ifNotExists: boolean): ReadonlyArray<string> => {
  const create = createTableStatement(table, dialect, ifNotExists)
  if (dialect.inlineIndexes) return [create]
  return [create, ...table.indexes.map((ix) => createIndex(table.name, ix, dialect, ifNotExists))]
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
