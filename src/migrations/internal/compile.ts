/**
 * One compiler for every dialect: an operation, and the schema it applies
 * to, become steps (statements, or effects that read before they write);
 * what differs between dialects is in their DdlDialect record.
 *
 * @internal
 */
import * as Dialect from "../../dialect/Dialect.js"
import {
  columnChecks,
  columnDefinition,
  constraintName,
  createIndex,
  createTable,
  foreignKeyClause,
  uniqueConstraints
} from "../../schema/internal/ddl.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import type * as Operation from "../Operation.js"
import { addConstraint, byName, type ConstraintKind, type DdlDialect, statement, type Step } from "./ddlDialect.js"
import { rebuild } from "./rebuild.js"
import { applyTo, columnOf, tableOf } from "./state.js"

type TableSnapshot = Snapshot.TableSnapshot
type Column = Snapshot.ColumnSnapshot

/** A named constraint derived from the table's and its columns' names (not stored in the snapshot). */
interface Derived {
  readonly kind: ConstraintKind
  readonly name: string
  /** What follows `ADD CONSTRAINT name`. */
  readonly clause: string
}

const list = (d: Dialect.Dialect, columns: ReadonlyArray<string>) => columns.map((c) => d.quote(c)).join(", ")

/** The constraints whose names derive from the table's name (and, for some, a column's). */
const derived = (t: TableSnapshot, d: Dialect.Dialect): ReadonlyArray<Derived & { readonly columns: ReadonlyArray<string> }> => [
  ...(t.primaryKey.length > 0
    ? [{ kind: "primaryKey" as const, name: `${t.name}_pkey`, clause: `PRIMARY KEY (${list(d, t.primaryKey)})`, columns: [] }]
    : []),
  ...uniqueConstraints(t).map((u) => ({
    kind: "unique" as const,
    name: constraintName(t.name, u, "key"),
    clause: `UNIQUE (${list(d, u)})`,
    columns: u
  })),
  ...t.columns.flatMap((c) =>
    columnChecks(t.name, c, d).map((ck) => ({ kind: "check" as const, name: ck.name, clause: `CHECK (${ck.sql})`, columns: [c.name] }))
  )
]

/** Renames of the derived constraints of `before` to their names in `after` (matched by position). */
const renameDerived = (
  dd: DdlDialect,
  before: TableSnapshot,
  after: TableSnapshot,
  only: (columns: ReadonlyArray<string>) => boolean
): ReadonlyArray<Step> => {
  const d = dd.dialect
  const from = derived(before, d)
  const to = derived(after, d)
  return from.flatMap((c, i): ReadonlyArray<Step> => {
    const target = to[i]
    if (c.name === target.name || (c.kind !== "primaryKey" && !only(c.columns))) return []
    const renamed = dd.renameConstraint(after.name, c.kind, c.name, target.name)
    if (renamed !== undefined) return renamed.map(statement)
    return [
      ...dd.dropConstraint(after.name, c.kind, c.name),
      statement(addConstraint(d, after.name, target.name, target.clause))
    ]
  })
}

/** Whether SQLite's ALTER TABLE ADD COLUMN can add this column (else the table is rebuilt). */
const sqliteCanAdd = (c: Column): boolean =>
  !c.primaryKey && !c.unique && c.kind._tag !== "Enum" && c.checkByDialect === null &&
  (c.defaultByDialect === null
    ? c.nullable
    : /^(NULL|-?\d+(\.\d+)?|'([^']|'')*')$/.test(c.defaultByDialect.sqlite))

/** Whether SQLite's ALTER TABLE DROP COLUMN can drop this column (else the table is rebuilt). */
const sqliteCanDrop = (t: TableSnapshot, c: Column): boolean =>
  !c.primaryKey && !c.unique && c.kind._tag !== "Enum" && c.checkByDialect === null &&
  !t.unique.some((u) => u.includes(c.name)) && !t.indexes.some((ix) => ix.columns.includes(c.name)) &&
  !t.foreignKeys.some((fk) => fk.column === c.name) &&
  !t.checks.some((ck) => ck.sqlByDialect.sqlite.includes(Dialect.sqlite.quote(c.name)))

const checkDelta = (d: Dialect.Dialect, table: string, before: Column, after: Column) => {
  const was = columnChecks(table, before, d)
  const now = columnChecks(table, after, d)
  const same = (a: { name: string; sql: string }, b: ReadonlyArray<{ name: string; sql: string }>) =>
    b.some((x) => x.name === a.name && x.sql === a.sql)
  return { dropped: was.filter((c) => !same(c, now)), added: now.filter((c) => !same(c, was)) }
}

const alterColumn = (dd: DdlDialect, table: TableSnapshot, op: Operation.AlterColumn, after: TableSnapshot) => {
  const d = dd.dialect
  const before = columnOf(table, op.column.name)
  if (!dd.alterInPlace) {
    const fill = before.nullable && !op.column.nullable && op.column.defaultByDialect !== null
      ? new Map([[op.column.name, `coalesce(${d.quote(op.column.name)}, ${op.column.defaultByDialect[d.name]})`]])
      : undefined
    return rebuild(table, after, fill).map(statement)
  }
  const checks = checkDelta(d, table.name, before, op.column)
  return [
    ...checks.dropped.flatMap((ck) => dd.dropConstraint(table.name, "check", ck.name)),
    ...dd.alterColumn(table.name, before, op.column).map(statement),
    ...checks.added.map((ck) => statement(addConstraint(d, table.name, ck.name, `CHECK (${ck.sql})`)))
  ]
}

