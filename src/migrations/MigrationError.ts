/**
 * Everything that can go wrong generating, checking, applying or rolling back
 * migrations, as tagged errors naming the migration (and operation) at fault.
 * Every one of them is raised before any SQL runs, except `OperationFailed`
 * and `ForeignKeyCheckFailed` (where the migration's transaction is rolled
 * back, on the dialects whose DDL is transactional).
 *
 * @since 0.2.0
 */
import { Data } from "effect"
import type * as Operation from "./Operation.js"

/**
 * A table or column dropped beside another added: perhaps a rename. Renames
 * are never guessed: pass a rename hint, or confirm the drop.
 *
 * @since 0.2.0
 * @category errors
 */
export class AmbiguousRename extends Data.TaggedError("AmbiguousRename")<{
  readonly kind: "table" | "column"
  /** The table (its new name) whose columns are in question; `undefined` for tables. */
  readonly table: string | undefined
  readonly dropped: ReadonlyArray<string>
  readonly added: ReadonlyArray<string>
}> {
  override get message() {
    const where = this.kind === "table" ? "tables" : `columns of ${this.table}`
    const first = this.dropped[0]
    const example = this.kind === "table"
      ? `{ tables: [{ from: "${first}", to: "${this.added[0]}" }] } or { drops: ["${first}"] }`
      : `{ columns: [{ table: "${this.table}", from: "${first}", to: "${this.added[0]}" }] } or { drops: ["${this.table}.${first}"] }`
    return `${where}: ${this.dropped.join(", ")} dropped and ${this.added.join(", ")} added — renamed? ` +
      `Say so with a hint: ${example}`
  }
}

/**
 * A rename hint that names a table or column that is not there.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidHint extends Data.TaggedError("InvalidHint")<{
  readonly hint: string
  readonly reason: string
}> {
  override get message() {
    return `rename hint ${this.hint}: ${this.reason}`
  }
}

/**
 * A model change migrations cannot express (e.g. turning auto-increment on or
 * off); write that step by hand (`Operation.sql`).
 *
 * @since 0.2.0
 * @category errors
 */
export class UnsupportedChange extends Data.TaggedError("UnsupportedChange")<{
  readonly table: string
  readonly reason: string
}> {
  override get message() {
    return `${this.table}: ${this.reason}`
  }
}

/**
 * The migration list itself is wrong: a duplicate id, an id that does not
 * sort after its predecessor, a file that is not a migration.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidMigration extends Data.TaggedError("InvalidMigration")<{
  readonly migration: string
  readonly reason: string
}> {
  override get message() {
    return `migration ${this.migration}: ${this.reason}`
  }
}

/**
 * An applied migration's file was edited: its checksum differs from the one
 * recorded when it was applied.
 *
 * @since 0.2.0
 * @category errors
 */
export class ChecksumMismatch extends Data.TaggedError("ChecksumMismatch")<{
  readonly migration: string
  readonly applied: string
  readonly current: string
}> {
  override get message() {
    return `migration ${this.migration} was edited after it was applied (checksum ${this.applied} applied, ${this.current} now); ` +
      "undo the edit and write a new migration"
  }
}

/**
 * A migration recorded as applied has no file.
 *
 * @since 0.2.0
 * @category errors
 */
export class MissingMigration extends Data.TaggedError("MissingMigration")<{
  readonly migration: string
}> {
  override get message() {
    return `migration ${this.migration} is applied but its file is missing`
  }
}

/**
 * A pending migration sorts before one already applied (a branch merged
 * late); it is never skipped silently. Rename it to sort last, or apply with
 * `allowOutOfOrder`.
 *
 * @since 0.2.0
 * @category errors
 */
export class OutOfOrder extends Data.TaggedError("OutOfOrder")<{
  readonly migration: string
  /** The latest applied migration it sorts before. */
  readonly applied: string
}> {
  override get message() {
    return `migration ${this.migration} is pending but sorts before ${this.applied}, which is applied`
  }
}

/**
 * An operation that loses data (dropping a table or column, narrowing a type,
 * NOT NULL without a default over rows) without permission.
 *
 * @since 0.2.0
 * @category errors
 */
