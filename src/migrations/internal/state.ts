/**
 * How each operation changes a schema snapshot, and how it reads in one line.
 *
 * @internal
 */
import type * as Snapshot from "../../schema/Snapshot.js"
import type * as Operation from "../Operation.js"

type TableSnapshot = Snapshot.TableSnapshot

const byName = (a: { readonly name: string }, b: { readonly name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

const sameColumns = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((c, i) => c === b[i])

const missing = (what: string): never => {
  throw new Error(`migration does not fit its snapshot: no ${what}`)
}

/** The table named `name` of a snapshot (a defect when there is none). @internal */
export const tableOf = (snapshot: Snapshot.Snapshot, name: string): TableSnapshot =>
  snapshot.tables.find((t) => t.name === name) ?? missing(`table ${name}`)

/** The column named `name` of a table (a defect when there is none). @internal */
export const columnOf = (table: TableSnapshot, name: string): Snapshot.ColumnSnapshot =>
  table.columns.find((c) => c.name === name) ?? missing(`column ${table.name}.${name}`)

const withTable = (
  snapshot: Snapshot.Snapshot,
  name: string,
  f: (table: TableSnapshot) => TableSnapshot
): Snapshot.Snapshot => {
  const table = tableOf(snapshot, name)
  return { ...snapshot, tables: snapshot.tables.map((t) => (t === table ? f(t) : t)) }
}

const renameIn = (columns: ReadonlyArray<string>, from: string, to: string) => columns.map((c) => (c === from ? to : c))

const renameColumn = (t: TableSnapshot, from: string, to: string): TableSnapshot => {
  columnOf(t, from)
  return {
    ...t,
    columns: t.columns.map((c) => (c.name === from ? { ...c, name: to } : c)),
    primaryKey: renameIn(t.primaryKey, from, to),
    unique: t.unique.map((u) => renameIn(u, from, to)),
    indexes: t.indexes.map((ix) => ({ ...ix, columns: renameIn(ix.columns, from, to) })),
    foreignKeys: t.foreignKeys.map((fk) => (fk.column === from ? { ...fk, column: to } : fk))
  }
}

const dropUnique = (t: TableSnapshot, columns: ReadonlyArray<string>): TableSnapshot => {
  if (columns.length === 1 && t.columns.some((c) => c.name === columns[0] && c.unique)) {
    return { ...t, columns: t.columns.map((c) => (c.name === columns[0] ? { ...c, unique: false } : c)) }
  }
  if (!t.unique.some((u) => sameColumns(u, columns))) missing(`unique constraint on ${t.name} (${columns.join(", ")})`)
  return { ...t, unique: t.unique.filter((u) => !sameColumns(u, columns)) }
}

/** The references of other tables to `from`, pointed at `to`. */
const retarget = (t: TableSnapshot, from: string, to: string): TableSnapshot =>
  t.foreignKeys.some((fk) => fk.references.table === from)
    ? {
      ...t,
      foreignKeys: t.foreignKeys.map((fk) =>
        fk.references.table === from ? { ...fk, references: { ...fk.references, table: to } } : fk
      )
    }
    : t

/** @internal */
export const applyTo = (snapshot: Snapshot.Snapshot, op: Operation.Operation): Snapshot.Snapshot => {
  switch (op._tag) {
    case "CreateTable":
      if (snapshot.tables.some((t) => t.name === op.table.name)) throw new Error(`table ${op.table.name} exists`)
      return { ...snapshot, tables: [...snapshot.tables, op.table].sort(byName) }
    case "DropTable":
      tableOf(snapshot, op.table)
      return { ...snapshot, tables: snapshot.tables.filter((t) => t.name !== op.table) }
    case "RenameTable":
      tableOf(snapshot, op.from)
      return {
        ...snapshot,
        tables: snapshot.tables.map((t) => retarget(t.name === op.from ? { ...t, name: op.to } : t, op.from, op.to))
          .sort(byName)
      }
    case "AddColumn":
      return withTable(snapshot, op.table, (t) => ({ ...t, columns: [...t.columns, op.column] }))
    case "DropColumn":
      return withTable(snapshot, op.table, (t) => {
        columnOf(t, op.column)
        return { ...t, columns: t.columns.filter((c) => c.name !== op.column) }
      })
    case "RenameColumn":
      return {
        ...snapshot,
        tables: snapshot.tables.map((t) => {
          const renamed = t.name === op.table ? renameColumn(t, op.from, op.to) : t
          return renamed.foreignKeys.some((fk) => fk.references.table === op.table && fk.references.column === op.from)
            ? {
              ...renamed,
              foreignKeys: renamed.foreignKeys.map((fk) =>
                fk.references.table === op.table && fk.references.column === op.from
                  ? { ...fk, references: { ...fk.references, column: op.to } }
                  : fk
              )
            }
            : renamed
        })
      }
    case "AlterColumn":
      return withTable(snapshot, op.table, (t) => {
        const before = columnOf(t, op.column.name)
        // keys change through their own operations
        const column = {
          ...op.column,
          unique: before.unique,
          primaryKey: before.primaryKey,
          autoIncrement: before.autoIncrement
        }
        return { ...t, columns: t.columns.map((c) => (c === before ? column : c)) }
      })
    case "CreateIndex":
      return withTable(snapshot, op.table, (t) => ({ ...t, indexes: [...t.indexes, op.index] }))
    case "DropIndex":
      return withTable(snapshot, op.table, (t) => {
        if (!t.indexes.some((ix) => ix.name === op.index)) missing(`index ${op.index}`)
        return { ...t, indexes: t.indexes.filter((ix) => ix.name !== op.index) }
      })
    case "AddUnique":
      return withTable(snapshot, op.table, (t) =>
        op.columns.length === 1
          ? { ...t, columns: t.columns.map((c) => (c.name === op.columns[0] ? { ...c, unique: true } : c)) }
          : { ...t, unique: [...t.unique, op.columns] })
    case "DropUnique":
      return withTable(snapshot, op.table, (t) => dropUnique(t, op.columns))
    case "AddForeignKey":
      return withTable(snapshot, op.table, (t) => ({ ...t, foreignKeys: [...t.foreignKeys, op.foreignKey] }))
    case "DropForeignKey":
      return withTable(snapshot, op.table, (t) => {
        if (!t.foreignKeys.some((fk) => fk.name === op.name)) missing(`foreign key ${op.name}`)
        return { ...t, foreignKeys: t.foreignKeys.filter((fk) => fk.name !== op.name) }
      })
    case "AddCheck":
      return withTable(snapshot, op.table, (t) => ({ ...t, checks: [...t.checks, op.check] }))
    case "DropCheck":
      return withTable(snapshot, op.table, (t) => {
        if (!t.checks.some((ck) => ck.name === op.name)) missing(`check ${op.name}`)
        return { ...t, checks: t.checks.filter((ck) => ck.name !== op.name) }
      })
    case "SetPrimaryKey":
      return withTable(snapshot, op.table, (t) => {
        for (const c of op.columns) columnOf(t, c)
        return {
          ...t,
          primaryKey: op.columns,
          columns: t.columns.map((c) => ({ ...c, primaryKey: op.columns.includes(c.name) }))
        }
      })
    case "Sql":
    case "Run":
      return snapshot
  }
}

/** @internal */
export const describe = (op: Operation.Operation): string => {
  switch (op._tag) {
    case "CreateTable":
      return `create table ${op.table.name}`
    case "DropTable":
      return `drop table ${op.table}`
    case "RenameTable":
      return `rename table ${op.from} to ${op.to}`
    case "AddColumn":
      return `add column ${op.table}.${op.column.name}`
    case "DropColumn":
      return `drop column ${op.table}.${op.column}`
    case "RenameColumn":
      return `rename column ${op.table}.${op.from} to ${op.to}`
    case "AlterColumn":
      return `alter column ${op.table}.${op.column.name}`
    case "CreateIndex":
      return `create index ${op.index.name} on ${op.table}`
    case "DropIndex":
      return `drop index ${op.index} on ${op.table}`
    case "AddUnique":
      return `add unique (${op.columns.join(", ")}) to ${op.table}`
    case "DropUnique":
      return `drop unique (${op.columns.join(", ")}) from ${op.table}`
    case "AddForeignKey":
      return `add foreign key ${op.foreignKey.name} to ${op.table}`
    case "DropForeignKey":
      return `drop foreign key ${op.name} from ${op.table}`
    case "AddCheck":
      return `add check ${op.check.name} to ${op.table}`
    case "DropCheck":
      return `drop check ${op.name} from ${op.table}`
    case "SetPrimaryKey":
      return `set primary key of ${op.table} to (${op.columns.join(", ")})`
    case "Sql":
      return "raw SQL"
    case "Run":
      return `run ${op.name}`
  }
}
