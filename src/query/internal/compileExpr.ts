/**
 * Expressions to SQL. Parameters are numbered in the order their SQL is
 * produced, so every function emits its parts left to right.
 */
import type * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import { isLeaf, type Repeats } from "./repeats.js"
import { columnInfo, tableInfo } from "./tableInfo.js"
import * as Values from "./values.js"

/** A parameter slot filled when a prepared query runs. */
export interface Slot {
  /** 0-based position in `params`. */
  readonly index: number
  readonly name: string
  readonly encode: Values.Encoder
}

const quotes = new Map<string, Map<string, string>>()

/** The dialect's quoting of an identifier, memoized (identifiers are few and reused). */
const quoted = (dialect: Dialect, identifier: string): string => {
  let byName = quotes.get(dialect.name)
  if (byName === undefined) {
    byName = new Map()
    quotes.set(dialect.name, byName)
  }
  let q = byName.get(identifier)
  if (q === undefined) {
    q = dialect.quote(identifier)
    if (byName.size < 10_000) byName.set(identifier, q)
  }
  return q
}

/** The state of one compilation. */
export class Ctx {
  readonly params: Array<unknown> = []
  readonly slots: Array<Slot> = []
  /** Qualify columns with their table (joins, subqueries). */
  qualify = false
  /** The repeated expressions of the SELECT being compiled, where the server compares them. */
  repeats: Repeats | undefined = undefined
  constructor(
    readonly dialect: Dialect,
    /** Compiles a subquery into this context (set by the statement compiler). */
    readonly subquery: (ctx: Ctx, query: Ast.Select | Ast.Compound) => string
  ) {}

  bind(value: unknown): string {
    this.params.push(value)
    return this.dialect.placeholder(this.params.length)
  }

  bindParam(param: Ast.Param, encode: Values.Encoder): string {
    this.slots.push({ index: this.params.length, name: param.name, encode })
    this.params.push(param)
    return this.dialect.placeholder(this.params.length)
  }

  quote(identifier: string): string {
    return quoted(this.dialect, identifier)
  }

  column(column: Ast.Column): string {
    const name = quoted(this.dialect, column.def.name)
    return this.qualify ? `${quoted(this.dialect, column.table)}.${name}` : name
  }

  /** Compile a nested SELECT with qualified columns. */
  nested(select: Ast.Select | Ast.Compound): string {
    const qualify = this.qualify
    this.qualify = true
    const sql = this.subquery(this, select)
    this.qualify = qualify
    return sql
  }
}

/** The type of an expression's value, when it is known. */
export const typeOf = (expr: Ast.Expr): Values.ValueType | undefined => {
  switch (expr._tag) {
    case "Column": {
      const info = columnInfo(expr)
      return { kind: info.def.type.kind, schema: info.schema, column: info }
    }
    case "Arithmetic":
      return expr.op === "/" ? Values.types.float : typeOf(expr.left) ?? typeOf(expr.right)
    case "Call":
      return callType(expr)
    case "Window":
      return typeof expr.fn === "string" ? Values.types.count : typeOf(expr.fn)
    case "Case": {
      const typed = [...expr.branches.map(([, value]) => value), ...(expr.otherwise === undefined ? [] : [expr.otherwise])]
        .map(typeOf).find((t) => t !== undefined)
      return typed === undefined ? undefined : Values.nullable(typed)
    }
    case "Aggregate": {
      if (expr.fn === "COUNT") return Values.types.count
      if (expr.fn === "AVG") return Values.types.float
      const arg = expr.arg === undefined ? undefined : typeOf(expr.arg)
      return arg === undefined ? undefined : Values.nullable(arg)
    }
    case "Subquery": {
      const projected = expr.query.projection?.[0]?.[1]
      if (projected === undefined) return undefined
      tableInfo(expr.query.from)
      const inner = typeOf(projected)
      // an aggregate without GROUP BY always has its one row; otherwise there may be none (NULL)
      const always = projected._tag === "Aggregate" && expr.query.groupBy.length === 0
      return inner === undefined || always ? inner : Values.nullable(inner)
    }
    case "Value":
    case "Param":
    case "Raw":
      return undefined
    default:
      return Values.types.boolean
  }
}

/** The type of a function's value: text functions give text, LENGTH a count, the others their argument's type. */
const callType = (expr: Ast.Call): Values.ValueType | undefined => {
  switch (expr.fn) {
    case "LOWER":
    case "UPPER":
    case "TRIM":
    case "CONCAT":
      return Values.types.string
    case "LENGTH":
      return Values.types.length
    case "COALESCE":
    case "ABS":
      return typeOf(expr.args[0])
  }
}