const addColumn = (dd: DdlDialect, table: TableSnapshot, op: Operation.AddColumn, after: TableSnapshot) => {
  const d = dd.dialect
  if (!dd.alterInPlace && !sqliteCanAdd(op.column)) return rebuild(table, after).map(statement)
  const alter = `ALTER TABLE ${d.quote(table.name)} `
  return [
    statement(alter + `ADD COLUMN ${columnDefinition(op.column, d, false)}`),
    ...(op.column.unique
      ? [statement(addConstraint(d, table.name, constraintName(table.name, [op.column.name], "key"), `UNIQUE (${d.quote(op.column.name)})`))]
      : []),
    ...columnChecks(table.name, op.column, d).map((ck) => statement(addConstraint(d, table.name, ck.name, `CHECK (${ck.sql})`)))
  ]
}

/** A constraint added or dropped in place, or by rebuilding the table. */
const constraint = (
  dd: DdlDialect,
  table: TableSnapshot,
  after: TableSnapshot,
  change: { readonly add: string; readonly clause: string } | { readonly drop: string; readonly kind: ConstraintKind }
): ReadonlyArray<Step> => {
  if (!dd.alterInPlace) return rebuild(table, after).map(statement)
  return "add" in change
    ? [statement(addConstraint(dd.dialect, table.name, change.add, change.clause))]
    : dd.dropConstraint(table.name, change.kind, change.drop)
}

/** The steps of one operation applied to `state` (the schema before it). @internal */
export const compile = (op: Operation.Operation, state: Snapshot.Snapshot, dialect: Dialect.DialectName): ReadonlyArray<Step> => {
  const dd = byName[dialect]
  const d = dd.dialect
  const q = d.quote
  const after = () => applyTo(state, op)
  switch (op._tag) {
    case "CreateTable":
      return createTable(op.table, d, false).map(statement)
    case "DropTable":
      return [statement(`DROP TABLE ${q(op.table)}`)]
    case "RenameTable":
      return [
        statement(`ALTER TABLE ${q(op.from)} RENAME TO ${q(op.to)}`),
        ...renameDerived(dd, { ...tableOf(state, op.from), name: op.from }, tableOf(after(), op.to), () => true)
      ]
    case "AddColumn":
      return addColumn(dd, tableOf(state, op.table), op, tableOf(after(), op.table))
    case "DropColumn": {
      const table = tableOf(state, op.table)
      if (!dd.alterInPlace && !sqliteCanDrop(table, columnOf(table, op.column))) {
        return rebuild(table, tableOf(after(), op.table)).map(statement)
      }
      return [statement(`ALTER TABLE ${q(op.table)} DROP COLUMN ${q(op.column)}`)]
    }
    case "RenameColumn": {
      const before = tableOf(state, op.table)
      const renamed = tableOf(after(), op.table)
      return [
        statement(`ALTER TABLE ${q(op.table)} RENAME COLUMN ${q(op.from)} TO ${q(op.to)}`),
        ...renameDerived(dd, before, renamed, (cs) => cs.includes(op.from))
      ]
    }
    case "AlterColumn":
      return alterColumn(dd, tableOf(state, op.table), op, tableOf(after(), op.table))
    case "CreateIndex":
      return [statement(createIndex(op.table, op.index, d, false))]
    case "DropIndex":
      return [statement(dd.dropIndex(op.table, op.index))]
    case "AddUnique":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), {
        add: constraintName(op.table, op.columns, "key"),
        clause: `UNIQUE (${list(d, op.columns)})`
      })
    case "DropUnique":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), {
        drop: constraintName(op.table, op.columns, "key"),
        kind: "unique"
      })
    case "AddForeignKey":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), {
        add: op.foreignKey.name,
        clause: foreignKeyClause(op.foreignKey, d)
      })
    case "DropForeignKey":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), { drop: op.name, kind: "foreignKey" })
    case "AddCheck":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), {
        add: op.check.name,
        clause: `CHECK (${op.check.sqlByDialect[dialect]})`
      })
    case "DropCheck":
      return constraint(dd, tableOf(state, op.table), tableOf(after(), op.table), { drop: op.name, kind: "check" })
    case "SetPrimaryKey": {
      const table = tableOf(state, op.table)
      if (!dd.alterInPlace) return rebuild(table, tableOf(after(), op.table)).map(statement)
      return [
        ...(table.primaryKey.length > 0 ? dd.dropConstraint(op.table, "primaryKey", `${op.table}_pkey`) : []),
        statement(addConstraint(d, op.table, `${op.table}_pkey`, `PRIMARY KEY (${list(d, op.columns)})`))
      ]
    }
    case "Sql": {
      const text = typeof op.sql === "string" ? op.sql : op.sql[dialect] ?? ""
      return text.trim() === "" ? [] : [statement(text)]
    }
    case "Run":
      return [{ _tag: "Effect", effect: op.effect }]
  }
}

/** Every operation's steps, each compiled against the schema the previous ones left. @internal */
export const compileAll = (
  ops: ReadonlyArray<Operation.Operation>,
  before: Snapshot.Snapshot,
  dialect: Dialect.DialectName
): ReadonlyArray<{ readonly operation: Operation.Operation; readonly steps: ReadonlyArray<Step>; readonly before: Snapshot.Snapshot }> => {
  let state = before
  return ops.map((operation) => {
    const entry = { operation, steps: compile(operation, state, dialect), before: state }
    state = applyTo(state, operation)
    return entry
  })
}
