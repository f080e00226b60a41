/**
 * SELECT to SQL, and the layout of its result columns (what the decoder
 * reads back).
 */
import * as Table from "../../schema/Table.js"
import type * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import { compile, condition, Ctx, orderBy, type Slot, typeOf } from "./compileExpr.js"
import { tableInfo } from "./tableInfo.js"
import * as Values from "./values.js"
import { memoized } from "./memo.js"
import { Repeats } from "./repeats.js"

/** The SQL and parameters of one statement; `slots` are the prepared query's parameters. */
export interface Compiled {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
  readonly slots: ReadonlyArray<Slot>
}

/** The columns one table contributes to a result row. */
export interface Segment {
  readonly table: Table.Any
  /** Selected fields; undefined: all of them. */
  readonly subset: ReadonlyArray<string> | undefined
  readonly fields: ReadonlyArray<Table.ColumnDef>
  /** The result column of each field. */
  readonly aliases: ReadonlyArray<string>
  /** A left-joined table: a row of NULLs is no row. */
  readonly optional: boolean
}

/** What the result columns of a statement are. */
export type Layout =
  | { readonly _tag: "Rows"; readonly segments: ReadonlyArray<Segment> }
  | { readonly _tag: "Projection"; readonly entries: ReadonlyArray<readonly [string, Values.ValueType | undefined]> }

/** A compiled statement and the layout of its rows. */
export interface CompiledSelect extends Compiled {
  readonly layout: Layout
}

/** A column as a result column: cast to text where 64-bit integers must be read exactly. */
export const resultColumn = (ctx: Ctx, column: Ast.Column, alias: string): string => {
  const sql = ctx.column(column)
  const read = Values.isBigInt(column.def.type.kind) && ctx.dialect.bigintReadAsText ? ctx.dialect.castText(sql) : sql
  return read === sql && alias === column.def.name ? sql : `${read} AS ${ctx.quote(alias)}`
}

const segments = memoized<Table.Any, Segment>()

/**
 * The result columns of one table's fields, aliased by field name (or
 * `prefix.field`). Memoized per table, so that decoders and column lists
 * built for a segment are shared by every query selecting it.
 */
export const segment = (table: Table.Any, subset: ReadonlyArray<string> | undefined, prefix: string, optional: boolean): Segment => {
  const key = `${prefix}|${optional}|${subset === undefined ? "*" : subset.join(",")}`
  return segments(table, key, () => {
    const fields = subset === undefined ? table.columns : subset.map((f) => table.field(f))
    return { table, subset, fields, aliases: fields.map((d) => prefix + d.field), optional }
  })
}

const columnLists = memoized<Segment, string>()

/** The SQL of a segment's result columns (memoized per dialect and qualification). */
const columnsOf = (ctx: Ctx, seg: Segment): string =>
  columnLists(seg, `${ctx.dialect.name}|${ctx.qualify}`, () =>
    seg.fields.map((def, i) => resultColumn(ctx, { _tag: "Column", table: Table.reference(seg.table), def }, seg.aliases[i])).join(", "))

const selection = (ctx: Ctx, select: Ast.Select): { readonly sql: string; readonly layout: Layout } => {
  if (select.projection !== undefined) {
    const entries = select.projection.map(([key, expr]) => [key, typeOf(expr)] as const)
    const sql = select.projection.map(([key, expr], i) => {
      const type = entries[i][1]
      const compiled = compile(ctx, expr)
      const read = type !== undefined && Values.isBigInt(type.kind) && ctx.dialect.bigintReadAsText
        ? ctx.dialect.castText(compiled)
        : compiled
      ctx.repeats?.item(expr, key, i + 1, read !== compiled)
      return `${read} AS ${ctx.quote(key)}`
    })
    return { sql: sql.join(", "), layout: { _tag: "Projection", entries } }
  }
  const joined = select.joins.length > 0
  const segs = [
    segment(select.from, select.fields, joined ? "0." : "", false),
    ...select.joins.map((j, i) => segment(j.table, undefined, `${i + 1}.`, j.kind === "left"))
  ]
  return { sql: segs.map((s) => columnsOf(ctx, s)).join(", "), layout: { _tag: "Rows", segments: segs } }
}

const bound = (ctx: Ctx, node: Ast.Value | Ast.Param | Ast.Raw): string =>
  node._tag === "Value"
    ? ctx.bind(node.value)
    : node._tag === "Param"
    ? ctx.bindParam(node, Values.genericEncoder(ctx.dialect))
    : compile(ctx, node)

/** A table in FROM or JOIN: `"employees"`, or `"employees" AS "managers"` for an alias. */
const tableSql = (ctx: Ctx, table: Table.Any): string =>
  table.alias === undefined ? ctx.quote(table.name) : `${ctx.quote(table.name)} AS ${ctx.quote(table.alias)}`

