/**
 * Pattern matches on text. Case-sensitive matches are case-sensitive on
 * every dialect (SQLite: GLOB; MySQL: LIKE BINARY); the `i` variants lower
 * both sides. The text of `startsWith` / `endsWith` / `contains` is literal:
 * its `%`, `_` and `!` are escaped (`ESCAPE '!'`). SQLite's LOWER folds
 * ASCII letters only, and its LIKE / GLOB stop at NUL (a pattern holding NUL
 * fails with `Unsupported` there). Re-exported by `Expr`.
 *
 * @since 0.1.0
 */
import * as Ast from "./Ast.js"
import type { Expr, Param, Predicate } from "./Typed.js"

/**
 * A pattern: text, or a prepared query's parameter.
 *
 * @since 0.1.0
 * @category models
 */
export type Pattern = string | Param<string> | Param<never>

const matcher = (mode: Ast.LikeMode, caseInsensitive: boolean) =>
(expr: Expr<string | null>, pattern: Pattern): Predicate => ({
  _tag: "Like",
  expr,
  pattern: typeof pattern === "string" ? Ast.value(pattern) : pattern,
  mode,
  caseInsensitive
})

/**
 * A case-sensitive LIKE with the caller's pattern: `%` and `_` are wildcards,
 * `!` escapes them (`ESCAPE '!'`).
 *
 * @since 0.1.0
 * @category patterns
 */
export const like: (expr: Expr<string | null>, pattern: Pattern) => Predicate = matcher("like", false)

/**
 * A case-insensitive LIKE (`LOWER(x) LIKE LOWER(?)`).
 *
 * @since 0.1.0
 * @category patterns
 */
export const iLike: (expr: Expr<string | null>, pattern: Pattern) => Predicate = matcher("like", true)

/**
 * Starts with the text (its wildcards are escaped); case-sensitive on every dialect.
 *
 * @since 0.1.0
 * @category patterns
 */
export const startsWith: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("startsWith", false)

/**
 * Starts with the text, ignoring case.
 *
 * @since 0.1.0
 * @category patterns
 */
export const iStartsWith: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("startsWith", true)

/**
 * Ends with the text; case-sensitive.
 *
 * @since 0.1.0
 * @category patterns
 */
export const endsWith: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("endsWith", false)

/**
 * Ends with the text, ignoring case.
 *
 * @since 0.1.0
 * @category patterns
 */
export const iEndsWith: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("endsWith", true)

/**
 * Contains the text; case-sensitive.
 *
 * @since 0.1.0
 * @category patterns
 */
export const contains: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("contains", false)

/**
 * Contains the text, ignoring case.
 *
 * @since 0.1.0
 * @category patterns
 */
export const iContains: (expr: Expr<string | null>, text: Pattern) => Predicate = matcher("contains", true)

/**
 * Equal ignoring case (`LOWER(x) = LOWER(?)`).
 *
 * @since 0.1.0
 * @category patterns
 */
export const iEq = (expr: Expr<string | null>, text: Pattern): Predicate =>
  Ast.compare("=", { _tag: "Call", fn: "LOWER", args: [expr] }, { _tag: "Call", fn: "LOWER", args: [Ast.lift(text)] })
