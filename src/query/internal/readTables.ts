/**
 * The tables a statement reads, from its tree: the FROM and JOIN tables,
 * those of every subquery (IN, EXISTS, scalar, inside raw fragments), of
 * every member of a UNION — and the tables they depend on through foreign
 * keys whose actions change them (`ON DELETE CASCADE`, `SET NULL`, ...): a
 * delete from `users` that cascades to `posts` changes what a read of
 * `posts` returns. Names only appear in raw SQL text are not seen.
 */
import type * as Table from "../../schema/Table.js"
import type * as Ast from "../Ast.js"

type Node = Ast.Select | Ast.Compound

const changing = (action: Table.ForeignKeyAction | undefined): boolean =>
  action === "cascade" || action === "set null" || action === "set default"

const addTable = (table: Table.Any, out: Set<string>, seen: Set<Table.Any>): void => {
  if (seen.has(table)) return
  seen.add(table)
  out.add(table.name)
  for (const column of table.columns) {
    const ref = column.references
    if (ref !== undefined && (changing(ref.onDelete) || changing(ref.onUpdate))) addTable(ref.table(), out, seen)
  }
}

const walkExpr = (e: Ast.Expr, out: Set<string>, seen: Set<Table.Any>): void => {
  switch (e._tag) {
    case "Column":
    case "Value":
    case "Param":
      return
    case "InQuery":
      walkExpr(e.expr, out, seen)
      return walkNode(e.query, out, seen)
    case "Exists":
    case "Subquery":
      return walkNode(e.query, out, seen)
    case "Compare":
    case "Arithmetic":
      walkExpr(e.left, out, seen)
      return walkExpr(e.right, out, seen)
    case "In":
      walkExpr(e.expr, out, seen)
      return e.values.forEach((v) => walkExpr(v, out, seen))
    case "Between":
      walkExpr(e.expr, out, seen)
      walkExpr(e.low, out, seen)
      return walkExpr(e.high, out, seen)
    case "Like":
      walkExpr(e.expr, out, seen)
      return walkExpr(e.pattern, out, seen)
    case "IsNull":
    case "Not":
    case "NotTrue":
      return walkExpr(e.expr, out, seen)
    case "And":
    case "Or":
      return e.exprs.forEach((x) => walkExpr(x, out, seen))
    case "Call":
      return e.args.forEach((x) => walkExpr(x, out, seen))
    case "Aggregate":
      if (e.arg !== undefined) walkExpr(e.arg, out, seen)
      return
    case "Raw":
      return e.values.forEach((x) => walkExpr(x, out, seen))
    case "Window":
      if (typeof e.fn !== "string") walkExpr(e.fn, out, seen)
      e.partitionBy.forEach((x) => walkExpr(x, out, seen))
      return e.orderBy.forEach((o) => walkExpr(o.expr, out, seen))
    case "Case":
      for (const [when, then] of e.branches) {
        walkExpr(when, out, seen)
        walkExpr(then, out, seen)
      }
      if (e.otherwise !== undefined) walkExpr(e.otherwise, out, seen)
      return
  }
}

const walkNode = (node: Node, out: Set<string>, seen: Set<Table.Any>): void => {
  if (node._tag === "Compound") return node.members.forEach((m) => walkNode(m, out, seen))
  addTable(node.from, out, seen)
  for (const join of node.joins) {
    addTable(join.table, out, seen)
    walkExpr(join.on, out, seen)
  }
  const exprs = [node.where, node.having, node.limit, node.partitionBy, ...node.groupBy]
  for (const e of exprs) if (e !== undefined) walkExpr(e, out, seen)
  for (const o of node.orderBy) walkExpr(o.expr, out, seen)
  if (node.projection !== undefined) for (const [, e] of node.projection) walkExpr(e, out, seen)
}

/** The names of the tables a SELECT or compound reads (see the module comment). */
export const readTables = (node: Node): Array<string> => {
  const out = new Set<string>()
  walkNode(node, out, new Set())
  return Array.from(out)
}

/** The tables a raw statement's interpolated expressions read (its text is not parsed). */
export const rawTables = (raw: Ast.RawQuery): Array<string> => {
  const out = new Set<string>()
  walkExpr(raw.sql, out, new Set())
  return Array.from(out)
}
