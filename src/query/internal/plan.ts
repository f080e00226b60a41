/**
 * Execution plans: the compiled SQL of a statement for one dialect and one
 * way of reading it (all, get, first, ...), with its row decoder. Plans are
 * memoized on the (immutable) AST node, so a query value compiles once per
 * dialect and mode however often it runs.
 */
import * as Table from "../../schema/Table.js"
import * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import type { Compiled, Layout } from "./compileSelect.js"
import { compileCompound, compileCount, compileSelect } from "./compileSelect.js"
import { compileInsert, compileRaw, type InsertChunk, returningSegment } from "./compileWrite.js"
import { type DecodeRow, type DecodeRows, rawDecoder, rowDecoder, rowsDecoder, segmentDecoder } from "./decode.js"
import * as Values from "./values.js"
import { memoized } from "./memo.js"

const nodes = memoized<object, unknown>()

/** Memoize `make()` on an AST node under a key (failures are not memoized). */
export const memo = <A>(node: object, key: string, make: () => A): A => nodes(node, key, make) as A

/** A statement that returns rows, and how to decode them. */
export interface ReadPlan {
  readonly statement: Compiled
  readonly decodeRow: DecodeRow
  readonly decodeRows: DecodeRows
  readonly table: string | undefined
  /**
   * A `get` that cannot match two rows (its WHERE pins a key): decided once,
   * when the plan is made, so the database reads one row and never looks
   * for a second one to prove uniqueness.
   */
  readonly oneRow: boolean
}

/** How a SELECT is read. */
export type ReadMode = "all" | "get" | "first" | "last" | "exists"

const readPlan = (
  dialect: Dialect,
  statement: Compiled,
  layout: Layout,
  table: string | undefined,
  oneRow = false
): ReadPlan => {
  const decodeRow = rowDecoder(dialect, layout)
  return { statement, decodeRow, decodeRows: rowsDecoder(decodeRow), table, oneRow }
}

/** A limit Quarry adds itself: SQL structure, written as a literal (a bound LIMIT also costs SQLite more). */
const literal = (n: number): Ast.Raw => ({ _tag: "Raw", strings: [String(n)], values: [] })

const limitAtMost = (select: Ast.Select, n: number): Ast.Select["limit"] => {
  const limit = select.limit
  if (limit === undefined && select.offset === undefined && pinsKey(select)) return undefined
  return limit === undefined || (limit._tag === "Value" && typeof limit.value === "number" && limit.value > n)
    ? literal(n)
    : limit
}

/**
 * Whether the WHERE fixes every column of the primary key, or of a unique
 * key (a unique column, constraint or index), by equality with a value or
 * parameter: at most one row can match (`= NULL` matches none). Trusts the
 * table's declaration, as every key lookup does.
 */
const pinsKey = (select: Ast.Select): boolean => {
  const table = select.from
  if (select.joins.length > 0 || select.groupBy.length > 0 || select.where === undefined) return false
  const conjuncts = select.where._tag === "And" ? select.where.exprs : [select.where]
  const pinned = (def: Table.ColumnDef) =>
    conjuncts.some((e) =>
      e._tag === "Compare" && e.op === "=" && e.left._tag === "Column" && e.left.def === def &&
      ((e.right._tag === "Value" && e.right.value !== null) || e.right._tag === "Param")
    )
  const covered = (key: ReadonlyArray<Table.ColumnDef>) => key.length > 0 && key.every(pinned)
  return covered(table.primaryKey) || table.columns.some((c) => c.unique && pinned(c)) ||
    table.unique.some(covered) || table.indexes.some((ix) => ix.unique && covered(ix.columns))
}

const byPrimaryKey = (table: Table.Any, direction: "asc" | "desc"): ReadonlyArray<Ast.Order> =>
  table.primaryKey.map((def) => ({
    _tag: "Order",
    expr: { _tag: "Column", table: Table.reference(table), def },
    direction,
    nulls: undefined
  }))

const reversed = (order: Ast.Order): Ast.Order => ({
  ...order,
  direction: order.direction === "asc" ? "desc" : "asc",
  nulls: order.nulls === undefined ? undefined : order.nulls === "first" ? "last" : "first"
})

