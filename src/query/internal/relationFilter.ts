/**
 * Conditions and values across a relation, as correlated subqueries of the
 * outer query's source table: `EXISTS (...)` for filters, a scalar
 * `(SELECT COUNT(*) ...)` for counts (usable in projections and ORDER BY).
 */
import * as Ast from "../Ast.js"
import { correlation, type Link, throughJoin } from "./relationDef.js"

/** The related rows of the outer query's current row, narrowed by `condition`. */
export const related = (link: Link, condition: Ast.Expr | undefined): Ast.Select => {
  if (link.target.name === link.source.name || link.through?.table.name === link.source.name) {
    // the inner table would shadow the outer one: that needs table aliases, which queries do not have
    throw new Error(`Relation ${link.source.name}.${link.name}: filters and counts across a self-referencing relation are not supported`)
  }
  const correlate = correlation(link)
  return {
    ...Ast.select(link.target),
    joins: throughJoin(link),
    where: condition === undefined ? correlate : Ast.and([correlate, condition])
  }
}

/** `[NOT] EXISTS (related rows)`. */
export const exists = (link: Link, condition: Ast.Expr | undefined, negated: boolean): Ast.Exists => ({
  _tag: "Exists",
  query: related(link, condition),
  negated
})

/** `(SELECT COUNT(*) FROM related rows)`. */
export const count = (link: Link, condition: Ast.Expr | undefined): Ast.Subquery => ({
  _tag: "Subquery",
  query: {
    ...related(link, condition),
    projection: [["count", { _tag: "Aggregate", fn: "COUNT", arg: undefined, distinct: false }]]
  }
})
