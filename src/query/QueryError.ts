/**
 * The expected failures of building, compiling and running a query (database
 * failures themselves are `DatabaseError`s): a row that was not there, too
 * many rows, a value its schema rejects, a feature the dialect lacks.
 *
 * @since 0.1.0
 */
import { Data, ParseResult, Predicate } from "effect"
import type { DialectName } from "../dialect/Dialect.js"

/**
 * `Query.get` found no row.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Data.TaggedError("NotFound")<{
  readonly table: string | undefined
  readonly sql: string | undefined
}> {
  override get message() {
    return `no row found${this.table === undefined ? "" : ` in ${this.table}`}`
  }
}

/**
 * `Query.get` found more than one row.
 *
 * @since 0.1.0
 * @category errors
 */
export class MultipleFound extends Data.TaggedError("MultipleFound")<{
  readonly table: string | undefined
  readonly sql: string | undefined
}> {
  override get message() {
    return `more than one row found${this.table === undefined ? "" : ` in ${this.table}`}`
  }
}

/**
 * A value its schema rejects: an insert or update that does not encode (no
 * SQL has run), a filter value that does not encode, a parameter missing from
 * a prepared query's arguments, or a row coming back that does not decode.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{
  readonly table: string | undefined
  /** The field that failed, when one did. */
  readonly column: string | undefined
  readonly reason: string
  /** The schema's error, when a schema failed. */
  readonly cause: ParseResult.ParseError | undefined
}> {
  override get message() {
    const where = [this.table, this.column].filter((s) => s !== undefined).join(".")
    return where === "" ? this.reason : `${where}: ${this.reason}`
  }
}

/**
 * The query uses a feature the dialect lacks; Quarry never silently runs
 * different SQL instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unsupported extends Data.TaggedError("Unsupported")<{
  readonly dialect: DialectName
  readonly feature: string
}> {
  override get message() {
    return `${this.dialect} does not support ${this.feature}`
  }
}

/**
 * Any query failure.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryError = NotFound | MultipleFound | ValidationError | Unsupported

/**
 * The failures of compiling a query.
 *
 * @since 0.1.0
 * @category models
 */
export type CompileError = ValidationError | Unsupported

/**
 * Wrap a schema's `ParseError` with the table, and the field named by the
 * error's path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromParseError = (
  table: string | undefined,
  error: ParseResult.ParseError,
  column?: string
): ValidationError => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  const field = column ?? (first !== undefined && first.path.length > 0 ? String(first.path[0]) : undefined)
  return new ValidationError({
    table,
    column: field,
    reason: first === undefined ? error.message : first.message,
    cause: error
  })
}

const tags = new Set(["NotFound", "MultipleFound", "ValidationError", "Unsupported"])

/**
 * @since 0.1.0
 * @category guards
 */
export const isQueryError = (u: unknown): u is QueryError =>
  Predicate.hasProperty(u, "_tag") && tags.has(u._tag as string)
