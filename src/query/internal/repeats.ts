/**
 * Expressions a SELECT repeats. A SELECT that groups or is DISTINCT may only
 * show, filter (HAVING) and order by its group keys, and the server checks it
 * by comparing those clauses' expressions with GROUP BY's (or the select
 * list's): one expression compiled twice with parameters of its own (`$1`,
 * then `$4`) is two expressions to it. The dialect's `repeatedExpressions`
 * says how a repeat is written instead; this module finds the repeats.
 */
import type { Dialect } from "../../dialect/Dialect.js"
import type * as Ast from "../Ast.js"
import * as Values from "./values.js"

/** What of a compilation this module reads (the compiler's context). */
export interface Site {
  readonly dialect: Dialect
  readonly params: ReadonlyArray<unknown>
  readonly qualify: boolean
  quote(identifier: string): string
}

const isPlain = (value: object) => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === Array.prototype || proto === null
}

/**
 * Whether two expression trees are the same expression: the same nodes with
 * equal values, the same columns of the same tables. Anything but plain data
 * (a table, a schema, a value of a class) is the same only as itself, so a
 * miss is possible, a false match is not.
 */
export const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime()
  if (!isPlain(a) || !isPlain(b) || Array.isArray(a) !== Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  // a column's SQL is its table's name (or alias) and its own name; its def is the table's
  if (x._tag === "Column") return y._tag === "Column" && x.table === y.table && x.def === y.def
  const keys = Object.keys(x)
  if (keys.length !== Object.keys(y).length) return false
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(y, key) || !same(x[key], y[key])) return false
  }
  return true
}

/** A column, value or parameter: its SQL is the same wherever it is written. */
export const isLeaf = (expr: Ast.Expr): boolean =>
  expr._tag === "Column" || expr._tag === "Value" || expr._tag === "Param"

/** A select-list item, as a clause of a `"select-item"` dialect refers to it. */
interface Item {
  readonly expr: Ast.Expr
  readonly key: string
  /** 1-based position in the select list. */
  readonly position: number
  /** Read as text (a 64-bit integer): its alias would compare and sort as text. */
  readonly asText: boolean
}

/** An expression that bound parameters, as first compiled (with its qualification). */
interface Compiled {
  readonly expr: Ast.Expr
  readonly qualify: boolean
  readonly sql: string
}

/** The clause being compiled, where a `"select-item"` dialect refers to items by alias. */
type Clause = "having" | "order"

/** The repeats of one SELECT level (a subquery has its own). */
export class Repeats {
  private readonly compiled: Array<Compiled> = []
  private readonly items: Array<Item> = []
  private clause: Clause | undefined = undefined
  private columnNames: ReadonlySet<string> | undefined = undefined

  constructor(
    readonly mode: "parameters" | "select-item",
    private readonly select: Ast.Select
  ) {}

  /** A select-list item compiled (`asText`: cast to text for an exact read). */
  item(expr: Ast.Expr, key: string, position: number, asText: boolean): void {
    if (this.mode === "select-item") this.items.push({ expr, key, position, asText })
  }

  /** The select-list position GROUP BY names instead of `expr`, if any (a column is written as itself). */
  position(expr: Ast.Expr): number | undefined {
    return this.mode === "select-item" && !isLeaf(expr)
      ? this.items.find((item) => same(item.expr, expr))?.position
      : undefined
  }

  /** Compile `f` as the given clause (HAVING, ORDER BY; undefined: any other). */
  during<A>(clause: Clause | undefined, f: () => A): A {
    const outer = this.clause
    this.clause = clause
    try {
      return f()
    } finally {
      this.clause = outer
    }
  }

  /** Compile a non-leaf expression with `node`, or write it as the repeat it is. */
  compile<C extends Site>(ctx: C, expr: Ast.Expr, node: (ctx: C, expr: Ast.Expr) => string): string {
    if (this.mode === "parameters") {
      for (const c of this.compiled) if (c.qualify === ctx.qualify && same(c.expr, expr)) return c.sql
      const before = ctx.params.length
      const sql = node(ctx, expr)
      // Without parameters, compiling again gives the same SQL.
      if (ctx.params.length > before) this.compiled.push({ expr, qualify: ctx.qualify, sql })
      return sql
    }
    if (this.clause === undefined) return node(ctx, expr)
    // An aggregate's argument is over the group's rows, not a group key; windows take no aliases.
    if (expr._tag === "Aggregate" || expr._tag === "Window") return this.during(undefined, () => node(ctx, expr))
    const item = this.items.find((item) => same(item.expr, expr))
    if (item !== undefined && this.aliasable(item)) return ctx.quote(item.key)
    if (this.clause === "having" && this.select.groupBy.some((key) => same(key, expr))) {
      return Values.unsupported(
        ctx.dialect,
        "a HAVING condition on a grouped expression that is not selected: it matches no HAVING expression against " +
          "GROUP BY. Select the expression (under a key that names no column, and not as a 64-bit integer) and " +
          "use it in HAVING: the condition then refers to it by its alias"
      )
    }
    return node(ctx, expr)
  }

  /**
   * Whether a clause can name the item by its alias: not when it is read as
   * text, nor when the alias is also a column's name (MySQL resolves such a
   * name in GROUP BY and HAVING to the column).
   */
  private aliasable(item: Item): boolean {
    if (item.asText) return false
    this.columnNames ??= new Set(
      [this.select.from, ...this.select.joins.map((j) => j.table)].flatMap((t) =>
        t.columns.map((d) => d.name.toLowerCase())
      )
    )
    return !this.columnNames.has(item.key.toLowerCase())
  }
}
