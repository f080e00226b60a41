/**
 * better-sqlite3 failures → classified `DatabaseError`s, from the extended
 * result code name (`SqliteError.code`) and the names SQLite puts in its
 * messages (`UNIQUE constraint failed: users.email`).
 *
 * @internal
 */
import * as DatabaseError from "../DatabaseError.js"

type Make = new(details: DatabaseError.Details & { readonly retryable?: boolean }) => DatabaseError.DatabaseError

interface Names {
  readonly table?: string | undefined
  readonly column?: string | undefined
  readonly constraint?: string | undefined
}

// "UNIQUE constraint failed: users.email" / "...: users.a, users.b" / "...: index 'users_lower_email'"
const columnNames = (message: string): Names => {
  const colon = message.indexOf(": ")
  if (colon < 0) return {}
  const rest = message.slice(colon + 2).trim()
  const index = /^index '(.+)'$/.exec(rest)
  if (index !== null) return { constraint: index[1] }
  const refs = rest.split(", ").map((ref) => {
    const dot = ref.lastIndexOf(".")
    return dot < 0 ? { table: undefined, column: ref } : { table: ref.slice(0, dot), column: ref.slice(dot + 1) }
  })
  return { table: refs[0]?.table, column: refs.map((ref) => ref.column).join(", ") }
}

// "CHECK constraint failed: age_positive" (a named constraint, or the expression of an unnamed one)
const constraintName = (message: string): Names => {
  const colon = message.indexOf(": ")
  return colon < 0 ? {} : { constraint: message.slice(colon + 2).trim() }
}

const none = (): Names => ({})

const byCode = (code: string, message: string): readonly [Make, (message: string) => Names] => {
  switch (code) {
    case "SQLITE_CONSTRAINT_UNIQUE":
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
      return [DatabaseError.UniqueViolation, columnNames]
    case "SQLITE_CONSTRAINT_FOREIGNKEY":
      return [DatabaseError.ForeignKeyViolation, none]
    case "SQLITE_CONSTRAINT_TRIGGER":
      // an ON DELETE / ON UPDATE RESTRICT action fails as a trigger would
      if (message.startsWith("FOREIGN KEY constraint failed")) return [DatabaseError.ForeignKeyViolation, none]
      break
    case "SQLITE_CONSTRAINT_NOTNULL":
      return [DatabaseError.NotNullViolation, columnNames]
    case "SQLITE_CONSTRAINT_CHECK":
      return [DatabaseError.CheckViolation, constraintName]
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return [DatabaseError.Busy, none]
  if (
    code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_IOERR") ||
    code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_FULL" ||
    code === "SQLITE_PERM" || code.startsWith("SQLITE_AUTH")
  ) {
    // The file itself cannot be used as asked: not a bug in the statement.
    return [DatabaseError.ConnectionError, none]
  }
  return [DatabaseError.DatabaseFailure, none]
}

const hasCode = (u: unknown): u is Error & { readonly code: string } =>
  u instanceof Error && typeof (u as unknown as { code?: unknown }).code === "string" &&
  (u as unknown as { code: string }).code.startsWith("SQLITE_")

// better-sqlite3 throws plain TypeErrors for a few connection states.
const connectionMessages = [
  "Cannot open database",
  "The database connection is not open",
  "directory does not exist"
]

/**
 * Classify anything better-sqlite3 threw while running `sql`.
 *
 * @internal
 */
export const classify = (cause: unknown, sql?: string): DatabaseError.DatabaseError => {
  if (DatabaseError.isDatabaseError(cause)) return cause
  if (hasCode(cause)) {
    const [Make, names] = byCode(cause.code, cause.message)
    const message = cause.message
    // Of the file-level failures only I/O errors and a full disk may heal by themselves.
    const retryable = Make === DatabaseError.ConnectionError
      ? cause.code.startsWith("SQLITE_IOERR") || cause.code === "SQLITE_FULL"
      : undefined
    return new Make({ dialect: "sqlite", sql, code: cause.code, message, cause, retryable, ...names(message) })
  }
  const message = cause instanceof Error ? cause.message : String(cause)
  return connectionMessages.some((m) => message.includes(m))
    ? new DatabaseError.ConnectionError({ dialect: "sqlite", sql, message, cause, retryable: false })
    : new DatabaseError.DatabaseFailure({ dialect: "sqlite", sql, message, cause })
}

/**
 * A connection-level failure (opening the file, the layer closing).
 *
 * @internal
 */
export const connectionError = (message: string, cause?: unknown): DatabaseError.ConnectionError =>
  new DatabaseError.ConnectionError({ dialect: "sqlite", message, cause, retryable: false })