const one: ReadonlyArray<readonly [string, Ast.Expr]> = [["one", { _tag: "Raw", strings: ["1"], values: [] }]]

/** Whether a SELECT's rows are its rows as filtered (no slicing, grouping or DISTINCT). */
export const isPlain = (select: Ast.Select): boolean =>
  select.limit === undefined && select.offset === undefined && !select.distinct && select.groupBy.length === 0 &&
  select.having === undefined

/** The SELECT actually run for a mode. */
const variant = (select: Ast.Select, mode: ReadMode): Ast.Select => {
  switch (mode) {
    case "all":
      return select
    case "get":
      return { ...select, limit: limitAtMost(select, 2) }
    case "first": {
      const orderBy = select.orderBy.length > 0 ? select.orderBy : byPrimaryKey(select.from, "asc")
      return { ...select, orderBy, limit: limitAtMost(select, 1) }
    }
    case "last": {
      // a sliced (or unordered, keyless) query is read whole and its last row taken
      if (select.limit !== undefined || select.offset !== undefined) return select
      if (select.orderBy.length === 0 && select.from.primaryKey.length === 0) return select
      const orderBy = select.orderBy.length > 0 ? select.orderBy.map(reversed) : byPrimaryKey(select.from, "desc")
      return { ...select, orderBy, limit: literal(1) }
    }
    case "exists":
      return { ...select, projection: one, orderBy: [], limit: literal(1) }
  }
}

/** The plan reading a SELECT in a mode. */
export const selectPlan = (select: Ast.Select, mode: ReadMode, dialect: Dialect): ReadPlan =>
  memo(select, `${mode}:${dialect.name}`, () => {
    const compiled = compileSelect(dialect, variant(select, mode))
    return readPlan(dialect, compiled, compiled.layout, select.from.name, mode === "get" && oneRow(select))
  })

/** A `get` whose rows need no second look: no limit of ours, a pinned key (an OFFSET could only drop the row). */
const oneRow = (select: Ast.Select): boolean => select.limit === undefined && select.offset === undefined && pinsKey(select)

/** The plan reading SELECTs combined (UNION, INTERSECT, EXCEPT), decoded as the first one's rows. */
export const compoundPlan = (compound: Ast.Compound, dialect: Dialect): ReadPlan =>
  memo(compound, dialect.name, () => {
    const compiled = compileCompound(dialect, compound)
    return readPlan(dialect, compiled, compiled.layout, compound.members[0].from.name)
  })

/** The plan counting a SELECT's rows. */
export const countPlan = (select: Ast.Select, dialect: Dialect): ReadPlan =>
  memo(select, `count:${dialect.name}`, () =>
    readPlan(dialect, compileCount(dialect, select), { _tag: "Projection", entries: [["count", Values.types.count]] }, select.from.name))

/** The plan of an aggregate over a SELECT's rows. */
export const aggregatePlan = (
  select: Ast.Select,
  fields: ReadonlyArray<readonly [string, Ast.Expr]>,
  dialect: Dialect
): ReadPlan => {
  const compiled = compileSelect(dialect, { ...select, projection: fields, orderBy: [] })
  return readPlan(dialect, compiled, compiled.layout, select.from.name)
}

/** The plan of a raw statement. */
export const rawPlan = (raw: Ast.RawQuery, dialect: Dialect): ReadPlan =>
  memo(raw, dialect.name, () => {
    const decodeRow = rawDecoder(raw.schema)
    return {
      statement: compileRaw(dialect, raw),
      decodeRow,
      decodeRows: rowsDecoder(decodeRow),
      table: undefined,
      oneRow: false
    }
  })

/**
 * The statements of an INSERT. Not memoized on the node, unlike reads: an
 * insert value is nearly always run once, its statement texts are cached by
 * shape (see `compileInsert`), and a cache entry per row would cost more in
 * garbage collection than encoding again.
 */
export const insertPlan = (insert: Ast.Insert, dialect: Dialect): ReadonlyArray<InsertChunk> =>
  compileInsert(dialect, insert)

/** The decoder of the rows a write returns. */
export const returningDecoder = (
  table: Table.Any,
  fields: ReadonlyArray<string>,
  dialect: Dialect
): DecodeRow => segmentDecoder(dialect, returningSegment(table, fields))