const call = (ctx: Ctx, expr: Ast.Call): string => {
  // text functions bind their values as text; the others as their first argument's type
  const hint = expr.fn === "COALESCE" || expr.fn === "ABS" ? typeOf(expr.args[0]) : Values.types.string
  const args = expr.args.map((a) => operand(ctx, a, hint))
  switch (expr.fn) {
    case "CONCAT":
      return ctx.dialect.concat(args)
    case "LENGTH":
      return `${ctx.dialect.charLength}(${args[0]})`
    default:
      return `${expr.fn}(${args.join(", ")})`
  }
}

/** One ORDER BY term; NULLS FIRST / LAST emulated where the dialect lacks it. */
export const orderBy = (ctx: Ctx, order: Ast.Order): string => {
  const direction = order.direction === "asc" ? "ASC" : "DESC"
  if (order.nulls === undefined) return `${compile(ctx, order.expr)} ${direction}`
  if (ctx.dialect.nullsOrdering) return `${compile(ctx, order.expr)} ${direction} NULLS ${order.nulls.toUpperCase()}`
  // emulated: sort on IS NULL first (true sorts after false)
  const isNull = `${compile(ctx, order.expr)} IS NULL ${order.nulls === "first" ? "DESC" : "ASC"}`
  return `${isNull}, ${compile(ctx, order.expr)} ${direction}`
}

/** `fn OVER (PARTITION BY … ORDER BY …)`. */
const windowSql = (ctx: Ctx, expr: Ast.Window): string => {
  const fn = typeof expr.fn === "string" ? `${expr.fn}()` : compile(ctx, expr.fn)
  const parts = [
    ...(expr.partitionBy.length > 0 ? [`PARTITION BY ${expr.partitionBy.map((e) => compile(ctx, e)).join(", ")}`] : []),
    ...(expr.orderBy.length > 0 ? [`ORDER BY ${expr.orderBy.map((o) => orderBy(ctx, o)).join(", ")}`] : [])
  ]
  return `${fn} OVER (${parts.join(" ")})`
}

/** A value or parameter meeting an expression of type `hint`. */
const operand = (ctx: Ctx, expr: Ast.Expr, hint: Values.ValueType | undefined): string => {
  if (expr._tag === "Value") return ctx.bind(Values.encoderFor(hint, ctx.dialect)(expr.value))
  if (expr._tag === "Param") return ctx.bindParam(expr, Values.encoderFor(hint, ctx.dialect))
  return compile(ctx, expr)
}

const compare = (ctx: Ctx, expr: Ast.Compare): string => {
  const hint = typeOf(expr.left) ?? typeOf(expr.right)
  if (expr.right._tag === "Value") {
    // encode once: a value encoding to NULL (null, Option.none()) compares with IS NULL
    const encoded = Values.encoderFor(hint, ctx.dialect)(expr.right.value)
    if (encoded === null && (expr.op === "=" || expr.op === "<>")) {
      return `${compile(ctx, expr.left)} IS ${expr.op === "=" ? "" : "NOT "}NULL`
    }
    const left = operand(ctx, expr.left, hint)
    return `${left} ${expr.op} ${ctx.bind(encoded)}`
  }
  return `${operand(ctx, expr.left, hint)} ${expr.op} ${operand(ctx, expr.right, hint)}`
}

const NULL = Symbol("NULL")

/** `IN` over values: NULL in the list means IS NULL; an empty list is false (negated: true). */
const membership = (ctx: Ctx, expr: Ast.In): string => {
  const hint = typeOf(expr.expr)
  const encode = Values.encoderFor(hint, ctx.dialect)
  const items: Array<Ast.Expr | { readonly encoded: unknown }> = []
  let hasNull = false
  for (const v of expr.values) {
    if (v._tag !== "Value") items.push(v)
    else {
      const encoded = v.value === null ? NULL : encode(v.value)
      if (encoded === NULL || encoded === null) hasNull = true
      else items.push({ encoded })
    }
  }
  if (items.length === 0 && !hasNull) return expr.negated ? "1 = 1" : "1 = 0"
  // the subject is compiled once per use, so that its parameters (if any) are bound in order
  const parts: Array<string> = []
  if (items.length > 0) {
    const subject = compile(ctx, expr.expr)
    const list = items.map((v) => ("encoded" in v ? ctx.bind(v.encoded) : operand(ctx, v, hint))).join(", ")
    parts.push(`${subject} ${expr.negated ? "NOT IN" : "IN"} (${list})`)
  }
  if (hasNull) parts.push(`${compile(ctx, expr.expr)} IS ${expr.negated ? "NOT " : ""}NULL`)
  return parts.length === 1 ? parts[0] : `(${parts.join(expr.negated ? " AND " : " OR ")})`
}

