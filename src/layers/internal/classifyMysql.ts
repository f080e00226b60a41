/**
 * mysql2 failures → classified `DatabaseError`s, from the server's errno
 * (MySQL and MariaDB share them, except the check constraint: MySQL 3819,
 * MariaDB 4025) and the names the server puts in its messages; or from
 * Node's socket codes and mysql2's `fatal` flag when the connection is gone.
 *
 * @internal
 */
import * as DatabaseError from "../DatabaseError.js"
import { connectionMessage, errorField, type Make, unwrap } from "./poolClassify.js"

interface Names {
  readonly table?: string | undefined
  readonly column?: string | undefined
  readonly constraint?: string | undefined
}

const none = (): Names => ({})

const lastName = (qualified: string) => qualified.split("`.`").pop()!.replace(/^`|`$/g, "")

// "Duplicate entry 'a@b.c' for key 'users_email_unique'"; MySQL 8 says 'users.users_email_unique'
const duplicateKey = (message: string): Names => {
  const at = message.lastIndexOf(" for key '")
  if (at < 0) return {}
  const key = message.slice(at + 10).replace(/'$/, "")
  const dot = key.indexOf(".")
  return dot < 0 ? { constraint: key } : { table: key.slice(0, dot), constraint: key.slice(dot + 1) }
}

// "... a foreign key constraint fails (`db`.`child`, CONSTRAINT `fk` FOREIGN KEY (`parent_id`) REFERENCES ..."
const foreignKey = (message: string): Names => {
  const match = /\((`[^`]+`(?:\.`[^`]+`)?), CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]*)\)/.exec(message)
  if (match === null) return {}
  return {
    table: lastName(match[1]),
    constraint: match[2],
    column: match[3].split(", ").map((c) => c.replace(/^`|`$/g, "")).join(", ")
  }
}

// "Column 'name' cannot be null" / "Field 'name' doesn't have a default value"
const quotedColumn = (message: string): Names => {
  const match = /^(?:Column|Field) '(.+?)' /.exec(message)
  return match === null ? {} : { column: match[1] }
}

// MySQL: "Check constraint 'age_positive' is violated." MariaDB: "CONSTRAINT `age_positive` failed for `db`.`t`"
const checkConstraint = (message: string): Names => {
  const mysql = /^Check constraint '(.+)' is violated/.exec(message)
  if (mysql !== null) return { constraint: mysql[1] }
  const mariadb = /CONSTRAINT `(.+?)` failed for (`[^`]+`(?:\.`[^`]+`)?)/.exec(message)
  return mariadb === null ? {} : { constraint: mariadb[1], table: lastName(mariadb[2]) }
}

// Connection errnos a retry cannot fix: access denied (user, database), unknown database.
const permanent = new Set([1044, 1045, 1049, 1698])

const connectionErrnos = new Set([
  ...permanent,
  1040, // too many connections
  1042, // can't get hostname
  1043, // bad handshake
  1053, // server shutdown in progress
  1129, // host blocked
  1927, // connection killed (MariaDB)
  4031, // disconnected by the server for inactivity
  2002,
  2003,
  2005,
  2006,
  2013,
  2055
])

const byErrno = (errno: number): readonly [Make, (message: string) => Names] => {
  switch (errno) {
    case 1062:
    case 1586:
      return [DatabaseError.UniqueViolation, duplicateKey]
    case 1216:
    case 1217:
    case 1451:
    case 1452:
      return [DatabaseError.ForeignKeyViolation, foreignKey]
    case 1048:
    case 1364:
      return [DatabaseError.NotNullViolation, quotedColumn]
    case 3819:
    case 4025:
      return [DatabaseError.CheckViolation, checkConstraint]
    case 1213:
      return [DatabaseError.Deadlock, none]
    case 1020:
      // MariaDB's snapshot isolation: "Record has changed since last read"
      return [DatabaseError.SerializationFailure, none]
    case 1205:
    case 3572:
      // lock wait timeout / NOWAIT
      return [DatabaseError.Busy, none]
  }
  return [connectionErrnos.has(errno) ? DatabaseError.ConnectionError : DatabaseError.DatabaseFailure, none]
}

// The table a write statement targets, for the errors whose message does not name it.
const targetTable = (sql: string | undefined): string | undefined => {
  if (sql === undefined) return undefined
  const match = /^\s*(?:insert\s+(?:ignore\s+)?into|replace\s+into|update(?:\s+ignore)?|delete\s+from)\s+((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?)/i
    .exec(sql)
  if (match === null) return undefined
  const last = match[1].split(/\s*\.\s*(?=`|[\w$])/).pop()!
  return last.startsWith("`") ? last.slice(1, -1).split("``").join("`") : last
}

/**
 * Classify anything mysql2 (or `@effect/sql-mysql2`) failed with while
 * running `sql`.
 *
 * @internal
 */
export const classify = (error: unknown, sql?: string): DatabaseError.DatabaseError => {
  const { cause, message: rawMessage } = unwrap(error)
  if (DatabaseError.isDatabaseError(cause)) return cause
  const message = errorField(cause, "sqlMessage") ?? rawMessage
  const errno = Number(errorField(cause, "errno"))
  const code = errorField(cause, "code")
  const base = { dialect: "mysql" as const, sql, message, cause }
  // Server errors carry a positive errno; Node's socket errors a negative one.
  if (Number.isInteger(errno) && errno > 0) {
    const [Make, names] = byErrno(errno)
    const details = { ...base, code: String(errno), ...names(message) }
    if (Make === DatabaseError.ConnectionError) {
      return new DatabaseError.ConnectionError({ ...details, retryable: !permanent.has(errno) })
    }
    if (Make === DatabaseError.DatabaseFailure && (cause as { fatal?: unknown }).fatal === true) {
      return new DatabaseError.ConnectionError(details)
    }
    const withTable = details.table === undefined && Make !== DatabaseError.DatabaseFailure
      ? { ...details, table: targetTable(sql) }
      : details
    return new Make(withTable)
  }
  if (connectionMessage(code, message) || (cause as { fatal?: unknown } | null)?.fatal === true) {
    return new DatabaseError.ConnectionError({ ...base, code })
  }
  return new DatabaseError.DatabaseFailure({ ...base, code })
}