export class DestructiveChange extends Data.TaggedError("DestructiveChange")<{
  readonly migration: string
  readonly operation: string
  readonly reason: string
}> {
  override get message() {
    return `migration ${this.migration}: ${this.operation}: ${this.reason}; ` +
      "allow it with allowDestructive (apply / rollback option, or the migration's own flag)"
  }
}

/**
 * An operation failed on the database. The migration's transaction was rolled
 * back where DDL is transactional; on MySQL the operations before it stay
 * applied, as the recorded progress says (resume with `apply({ resume: true })`
 * once fixed, or undo them by hand).
 *
 * @since 0.2.0
 * @category errors
 */
export class OperationFailed extends Data.TaggedError("OperationFailed")<{
  readonly migration: string
  /** Position of the operation in its list (`up` or `down`). */
  readonly index: number
  readonly operation: string
  readonly direction: "up" | "down"
  readonly cause: unknown
}> {
  override get message() {
    const reason = typeof this.cause === "object" && this.cause !== null && "message" in this.cause
      ? String((this.cause as { message: unknown }).message)
      : String(this.cause)
    return `migration ${this.migration} ${this.direction} #${this.index} (${this.operation}) failed: ${reason}`
  }
}

/**
 * SQLite's `PRAGMA foreign_key_check` found rows whose parent is missing after
 * a migration (which was rolled back).
 *
 * @since 0.2.0
 * @category errors
 */
export class ForeignKeyCheckFailed extends Data.TaggedError("ForeignKeyCheckFailed")<{
  readonly migration: string
  readonly violations: ReadonlyArray<{ readonly table: string; readonly parent: string; readonly rowid: unknown }>
}> {
  override get message() {
    return `migration ${this.migration} leaves rows without their parent: ` +
      this.violations.slice(0, 5).map((v) => `${v.table} row ${String(v.rowid)} -> ${v.parent}`).join(", ")
  }
}

/**
 * Another migrator held the migrations lock for longer than `lockTimeout`.
 *
 * @since 0.2.0
 * @category errors
 */
export class Locked extends Data.TaggedError("Locked")<{
  readonly migration: string
}> {
  /** Whether running the same work again may succeed. */
  readonly retryable: boolean = true
  override get message() {
    return `another migrator holds the migrations lock (waiting to apply ${this.migration})`
  }
}

/**
 * A migration stopped half-way on MySQL, whose DDL commits as it goes: the
 * migrations table records how many operations ran.
 *
 * @since 0.2.0
 * @category errors
 */
export class PartiallyApplied extends Data.TaggedError("PartiallyApplied")<{
  readonly migration: string
  /** How many operations of `up` are applied. */
  readonly step: number
}> {
  override get message() {
    return `migration ${this.migration} stopped after ${this.step} operation(s); fix the cause, then ` +
      "apply with resume: true (or undo those operations by hand and delete its row)"
  }
}

/**
 * `check`: the models differ from the latest migration's snapshot (a
 * migration is missing), or the live database differs from it (drift).
 *
 * @since 0.2.0
 * @category errors
 */
export class OutOfSync extends Data.TaggedError("OutOfSync")<{
  /** What a new migration would do. */
  readonly changes: ReadonlyArray<Operation.Operation>
  /** How the live database differs from the latest snapshot (when asked to look). */
  readonly drift: ReadonlyArray<string>
}> {
  override get message() {
    const parts: Array<string> = []
    if (this.changes.length > 0) parts.push(`the models changed since the latest migration (${this.changes.length} operation(s))`)
    if (this.drift.length > 0) parts.push(`the database drifted from the latest snapshot: ${this.drift.join("; ")}`)
    return parts.join("; ")
  }
}

/**
 * Any migration error.
 *
 * @since 0.2.0
 * @category models
 */
export type MigrationError =
  | AmbiguousRename
  | InvalidHint
  | UnsupportedChange
  | InvalidMigration
  | ChecksumMismatch
  | MissingMigration
  | OutOfOrder
  | DestructiveChange
  | OperationFailed
  | ForeignKeyCheckFailed
  | Locked
  | PartiallyApplied
  | OutOfSync
