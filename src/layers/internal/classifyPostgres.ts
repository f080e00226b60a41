/**
 * node-postgres failures → classified `DatabaseError`s, from the SQLSTATE the
 * server sends (`error.code`) and the fields it names (`constraint`, `table`,
 * `column`), or from Node's socket error codes when no server answered.
 *
 * @internal
 */
import * as DatabaseError from "../DatabaseError.js"
import { connectionMessage, errorField, type Make, unwrap } from "./poolClassify.js"

// Connection states that a retry cannot fix: wrong credentials, a database that does not exist.
const permanent = new Set(["28P01", "28000", "3D000"])

// SQLSTATE class 08 and the codes meaning "the server is going away or full".
const isConnectionState = (code: string) =>
  code.startsWith("08") || permanent.has(code) || code === "57P01" || code === "57P02" || code === "57P03" ||
  code === "53300"

const byState = (code: string): Make => {
  switch (code) {
    case "23505":
      return DatabaseError.UniqueViolation
    case "23503":
      return DatabaseError.ForeignKeyViolation
    case "23502":
      return DatabaseError.NotNullViolation
    case "23514":
      return DatabaseError.CheckViolation
    case "40P01":
      return DatabaseError.Deadlock
    case "40001":
      return DatabaseError.SerializationFailure
    case "55P03":
      // lock_not_available: NOWAIT or lock_timeout
      return DatabaseError.Busy
  }
  return isConnectionState(code) ? DatabaseError.ConnectionError : DatabaseError.DatabaseFailure
}

// `Key (email)=(a@b.c) already exists.` / `Key (parent_id)=(7) is not present in table "parent".`
const keyColumn = (detail: string | undefined): string | undefined => {
  if (detail === undefined) return undefined
  const match = /^Key \((.+?)\)=/.exec(detail)
  return match === null ? undefined : match[1].split(", ").map((c) => c.replace(/^"(.*)"$/, "$1")).join(", ")
}

// The key columns a unique or foreign-key violation names. A restricted delete names the parent's
// key, not a column of the constraint's table, so it gives none.
const keyColumnOf = (Make: Make, message: string, detail: string | undefined) =>
  Make === DatabaseError.UniqueViolation ||
    (Make === DatabaseError.ForeignKeyViolation && !message.startsWith("update or delete on table"))
    ? keyColumn(detail)
    : undefined

/**
 * Classify anything node-postgres (or `@effect/sql-pg`) failed with while
 * running `sql`.
 *
 * @internal
 */
export const classify = (error: unknown, sql?: string): DatabaseError.DatabaseError => {
  const { cause, message } = unwrap(error)
  if (DatabaseError.isDatabaseError(cause)) return cause
  const code = errorField(cause, "code")
  // A SQLSTATE is five characters; Node's socket errors are E-names.
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    const Make = byState(code)
    const base = { dialect: "postgres" as const, sql, code, message, cause }
    if (Make === DatabaseError.ConnectionError) {
      return new DatabaseError.ConnectionError({ ...base, retryable: !permanent.has(code) })
    }
    return new Make({
      ...base,
      constraint: errorField(cause, "constraint"),
      table: errorField(cause, "table"),
      column: errorField(cause, "column") ?? keyColumnOf(Make, message, errorField(cause, "detail"))
    })
  }
  if (connectionMessage(code, message)) {
    return new DatabaseError.ConnectionError({ dialect: "postgres", sql, code, message, cause })
  }
  return new DatabaseError.DatabaseFailure({ dialect: "postgres", sql, code, message, cause })
}
