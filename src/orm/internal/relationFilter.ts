/**
 * Conditions and values across a relation, as correlated subqueries of the
 * outer query's source table: `EXISTS (...)` for filters, a scalar
 * `(SELECT COUNT(*) ...)` for counts (usable in projections and ORDER BY).
 */
import * as Table from "../../schema/Table.js"
import * as Ast from "../../query/Ast.js"
import * as Lookup from "../../query/Lookup.js"
import { memoized } from "../../query/internal/memo.js"
import { correlation, type Link, throughJoin } from "./relationDef.js"

/**
 * The link as the subquery sees it. A relation of a table to itself
 * (`children` of `nodes`) reads the table inside a subquery of the same
 * table: there the related table goes by an alias (`nodes__children`), so
 * that the correlation can still name the outer row.
 */
const inner = (link: Link): Link => {
  if (link.through?.table.name === link.source.name) {
    throw new Error(`Relation ${link.source.name}.${link.name}: filters and counts through the source table itself are not supported`)
  }
  if (link.target.name !== link.source.name) return link
  // one alias per link, so that every query over it shares its compiled parts
  return aliased(link, "inner", () => {
    const target = Table.alias(link.target, `${link.target.name}__${link.name}`)
    const match = link.through === undefined ? target.c[link.match.def.field as keyof typeof target.c] : link.match
    return { ...link, target, match }
  })
}

const aliased = memoized<Link, Link>()

/**
 * A condition on the related rows: a lookup over the related table, or an
 * expression. In a self-referencing relation the expression's columns of
 * the table are the related row's (the outer row is the one correlated).
 */
const conditionOn = (link: Link, original: Link, condition: unknown): Ast.Expr | undefined => {
  if (condition === undefined) return undefined
  if (!Ast.isExpr(condition)) return Lookup.make(link.target, condition as Lookup.Lookup<Table.Any>)
  if (link === original) return condition
  const alias = Table.reference(link.target)
  return retarget(condition, original.target.name, alias, `Relation ${original.source.name}.${original.name}`)
}

/** `expr` with the columns of table `from` qualified with `to` instead. */
const retarget = (expr: Ast.Expr, from: string, to: string, where: string): Ast.Expr => {
  const go = (e: Ast.Expr): Ast.Expr => {
    switch (e._tag) {
      case "Column":
        return e.table === from ? { ...e, table: to } : e
      case "Value":
      case "Param":
        return e
      case "Compare":
      case "Arithmetic":
        return { ...e, left: go(e.left), right: go(e.right) }
      case "In":
        return { ...e, expr: go(e.expr), values: e.values.map(go) }
      case "Between":
        return { ...e, expr: go(e.expr), low: go(e.low), high: go(e.high) }
      case "Like":
      case "IsNull":
      case "Not":
      case "NotTrue":
        return { ...e, expr: go(e.expr) }
      case "And":
      case "Or":
        return { ...e, exprs: e.exprs.map(go) }
      case "Call":
        return { ...e, args: e.args.map(go) }
      case "Aggregate":
        return e.arg === undefined ? e : { ...e, arg: go(e.arg) }
      case "Raw":
        return { ...e, values: e.values.map(go) }
      case "Window":
        return {
          ...e,
          fn: typeof e.fn === "string" ? e.fn : go(e.fn) as Ast.Aggregate,
          partitionBy: e.partitionBy.map(go),
          orderBy: e.orderBy.map((o) => ({ ...o, expr: go(o.expr) }))
        }
      case "Case":
        return {
          ...e,
          branches: e.branches.map(([when, then]) => [go(when), go(then)] as const),
          otherwise: e.otherwise === undefined ? undefined : go(e.otherwise)
        }
      case "InQuery":
      case "Exists":
      case "Subquery":
        throw new Error(`${where}: a condition on a self-referencing relation cannot hold a subquery`)
    }
  }
  return go(expr)
}

/** The related rows of the outer query's current row, narrowed by `condition`. */
const related = (link: Link, condition: unknown): Ast.Select => {
  const seen = inner(link)
  const narrowed = conditionOn(seen, link, condition)
  const correlate = correlation(seen)
  return {
    ...Ast.select(seen.target),
    joins: throughJoin(seen),
    where: narrowed === undefined ? correlate : Ast.and([correlate, narrowed])
  }
}

/** `[NOT] EXISTS (related rows)`; `condition` is a lookup or an expression over the related table. */
export const exists = (link: Link, condition: unknown, negated: boolean): Ast.Exists => ({
  _tag: "Exists",
  query: related(link, condition),
  negated
})

/** `(SELECT COUNT(*) FROM related rows)`; `condition` as for {@link exists}. */
export const count = (link: Link, condition: unknown): Ast.Subquery => ({
  _tag: "Subquery",
  query: {
    ...related(link, condition),
    projection: [["count", { _tag: "Aggregate", fn: "COUNT", arg: undefined, distinct: false }]]
  }
})
