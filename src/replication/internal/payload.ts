/**
 * What a log entry says: a list of operations, written as JSON.
 *
 * - `{ "u": table, "c": [columns], "r": [[values], ...] }`: rows written, every
 *   column, as the primary stored them (upserted by primary key on a shadow);
 * - `{ "d": table, "c": [key columns], "r": [[values], ...] }`: rows deleted, by key;
 * - `{ "ddl": { "sqlite": [...], "postgres": [...], "mysql": [...] }, "t": [tables] }`:
 *   DDL, written for every dialect when it ran on the primary.
 *
 * Tables and columns are SQL names; values are neutral (see image.ts).
 */
import type { DialectName } from "../../dialect/Dialect.js"
import type { Dialect } from "../../dialect/Dialect.js"
import type { Change } from "../../query/internal/capture.js"
import { type Neutral, neutralRow } from "./image.js"

/** One operation of an entry. */
export type Op =
  | { readonly _tag: "Upsert"; readonly table: string; readonly columns: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<Neutral>> }
  | { readonly _tag: "Delete"; readonly table: string; readonly columns: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<Neutral>> }
  | { readonly _tag: "Ddl"; readonly tables: ReadonlyArray<string>; readonly statements: { readonly [D in DialectName]: ReadonlyArray<string> } }

/** What a transaction recorded: captured rows, or DDL. */
export type Recorded = Change | Extract<Op, { _tag: "Ddl" }>

/** The most row images one entry carries: a large transaction becomes several consecutive entries. */
export const ROWS_PER_ENTRY = 500

const indexes = new WeakMap<object, { all: Array<number>; key: Array<number> }>()

const columnsOf = (table: Change["table"]) => {
  let c = indexes.get(table)
  if (c === undefined) {
    c = {
      all: table.columns.map((_, i) => i),
      key: table.primaryKey.map((d) => table.columns.indexOf(d))
    }
    indexes.set(table, c)
  }
  return c
}

/** A captured change as an operation, its values made neutral. */
const toOp = (change: Change, dialect: Dialect): Op => {
  const table = change.table
  const { all, key } = columnsOf(table)
  const at = change._tag === "Upsert" ? all : key
  const rows = change._tag === "Upsert" ? change.rows : change.keys
  return {
    _tag: change._tag,
    table: table.name,
    columns: at.map((i) => table.columns[i].name),
    rows: rows.map((row) => neutralRow(table, dialect, at, row))
  }
}

const json = (op: Op): unknown =>
  op._tag === "Ddl"
    ? { ddl: op.statements, t: op.tables }
    : op._tag === "Upsert"
    ? { u: op.table, c: op.columns, r: op.rows }
    : { d: op.table, c: op.columns, r: op.rows }

/** The payloads of what a transaction recorded: at most `ROWS_PER_ENTRY` rows each, in order. */
export const encode = (recorded: ReadonlyArray<Recorded>, dialect: Dialect): Array<string> => {
  const payloads: Array<string> = []
  let current: Array<unknown> = []
  let rows = 0
  const flush = () => {
    if (current.length > 0) payloads.push(JSON.stringify(current))
    current = []
    rows = 0
  }
  for (const r of recorded) {
    const op = r._tag === "Ddl" ? r : toOp(r, dialect)
    if (op._tag === "Ddl") {
      current.push(json(op))
      continue
    }
    for (let i = 0; i < op.rows.length; i += ROWS_PER_ENTRY) {
      const part = op.rows.length <= ROWS_PER_ENTRY ? op.rows : op.rows.slice(i, i + ROWS_PER_ENTRY)
      if (rows > 0 && rows + part.length > ROWS_PER_ENTRY) flush()
      current.push(json({ ...op, rows: part }))
      rows += part.length
    }
  }
  flush()
  return payloads
}

/** The operations of a payload. */
export const decode = (payload: string): ReadonlyArray<Op> =>
  (JSON.parse(payload) as ReadonlyArray<Record<string, any>>).map((o): Op =>
    o.ddl !== undefined
      ? { _tag: "Ddl", tables: o.t, statements: o.ddl }
      : o.u !== undefined
      ? { _tag: "Upsert", table: o.u, columns: o.c, rows: o.r }
      : { _tag: "Delete", table: o.d, columns: o.c, rows: o.r }
  )