const like = (ctx: Ctx, expr: Ast.Like): string => {
  const subject = compile(ctx, expr.expr)
  const encode = Values.patternEncoder(expr.mode, expr.caseInsensitive, ctx.dialect)
  const pattern = expr.pattern._tag === "Value" ? ctx.bind(encode(expr.pattern.value)) : ctx.bindParam(expr.pattern, encode)
  return expr.caseInsensitive
    ? `LOWER(${subject}) LIKE LOWER(${pattern}) ESCAPE '!'`
    : ctx.dialect.likeCaseSensitive(subject, pattern)
}

/** Compile a condition standing alone (WHERE, HAVING, ON): no parentheses around a top-level AND/OR. */
export const condition = (ctx: Ctx, expr: Ast.Expr): string =>
  expr._tag === "And" || expr._tag === "Or" ? junction(ctx, expr) : compile(ctx, expr)

const junction = (ctx: Ctx, expr: Ast.And | Ast.Or): string =>
  expr.exprs.map((e) => compile(ctx, e)).join(expr._tag === "And" ? " AND " : " OR ")

const one: ReadonlyArray<readonly [string, Ast.Expr]> = [["one", { _tag: "Raw", strings: ["1"], values: [] }]]

/** Compile an expression (a repeat in a SELECT that groups or is DISTINCT as the dialect writes repeats). */
export const compile = (ctx: Ctx, expr: Ast.Expr): string =>
  ctx.repeats === undefined || isLeaf(expr)
    ? node(ctx, expr)
    : ctx.repeats.compile(ctx, expr, node)

const node = (ctx: Ctx, expr: Ast.Expr): string => {
  switch (expr._tag) {
    case "Column":
      return ctx.column(expr)
    case "Value":
    case "Param":
      return operand(ctx, expr, undefined)
    case "Compare":
      return compare(ctx, expr)
    case "In":
      return membership(ctx, expr)
    case "InQuery": {
      const subject = compile(ctx, expr.expr)
      return `${subject} ${expr.negated ? "NOT IN" : "IN"} (${ctx.nested(expr.query)})`
    }
    case "Between": {
      const hint = typeOf(expr.expr)
      const subject = compile(ctx, expr.expr)
      return `${subject} BETWEEN ${operand(ctx, expr.low, hint)} AND ${operand(ctx, expr.high, hint)}`
    }
    case "Like":
      return like(ctx, expr)
    case "IsNull":
      return `${compile(ctx, expr.expr)} IS ${expr.negated ? "NOT " : ""}NULL`
    case "And":
    case "Or":
      return `(${junction(ctx, expr)})`
    case "Not":
      return `NOT (${condition(ctx, expr.expr)})`
    case "NotTrue":
      return `(${condition(ctx, expr.expr)}) IS NOT TRUE`
    case "Arithmetic": {
      const hint = typeOf(expr.left) ?? typeOf(expr.right)
      const left = operand(ctx, expr.left, hint)
      const right = operand(ctx, expr.right, hint)
      return expr.op === "/"
        ? `(${ctx.dialect.castFloat(left)} / NULLIF(${right}, 0))`
        : `(${left} ${expr.op} ${right})`
    }
    case "Call":
      return call(ctx, expr)
    case "Case": {
      const hint = typeOf(expr)
      const branches = expr.branches.map(([when, then]) => ` WHEN ${condition(ctx, when)} THEN ${operand(ctx, then, hint)}`)
      const otherwise = expr.otherwise === undefined ? "" : ` ELSE ${operand(ctx, expr.otherwise, hint)}`
      return `(CASE${branches.join("")}${otherwise} END)`
    }
    case "Aggregate":
      return expr.arg === undefined
        ? `${expr.fn}(*)`
        : `${expr.fn}(${expr.distinct ? "DISTINCT " : ""}${compile(ctx, expr.arg)})`
    case "Window":
      return windowSql(ctx, expr)
    case "Exists":
      return `${expr.negated ? "NOT " : ""}EXISTS (${ctx.nested({ ...expr.query, projection: one })})`
    case "Subquery":
      return `(${ctx.nested(expr.query)})`
    case "Raw": {
      let sql = expr.strings[0]
      for (let i = 0; i < expr.values.length; i++) sql += compile(ctx, expr.values[i]) + expr.strings[i + 1]
      return sql
    }
  }
}