/** Compile a SELECT, or SELECTs combined, into a context (also used for subqueries). */
export const selectInto = (ctx: Ctx, query: Ast.Select | Ast.Compound): string =>
  query._tag === "Select" ? selectWithLayout(ctx, query).sql : compoundInto(ctx, query).sql

/** A GROUP BY term: the select-list item's position where the dialect names repeats so. */
const groupKey = (ctx: Ctx, expr: Ast.Expr): string => {
  const position = ctx.repeats?.position(expr)
  return position === undefined ? compile(ctx, expr) : String(position)
}

/** Where the server compares the expressions of the select list, HAVING and ORDER BY with each other. */
const comparesExpressions = (select: Ast.Select) =>
  select.groupBy.length > 0 || select.having !== undefined || select.distinct

const selectWithLayout = (ctx: Ctx, select: Ast.Select): { readonly sql: string; readonly layout: Layout } => {
  const repeats = ctx.repeats
  const repeated = ctx.dialect.repeatedExpressions
  ctx.repeats = repeated !== "again" && comparesExpressions(select) ? new Repeats(repeated, select) : undefined
  try {
    return selectBody(ctx, select)
  } finally {
    ctx.repeats = repeats
  }
}

/** `f` as HAVING or ORDER BY, where repeats may be written as select-list aliases. */
const clause = (ctx: Ctx, name: "having" | "order", f: () => string): string =>
  ctx.repeats === undefined ? f() : ctx.repeats.during(name, f)

const selectBody = (ctx: Ctx, select: Ast.Select): { readonly sql: string; readonly layout: Layout } => {
  tableInfo(select.from)
  for (const j of select.joins) tableInfo(j.table)
  const qualify = ctx.qualify
  if (select.joins.length > 0) ctx.qualify = true
  const columns = selection(ctx, select)
  const partitioned = select.partitionBy !== undefined && (select.limit !== undefined || select.offset !== undefined)
  let sql = `SELECT ${select.distinct ? "DISTINCT " : ""}${columns.sql}`
  if (partitioned) sql += `, ${rowNumber(ctx, select, select.partitionBy!)} AS ${ctx.quote(ROW_NUMBER)}`
  sql += ` FROM ${tableSql(ctx, select.from)}`
  for (const j of select.joins) {
    sql += ` ${j.kind === "inner" ? "INNER" : "LEFT"} JOIN ${tableSql(ctx, j.table)} ON ${condition(ctx, j.on)}`
  }
  if (select.where !== undefined) sql += ` WHERE ${condition(ctx, select.where)}`
  if (select.groupBy.length > 0) sql += ` GROUP BY ${select.groupBy.map((e) => groupKey(ctx, e)).join(", ")}`
  const having = select.having
  if (having !== undefined) sql += ` HAVING ${clause(ctx, "having", () => condition(ctx, having))}`
  if (partitioned) {
    ctx.qualify = qualify
    return { sql: slicePerPartition(ctx, select, sql), layout: columns.layout }
  }
  if (select.orderBy.length > 0) {
    sql += ` ORDER BY ${clause(ctx, "order", () => select.orderBy.map((o) => orderBy(ctx, o)).join(", "))}`
  }
  if (select.limit !== undefined) sql += ` LIMIT ${bound(ctx, select.limit)}`
  else if (select.offset !== undefined && ctx.dialect.limitForOffsetOnly !== undefined) {
    sql += ` LIMIT ${ctx.dialect.limitForOffsetOnly}`
  }
  if (select.offset !== undefined) sql += ` OFFSET ${bound(ctx, select.offset)}`
  if (select.lock !== undefined) sql += lockClause(ctx, select.lock)
  ctx.qualify = qualify
  return { sql, layout: columns.layout }
}

/** ` FOR UPDATE [NOWAIT | SKIP LOCKED]` and the like; nothing where the database has no row locks. */
const lockClause = (ctx: Ctx, lock: Ast.Lock): string => {
  const clauses = ctx.dialect.rowLocks
  if (clauses === undefined) return ""
  const wait = lock.wait === "noWait" ? " NOWAIT" : lock.wait === "skipLocked" ? " SKIP LOCKED" : ""
  return ` ${clauses[lock.mode]}${wait}`
}

/** The result column numbering the rows of a partition (read past by the decoders). */
const ROW_NUMBER = "$row"

/** `ROW_NUMBER() OVER (PARTITION BY … ORDER BY …)`, in the query's order, else the primary key's. */
const rowNumber = (ctx: Ctx, select: Ast.Select, by: Ast.Expr): string => {
  const order = select.orderBy.length > 0
    ? select.orderBy.map((o) => orderBy(ctx, o))
    : select.from.primaryKey.map((def) => ctx.column({ _tag: "Column", table: Table.reference(select.from), def }))
  const over = order.length > 0 ? ` ORDER BY ${order.join(", ")}` : ""
  return `ROW_NUMBER() OVER (PARTITION BY ${compile(ctx, by)}${over})`
}

