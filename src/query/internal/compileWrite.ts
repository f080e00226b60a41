/**
 * INSERT / UPDATE / DELETE to SQL. Inserts are encoded with the model's
 * insert variant first, grouped by the fields each row sets, and chunked so
 * that no statement carries more than the dialect's bind-parameter limit.
 */
import { Either } from "effect"
import * as Codec from "../../schema/Codec.js"
import * as Table from "../../schema/Table.js"
import type * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../QueryError.js"
import { compile, condition, type Ctx } from "./compileExpr.js"
import { type Compiled, context, resultColumn, segment, type Segment } from "./compileSelect.js"
import { tableInfo } from "./tableInfo.js"
import * as Values from "./values.js"
import { memoized } from "./memo.js"

/** One INSERT statement and the rows it carries. */
export interface InsertChunk extends Compiled {
  /** Positions of its rows in the insert's input. */
  readonly indexes: ReadonlyArray<number>
  /** The fields it sets, in order. */
  readonly fields: ReadonlyArray<Table.ColumnDef>
  /** Each row's driver values, in `fields` order. */
  readonly values: ReadonlyArray<ReadonlyArray<unknown>>
}

/** The columns a write returns. */
export const returningSegment = (table: Table.Any, fields: ReadonlyArray<string>): Segment =>
  segment(table, fields.length === table.columns.length ? undefined : fields, "", false)

const returning = (ctx: Ctx, seg: Segment): string =>
  " RETURNING " +
  seg.fields.map((def, i) => resultColumn(ctx, { _tag: "Column", table: Table.reference(seg.table), def }, seg.aliases[i])).join(", ")

/** Per table and dialect: each column's driver conversion, and the SQL of the insert shapes seen so far. */
interface InsertCodec {
  readonly converts: ReadonlyArray<Values.Encoder>
  readonly statements: Map<string, string>
}

/** How many distinct statement shapes are kept per table and dialect (multi-row chunk sizes vary). */
const MAX_SHAPES = 64

const codecs = memoized<Table.Any, InsertCodec>()

const insertCodec = (dialect: Dialect, table: Table.Any): InsertCodec =>
  codecs(table, dialect.name, () => ({
    converts: table.columns.map((def) => Values.driverEncoder(dialect, Codec.toDriver(dialect, def.type.kind))),
    statements: new Map()
  }))

interface Group {
  /** The positions (in `table.columns`) of the fields the rows set, joined: the group's key. */
  readonly key: string
  readonly fields: ReadonlyArray<Table.ColumnDef>
  readonly indexes: Array<number>
  readonly values: Array<Array<unknown>>
}

/**
 * Encode insert rows `from` to `to` (exclusive) into `groups`: model insert
 * variant, then the driver conversion of each column; rows are grouped by the
 * fields they set (absent fields take their SQL default). Throws `Fail` on
 * the first invalid row.
 */
const encodeRows = (
  table: Table.Any,
  converts: ReadonlyArray<Values.Encoder>,
  rows: ReadonlyArray<unknown>,
  from: number,
  to: number,
  groups: Map<string, Group>
): void => {
  const encode = tableInfo(table).insertEncode
  const columns = table.columns
  for (let index = from; index < to; index++) {
    const encoded = encode(rows[index])
    if (Either.isLeft(encoded)) return Values.fail(QueryError.fromParseError(table.name, encoded.left))
    const record = encoded.right as Record<string, unknown>
    let key = ""
    const present: Array<number> = []
    for (let i = 0; i < columns.length; i++) {
      if (record[columns[i].field] !== undefined) {
        key += `${i},`
        present.push(i)
      }
    }
    let group = groups.get(key)
    if (group === undefined) {
      group = { key, fields: present.map((i) => columns[i]), indexes: [], values: [] }
      groups.set(key, group)
    }
    const values = new Array<unknown>(present.length)
    for (let j = 0; j < present.length; j++) values[j] = converts[present[j]](record[columns[present[j]].field])
    group.indexes.push(index)
    group.values.push(values)
  }
}

/** The unique keys a row setting `fields` could conflict on. */
const uniqueKeys = (table: Table.Any, fields: ReadonlyArray<Table.ColumnDef>): Array<ReadonlyArray<Table.ColumnDef>> => {
  const keys: Array<ReadonlyArray<Table.ColumnDef>> = []
  if (table.primaryKey.length > 0) keys.push(table.primaryKey)
  for (const def of table.columns) if (def.unique && !(def.primaryKey && table.primaryKey.length === 1)) keys.push([def])
  keys.push(...table.unique)
  return keys.filter((key) => key.every((d) => fields.includes(d)))
}

