/**
 * What the PostgreSQL and MySQL classifiers share: reading the driver error
 * out of `@effect/sql`'s `SqlError`, and recognising a connection that never
 * was or is gone from Node's socket codes and the drivers' own messages.
 *
 * @internal
 */
import { Predicate } from "effect"
import type * as DatabaseError from "../DatabaseError.js"

/** @internal */
export type Make = new(details: DatabaseError.Details) => DatabaseError.DatabaseError

/**
 * The driver's error and its message: `@effect/sql` wraps it in a `SqlError`
 * whose own message ("Failed to execute statement") says nothing.
 *
 * @internal
 */
export const unwrap = (error: unknown): { readonly cause: unknown; readonly message: string } => {
  const inner = Predicate.isTagged(error, "SqlError") ? (error as unknown as { cause?: unknown }).cause : undefined
  const cause = inner ?? error
  const message = cause instanceof Error
    ? cause.message || (error instanceof Error ? error.message : String(cause))
    : Predicate.hasProperty(cause, "message") && typeof cause.message === "string"
    ? cause.message
    : String(cause)
  return { cause, message }
}

/**
 * A string field of a driver error (numbers, such as mysql2's `errno`, as text).
 *
 * @internal
 */
export const errorField = (error: unknown, key: string): string | undefined => {
  if (!Predicate.hasProperty(error, key)) return undefined
  const value = error[key]
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EPIPE",
  "ENOENT" // a unix socket path that does not exist
])

const messages = [
  // node-postgres / pg-pool
  "timeout expired",
  "Connection terminated",
  "Cannot use a pool after calling end",
  "Client has encountered a connection error",
  "timeout exceeded when trying to connect",
  "Client was closed and is not queryable",
  // @effect/sql-pg, @effect/sql-mysql2
  "Connection timed out",
  "Connection timeout",
  "connection timeout",
  // mysql2
  "Pool is closed",
  "Can't add new command when connection is in closed state",
  "Connection lost"
]

/**
 * Whether a failure without a server error code says the connection could
 * not be made or broke.
 *
 * @internal
 */
export const connectionMessage = (code: string | undefined, message: string): boolean =>
  (code !== undefined && (socketCodes.has(code) || code.startsWith("PROTOCOL_"))) ||
  messages.some((m) => message.includes(m))