/**
 * A LIMIT / OFFSET as a number known when the statement is built: undefined
 * when there is none, null when it is not one (a parameter, a negative or
 * fractional value).
 */
export const knownCount = (node: Ast.Select["limit"]): number | undefined | null => {
  if (node === undefined) return undefined
  if (node._tag === "Value" && typeof node.value === "number" && Number.isSafeInteger(node.value) && node.value >= 0) {
    return node.value
  }
  const text = node._tag === "Raw" && node.values.length === 0 ? node.strings.join("") : ""
  return /^\d+$/.test(text) ? Number(text) : null
}

/** A per-partition LIMIT / OFFSET: known numbers, compiled into the SQL (they shape the statement). */
const sliceBound = (node: Ast.Select["limit"], what: string): number | undefined => {
  const count = knownCount(node)
  if (count === null) throw new Error(`a ${what} applied per related row's key must be a non-negative integer, not a parameter`)
  return count
}

/** The numbered rows of `inner`, sliced per partition, in partition order. */
const slicePerPartition = (ctx: Ctx, select: Ast.Select, inner: string): string => {
  const limit = sliceBound(select.limit, "LIMIT")
  const offset = sliceBound(select.offset, "OFFSET") ?? 0
  const row = `${ctx.quote("$q")}.${ctx.quote(ROW_NUMBER)}`
  const bounds = [...(offset > 0 ? [`${row} > ${offset}`] : []), ...(limit !== undefined ? [`${row} <= ${offset + limit}`] : [])]
  return `SELECT * FROM (${inner}) ${ctx.quote("$q")}${bounds.length > 0 ? ` WHERE ${bounds.join(" AND ")}` : ""} ORDER BY ${row}`
}

/** A fresh compilation context. */
export const context = (dialect: Dialect): Ctx => new Ctx(dialect, selectInto)

/** Compile a SELECT statement. */
export const compileSelect = (dialect: Dialect, select: Ast.Select): CompiledSelect => {
  const ctx = context(dialect)
  const { layout, sql } = selectWithLayout(ctx, select)
  return { sql, params: ctx.params, slots: ctx.slots, layout }
}

/**
 * Compile SELECTs combined by UNION / INTERSECT / EXCEPT. A member with its
 * own ORDER BY, LIMIT or OFFSET is read as a derived table (SQLite allows
 * them on no member of a compound); the compound is ordered by result keys.
 */
export const compileCompound = (dialect: Dialect, compound: Ast.Compound): CompiledSelect => {
  const ctx = context(dialect)
  const { layout, sql } = compoundInto(ctx, compound)
  return { sql, params: ctx.params, slots: ctx.slots, layout }
}

const compoundInto = (ctx: Ctx, compound: Ast.Compound): { readonly sql: string; readonly layout: Layout } => {
  let layout: Layout | undefined
  const members = compound.members.map((member, i) => {
    const compiled = selectWithLayout(ctx, member)
    layout ??= compiled.layout
    const sliced = member.orderBy.length > 0 || member.limit !== undefined || member.offset !== undefined
    return sliced ? `SELECT * FROM (${compiled.sql}) ${ctx.quote(`$m${i}`)}` : compiled.sql
  })
  let sql = members.join(` ${compound.op} `)
  if (compound.orderBy.length > 0) {
    sql += ` ORDER BY ${compound.orderBy.map(([key, direction]) => `${ctx.quote(key)} ${direction === "asc" ? "ASC" : "DESC"}`).join(", ")}`
  }
  if (compound.limit !== undefined) sql += ` LIMIT ${bound(ctx, compound.limit)}`
  else if (compound.offset !== undefined && ctx.dialect.limitForOffsetOnly !== undefined) {
    sql += ` LIMIT ${ctx.dialect.limitForOffsetOnly}`
  }
  if (compound.offset !== undefined) sql += ` OFFSET ${bound(ctx, compound.offset)}`
  return { sql, layout: layout! }
}

/** `SELECT COUNT(*)` of a query's rows (wrapping it when it groups, limits or is distinct). */
export const compileCount = (dialect: Dialect, select: Ast.Select): Compiled => {
  const ctx = context(dialect)
  const simple = !select.distinct && select.groupBy.length === 0 && select.having === undefined &&
    select.limit === undefined && select.offset === undefined && select.projection === undefined
  const count: ReadonlyArray<readonly [string, Ast.Expr]> = [["count", { _tag: "Aggregate", fn: "COUNT", arg: undefined, distinct: false }]]
  const sql = simple
    ? selectInto(ctx, { ...select, projection: count, orderBy: [] })
    : `SELECT COUNT(*) AS ${ctx.quote("count")} FROM (${selectInto(ctx, select)}) ${ctx.quote("q")}`
  return { sql, params: ctx.params, slots: ctx.slots }
}