const sameFields = (a: ReadonlyArray<Table.ColumnDef>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((d) => b.includes(d.field))

/** The fields an upsert overwrites: those named, or every field the row sets except the target. */
const updated = (conflict: Ast.Conflict & { _tag: "DoUpdate" }, fields: ReadonlyArray<Table.ColumnDef>) =>
  conflict.update ?? fields.map((d) => d.field).filter((f) => !conflict.target.includes(f))

const conflictClause = (ctx: Ctx, insert: Ast.Insert, fields: ReadonlyArray<Table.ColumnDef>): string => {
  const conflict = insert.conflict
  if (conflict === undefined) return ""
  const q = (field: string) => ctx.quote(insert.table.field(field).name)
  if (ctx.dialect.upsert === "on-conflict") {
    if (conflict._tag === "DoNothing") return " ON CONFLICT DO NOTHING"
    const set = updated(conflict, fields)
    const update = set.length > 0 ? set : conflict.target.slice(0, 1)
    return ` ON CONFLICT (${conflict.target.map(q).join(", ")}) DO UPDATE SET ` +
      update.map((f) => `${q(f)} = excluded.${q(f)}`).join(", ")
  }
  // ON DUPLICATE KEY fires on any unique key: the target must be the only one the row can hit
  const keys = uniqueKeys(insert.table, fields)
  if (conflict._tag === "DoUpdate" && (keys.length !== 1 || !sameFields(keys[0], conflict.target))) {
    return Values.unsupported(
      ctx.dialect,
      `an upsert on (${conflict.target.join(", ")}) when the inserted row may also conflict on another unique key`
    )
  }
  if (conflict._tag === "DoNothing" || updated(conflict, fields).length === 0) {
    // a no-op assignment, unlike INSERT IGNORE, which would also swallow other errors
    const first = q((keys[0] ?? fields)[0]?.field ?? insert.table.columns[0].field)
    return ` ON DUPLICATE KEY UPDATE ${first} = ${first}`
  }
  return ` ON DUPLICATE KEY UPDATE ${updated(conflict, fields).map((f) => `${q(f)} = VALUES(${q(f)})`).join(", ")}`
}

/** The rows' values in one list, row after row (a plain loop: `Array.flat` is several times slower). */
const flatten = (rows: ReadonlyArray<ReadonlyArray<unknown>>, width: number): Array<unknown> => {
  const out = new Array<unknown>(rows.length * width)
  let k = 0
  for (const row of rows) for (let j = 0; j < width; j++) out[k++] = row[j]
  return out
}

/** What, besides the fields and the row count, decides an insert statement's text. */
const shapeKey = (insert: Ast.Insert, returns: boolean): string => {
  const conflict = insert.conflict
  const onConflict = conflict === undefined
    ? ""
    : conflict._tag === "DoNothing"
    ? "nothing"
    : `update:${conflict.target.join(",")}:${conflict.update?.join(",") ?? "*"}`
  return returns ? `${onConflict}|${insert.returning!.join(",")}` : onConflict
}

/** The table a write changes; an alias (`Table.alias`) is for reads only. */
const writeTarget = (ctx: Ctx, table: Table.Any): string =>
  table.alias === undefined
    ? ctx.quote(table.name)
    : Values.unsupported(ctx.dialect, `writing through the alias ${table.alias} of ${table.name} (write to the table itself)`)

/** The text of one INSERT statement of `rows` rows setting `fields` (placeholders in row order). */
const insertSql = (
  dialect: Dialect,
  insert: Ast.Insert,
  fields: ReadonlyArray<Table.ColumnDef>,
  rows: number,
  ret: Segment | undefined
): string => {
  const ctx = context(dialect)
  let sql = `INSERT INTO ${writeTarget(ctx, insert.table)} `
  if (fields.length === 0) sql += dialect.insertDefaultValues
  else {
    sql += `(${fields.map((d) => ctx.quote(d.name)).join(", ")}) VALUES `
    const tuples = new Array<string>(rows)
    for (let r = 0; r < rows; r++) tuples[r] = `(${fields.map(() => ctx.bind(undefined)).join(", ")})`
    sql += tuples.join(", ")
  }
  sql += conflictClause(ctx, insert, fields)
  if (ret !== undefined) sql += returning(ctx, ret)
  return sql
}

/**
 * An INSERT being compiled: its rows are encoded in steps (`encode`), then
 * cut into statements (`chunks`). Statement texts are kept per table,
 * dialect and shape (fields set, row count, conflict, returning), so a
 * repeated insert only encodes its values.
 */
export class InsertCompilation {
  private readonly codec: InsertCodec
  private readonly groups = new Map<string, Group>()
  /** Rows encoded so far. */
  encoded = 0

  constructor(readonly dialect: Dialect, readonly insert: Ast.Insert) {
    this.codec = insertCodec(dialect, insert.table)
  }

  /** Encode up to `count` more rows (throws `Fail` on an invalid row); whether rows remain. */
  encode(count: number): boolean {
    const rows = this.insert.rows
    const to = Math.min(rows.length, this.encoded + count)
    encodeRows(this.insert.table, this.codec.converts, rows, this.encoded, to, this.groups)
    this.encoded = to
    return to < rows.length
  }

  /** The statements, once every row is encoded. */
  chunks(): ReadonlyArray<InsertChunk> {
    const { codec, dialect, insert } = this
    const returns = insert.returning !== undefined && dialect.returning.insert
    const ret = returns ? returningSegment(insert.table, insert.returning!) : undefined
    const shape = shapeKey(insert, returns)
    const chunks: Array<InsertChunk> = []
    for (const group of this.groups.values()) {
      const width = Math.max(1, group.fields.length)
      const perStatement = group.fields.length === 0 ? 1 : Math.max(1, Math.floor(dialect.maxParams / width))
      const whole = group.values.length <= perStatement
      for (let start = 0; start < group.values.length; start += perStatement) {
        const values = whole ? group.values : group.values.slice(start, start + perStatement)
        const key = `${group.key}|${values.length}|${shape}`
        let sql = codec.statements.get(key)
        if (sql === undefined) {
          sql = insertSql(dialect, insert, group.fields, values.length, ret)
          if (codec.statements.size < MAX_SHAPES) codec.statements.set(key, sql)
        }
        chunks.push({
          sql,
          params: values.length === 1 ? values[0] : flatten(values, group.fields.length),
          slots: [],
          indexes: whole ? group.indexes : group.indexes.slice(start, start + perStatement),
          fields: group.fields,
          values
        })
      }
    }
    return chunks
  }
}

/** Compile an INSERT into one or more statements, at once (see `InsertCompilation`). */
export const compileInsert = (dialect: Dialect, insert: Ast.Insert): ReadonlyArray<InsertChunk> => {
  const compilation = new InsertCompilation(dialect, insert)
  compilation.encode(insert.rows.length)
  return compilation.chunks()
}

/** Compile an UPDATE (with RETURNING when asked and native). */
export const compileUpdate = (dialect: Dialect, update: Ast.Update, where = update.where): Compiled => {
  const ctx = context(dialect)
  const info = tableInfo(update.table)
  if (update.set.length === 0) {
    return Values.fail(
      new QueryError.ValidationError({ table: update.table.name, column: undefined, reason: "an update must set at least one field", cause: undefined })
    )
  }
  const assignments = update.set.map(([field, expr]) => {
    const column = info.columns.get(field)
    if (column === undefined) throw new Error(`table ${update.table.name} has no field ${field}`)
    const target = ctx.quote(column.def.name)
    if (expr._tag === "Value") return `${target} = ${ctx.bind(Values.columnEncoder(column, dialect, "update")(expr.value))}`
    if (expr._tag === "Param") return `${target} = ${ctx.bindParam(expr, Values.columnEncoder(column, dialect, "update"))}`
    return `${target} = ${compile(ctx, expr)}`
  })
  let sql = `UPDATE ${writeTarget(ctx, update.table)} SET ${assignments.join(", ")}`
  if (where !== undefined) sql += ` WHERE ${condition(ctx, where)}`
  if (update.returning !== undefined && dialect.returning.update) {
    sql += returning(ctx, returningSegment(update.table, update.returning))
  }
  return { sql, params: ctx.params, slots: ctx.slots }
}

/** Compile a DELETE (with RETURNING when asked and native). */
export const compileDelete = (dialect: Dialect, del: Ast.Delete, where = del.where): Compiled => {
  const ctx = context(dialect)
  tableInfo(del.table)
  let sql = `DELETE FROM ${writeTarget(ctx, del.table)}`
  if (where !== undefined) sql += ` WHERE ${condition(ctx, where)}`
  if (del.returning !== undefined && dialect.returning.delete) {
    sql += returning(ctx, returningSegment(del.table, del.returning))
  }
  return { sql, params: ctx.params, slots: ctx.slots }
}

/** Compile a raw statement. */
export const compileRaw = (dialect: Dialect, raw: Ast.RawQuery): Compiled => {
  const ctx = context(dialect)
  const sql = compile(ctx, raw.sql)
  return { sql, params: ctx.params, slots: ctx.slots }
}
