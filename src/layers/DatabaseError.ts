/**
 * Classified database failures. Every driver failure becomes one of these
 * tagged errors, carrying the dialect, the SQL, the constraint / table where
 * the database names them, the driver's original error, and whether a retry
 * can help.
 *
 * @since 0.1.0
 */
import { Data, Predicate } from "effect"
import type { DialectName } from "../dialect/Dialect.js"

/**
 * What every classified error carries.
 *
 * @since 0.1.0
 * @category models
 */
export interface Details {
  readonly dialect: DialectName
  /** The statement that failed, when there was one. */
  readonly sql?: string | undefined
  /** The constraint the database named. */
  readonly constraint?: string | undefined
  /** The table the database named. */
  readonly table?: string | undefined
  /** The column the database named. */
  readonly column?: string | undefined
  /** The driver's code: SQLSTATE (postgres), errno (mysql), extended result code name (sqlite). */
  readonly code?: string | undefined
  readonly message: string
  /** The driver's original error. */
  readonly cause?: unknown
}

/**
 * A unique or primary-key constraint was violated.
 *
 * @since 0.1.0
 * @category errors
 */
export class UniqueViolation extends Data.TaggedError("UniqueViolation")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * A foreign-key constraint was violated (missing parent, or a restricted delete).
 *
 * @since 0.1.0
 * @category errors
 */
export class ForeignKeyViolation extends Data.TaggedError("ForeignKeyViolation")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * NULL was written to a NOT NULL column.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotNullViolation extends Data.TaggedError("NotNullViolation")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * A check constraint failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class CheckViolation extends Data.TaggedError("CheckViolation")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * The database could not be reached, refused the credentials, or the
 * connection broke. Retrying may help when the cause is transient.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<
  Details & { readonly retryable?: boolean | undefined }
> {
  /**
   * Whether running the same work again may succeed: true unless the failure
   * cannot heal by itself (wrong credentials, a database that does not exist).
   */
  override readonly retryable: boolean
  constructor(args: Details & { readonly retryable?: boolean | undefined }) {
    super(args)
    this.retryable = args.retryable ?? true
  }
}

/**
 * The transaction was chosen as a deadlock victim and rolled back; retry it.
 *
 * @since 0.1.0
 * @category errors
 */
export class Deadlock extends Data.TaggedError("Deadlock")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = true
}

/**
 * A serializable transaction could not be serialized; retry it.
 *
 * @since 0.1.0
 * @category errors
 */
export class SerializationFailure extends Data.TaggedError("SerializationFailure")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = true
}

/**
 * The database (SQLite) was locked by another writer past the busy timeout; retry it.
 *
 * @since 0.1.0
 * @category errors
 */
export class Busy extends Data.TaggedError("Busy")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = true
}

/**
 * Any other failure reported by the database (syntax error, missing table, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class DatabaseFailure extends Data.TaggedError("DatabaseFailure")<Details> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * Why a replicated database (`Replicated.layer`) failed an operation.
 *
 * - `Timeout`: a sync-mode write committed on the primary, but a shadow did
 *   not apply it in time; the entry stays in the log and is shipped later.
 * - `Uncapturable`: a raw write (`Database.run`, the `sql` template) whose
 *   rows cannot be recorded for the shadows; declare what it touches with
 *   `Replication.touching`.
 * - `NotReplicated`: a write or DDL on a table the replicated set was not
 *   given (`tables`).
 * - `NoPrimaryKey`: a replicated table without a primary key (refused when
 *   the layer is built).
 * - `Rejected`: a shadow refused a log entry; its shipping stopped.
 * - `Unreachable`: a shadow cannot be reached (it is retried).
 * - `Gap`: a shadow is behind the oldest entry the log still holds.
 * - `Invalid`: the replicated set's configuration is wrong.
 *
 * @since 0.2.0
 * @category models
 */
export type ReplicationReason = "Timeout" | "Uncapturable" | "NotReplicated" | "NoPrimaryKey" | "Rejected" | "Unreachable" | "Gap" | "Invalid"

/**
 * A replicated database failed an operation: which shadow, which log
 * position, which table where known, and why. Never
 * retryable: when it names a write (`Timeout`), that write is already
 * committed on the primary.
 *
 * @since 0.2.0
 * @category errors
 */
export class ReplicationError extends Data.TaggedError("ReplicationError")<
  Omit<Details, "dialect"> & {
    /** The dialect of the database concerned, when it is known. */
    readonly dialect?: DialectName | undefined
    readonly reason: ReplicationReason
    /** The shadow concerned, when one is. */
    readonly shadow?: string | undefined
    /** The log position concerned, when one is. */
    readonly position?: number | undefined
  }
> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = false
}

/**
 * Any classified database error.
 *
 * @since 0.1.0
 * @category models
 */
export type DatabaseError =
  | UniqueViolation
  | ForeignKeyViolation
  | NotNullViolation
  | CheckViolation
  | ConnectionError
  | Deadlock
  | SerializationFailure
  | Busy
  | DatabaseFailure
  | ReplicationError

/**
 * Constraint violations only.
 *
 * @since 0.1.0
 * @category models
 */
export type ConstraintViolation = UniqueViolation | ForeignKeyViolation | NotNullViolation | CheckViolation

const tags = new Set([
  "UniqueViolation",
  "ForeignKeyViolation",
  "NotNullViolation",
  "CheckViolation",
  "ConnectionError",
  "Deadlock",
  "SerializationFailure",
  "Busy",
  "DatabaseFailure",
  "ReplicationError"
])

/**
 * @since 0.1.0
 * @category guards
 */
export const isDatabaseError = (u: unknown): u is DatabaseError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has((u as { _tag: string })._tag)

/**
 * Whether a failure is worth retrying (deadlock, serialization failure, busy,
 * connection trouble).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryable = (u: unknown): boolean => isDatabaseError(u) && u.retryable
