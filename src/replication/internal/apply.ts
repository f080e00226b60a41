/**
 * Log entries as statements for a shadow's dialect: rows written become
 * multi-row upserts by primary key (every column set to the primary's
 * value), rows deleted become deletes by key, DDL runs as written for the
 * dialect. Consecutive operations on one table are merged into as few
 * statements as the bind limit allows; a key that comes back within a run
 * starts a new statement, so a row's images are applied in order. Applying
 * an entry twice leaves the shadow as applying it once.
 *
 * On MySQL, `ON DUPLICATE KEY UPDATE` fires on any unique key: the first
 * assignment sets the primary key to NULL (an error) when the conflicting row
 * has another key, so a clash on another unique column is a loud rejection,
 * never an update of the wrong row.
 */
import type { Statement } from "../../layers/Database.js"
import type { Dialect } from "../../dialect/Dialect.js"
import type * as Table from "../../schema/Table.js"
import { codec, type Neutral } from "./image.js"
import type { Entry } from "./log.js"
import { decode } from "./payload.js"

/** A statement for the shadow, and where it comes from (for a rejection's report). */
export interface Step extends Statement {
  readonly position: number
  readonly table: string | undefined
}

/** An entry the shadow cannot take as written: a table or column the set does not know. */
export class Unknown {
  constructor(readonly position: number, readonly table: string, readonly message: string) {}
}

interface Run {
  readonly op: { readonly _tag: "Upsert" | "Delete" }
  readonly table: Table.Any
  /** Index in `table.columns` of each payload column. */
  readonly at: ReadonlyArray<number>
  readonly rows: Array<ReadonlyArray<Neutral>>
  readonly keys: Set<string>
  readonly position: number
}

const placeholders = (d: Dialect, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => d.placeholder(from + i)).join(", ")

const upsertTail = (d: Dialect, table: Table.Any, columns: ReadonlyArray<Table.ColumnDef>): string => {
  const q = d.quote
  const pk = table.primaryKey
  const rest = columns.filter((c) => !c.primaryKey)
  if (d.upsert === "on-conflict") {
    const target = pk.map((c) => q(c.name)).join(", ")
    return rest.length === 0
      ? ` ON CONFLICT (${target}) DO NOTHING`
      : ` ON CONFLICT (${target}) DO UPDATE SET ${rest.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`
  }
  const same = pk.map((c) => `${q(c.name)} <=> VALUES(${q(c.name)})`).join(" AND ")
  const guard = `${q(pk[0].name)} = IF(${same}, ${q(pk[0].name)}, NULL)`
  return ` ON DUPLICATE KEY UPDATE ${[guard, ...rest.map((c) => `${q(c.name)} = VALUES(${q(c.name)})`)].join(", ")}`
}

const statementsOf = (d: Dialect, run: Run): Array<Step> => {
  const table = run.table
  const columns = run.at.map((i) => table.columns[i])
  const convert = run.at.map((i) => codec(table, d).fromNeutral[i])
  const width = columns.length
  const perStatement = Math.max(1, Math.floor(d.maxParams / width))
  const steps: Array<Step> = []
  const q = d.quote
  for (let start = 0; start < run.rows.length; start += perStatement) {
    const rows = run.rows.slice(start, start + perStatement)
    const params: Array<unknown> = []
    for (const row of rows) for (let i = 0; i < width; i++) params.push(convert[i](row[i]))
    let sql: string
    if (run.op._tag === "Upsert") {
      const values = rows.map((_, r) => `(${placeholders(d, 1 + r * width, width)})`).join(", ")
      sql = `INSERT INTO ${q(table.name)} (${columns.map((c) => q(c.name)).join(", ")}) VALUES ${values}` +
        upsertTail(d, table, columns)
    } else {
      const where = width === 1
        ? `${q(columns[0].name)} IN (${placeholders(d, 1, rows.length)})`
        : rows.map((_, r) => `(${columns.map((c, i) => `${q(c.name)} = ${d.placeholder(1 + r * width + i)}`).join(" AND ")})`)
          .join(" OR ")
      sql = `DELETE FROM ${q(table.name)} WHERE ${where}`
    }
    steps.push({ sql, params, position: run.position, table: table.name })
  }
  return steps
}

/** Upserts of whole rows (neutral values of every column, in column order) of one table. */
export const upserts = (d: Dialect, table: Table.Any, rows: Array<ReadonlyArray<Neutral>>): Array<Step> =>
  statementsOf(d, { op: { _tag: "Upsert" }, table, at: table.columns.map((_, i) => i), rows, keys: new Set(), position: 0 })

/** Deletes by key (neutral values of the key columns, in key order) of one table. */
export const deletes = (d: Dialect, table: Table.Any, keys: Array<ReadonlyArray<Neutral>>): Array<Step> =>
  statementsOf(d, {
    op: { _tag: "Delete" },
    table,
    at: table.primaryKey.map((k) => table.columns.indexOf(k)),
    rows: keys,
    keys: new Set(),
    position: 0
  })

const keyOf = (row: ReadonlyArray<Neutral>, key: ReadonlyArray<number>) => JSON.stringify(key.map((i) => row[i]))

/**
 * The statements applying `entries` on a shadow of dialect `d`, in order, or
 * the entry that names a table or column the set does not know.
 */
export const steps = (
  entries: ReadonlyArray<Entry>,
  d: Dialect,
  tables: ReadonlyMap<string, Table.Any>
): Array<Step> | Unknown => {
  const out: Array<Step> = []
  let run: Run | undefined
  let runKey: ReadonlyArray<number> = []
  const end = () => {
    if (run !== undefined) out.push(...statementsOf(d, run))
    run = undefined
  }
  for (const entry of entries) {
    for (const op of decode(entry.payload)) {
      if (op._tag === "Ddl") {
        end()
        for (const sql of op.statements[d.name]) {
          out.push({ sql, params: [], position: entry.position, table: op.tables.join(", ") })
        }
        continue
      }
      const table = tables.get(op.table)
      if (table === undefined) return new Unknown(entry.position, op.table, `table ${op.table} is not replicated here`)
      const at: Array<number> = []
      for (const name of op.columns) {
        const i = table.columns.findIndex((c) => c.name === name)
        if (i < 0) return new Unknown(entry.position, op.table, `column ${op.table}.${name} is not in its model`)
        at.push(i)
      }
      const same = run !== undefined && run.op._tag === op._tag && run.table === table &&
        run.at.length === at.length && run.at.every((i, k) => i === at[k])
      if (!same) {
        end()
        const key = table.primaryKey.map((c) => at.indexOf(table.columns.indexOf(c)))
        if (key.some((i) => i < 0)) return new Unknown(entry.position, op.table, `entry lacks the primary key of ${op.table}`)
        run = { op, table, at, rows: [], keys: new Set(), position: entry.position }
        runKey = key
      }
      for (const row of op.rows) {
        const key = keyOf(row, runKey)
        if (run!.keys.has(key)) {
          const { op: o, table: t, at: a } = run!
          end()
          run = { op: o, table: t, at: a, rows: [], keys: new Set(), position: entry.position }
        }
        run!.keys.add(key)
        run!.rows.push(row)
      }
    }
  }
  end()
  return out
}

/** Whether an entry holds DDL (applied in a batch of its own: MySQL commits DDL at once). */
// inside a JSON string the quote after `{` would be escaped: this is an operation's own key
export const hasDdl = (entry: Entry): boolean => entry.payload.includes("{\"ddl\":")
