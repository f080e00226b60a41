/**
 * Quarry's typed failures, answered as the API's errors. Only what a client
 * can act on becomes a 4xx; a transient database failure is a 503 worth
 * retrying; anything else is a bug, so a defect (500, logged).
 */
import { Effect, ParseResult } from "effect"
import type { DatabaseError, QueryError } from "effect-quarry"
import { Conflict, FieldError, Invalid, NotFound, Unavailable } from "./api.js"

/** `NotFound` from `get` (or a missing parent) as a 404 naming what was looked for. */
export const notFound = (what: string) => (_: QueryError.NotFound | DatabaseError.ForeignKeyViolation) =>
  Effect.fail(new NotFound({ message: `${what} not found` }))

/** A `ValidationError` as a 400 listing each field the schema rejected. */
export const invalid = (error: QueryError.ValidationError) => {
  const issues = error.cause === undefined ? [] : ParseResult.ArrayFormatter.formatErrorSync(error.cause)
  const errors: Array<FieldError> = []
  for (const issue of issues) {
    const field = issue.path.length > 0 ? issue.path.join(".") : error.column ?? ""
    // one message per field: the first (a union such as `NullOr` reports one per member)
    if (!errors.some((e) => e.field === field)) errors.push(new FieldError({ field, message: issue.message }))
  }
  if (errors.length === 0) errors.push(new FieldError({ field: error.column ?? "", message: error.reason }))
  return Effect.fail(new Invalid({ message: error.message, errors }))
}

/** A `UniqueViolation` as a 409. */
export const conflict = (error: DatabaseError.UniqueViolation) =>
  Effect.fail(
    new Conflict({
      message: "a row with the same unique value exists",
      ...(error.constraint === undefined ? {} : { constraint: error.constraint })
    })
  )

type ApiError = NotFound | Invalid | Conflict | Unavailable

const isApiError = (u: unknown): u is ApiError =>
  u instanceof NotFound || u instanceof Invalid || u instanceof Conflict || u instanceof Unavailable

/** Failures worth retrying, as told by the errors themselves (a closing database, a deadlock, SQLite busy). */
const isTransient = (u: unknown): u is DatabaseError.DatabaseError =>
  typeof u === "object" && u !== null && "retryable" in u && u.retryable === true

/**
 * The last step of every handler: the API's errors pass, transient database
 * failures become `Unavailable` (503), the rest are defects (500).
 */
export const orUnavailable = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, QueryError.QueryError | DatabaseError.DatabaseError> | Unavailable, R> =>
  Effect.catchAll(self, (error): Effect.Effect<never, Exclude<E, QueryError.QueryError | DatabaseError.DatabaseError> | Unavailable> =>
    isApiError(error)
      ? Effect.fail(error as Exclude<E, QueryError.QueryError | DatabaseError.DatabaseError>)
      : isTransient(error)
      ? Effect.fail(new Unavailable({ message: `${error._tag}: try again` }))
      : Effect.die(error))
