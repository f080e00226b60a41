/**
 * The diff of two schema snapshots as operations: tables added, dropped or
 * renamed; columns added, dropped, renamed, retyped, made nullable or NOT
 * NULL, given or stripped of a default or check; primary keys, unique
 * constraints, indexes, checks and foreign keys. `up` turns `from` into `to`,
 * `down` turns it back.
 *
 * Renames are never guessed: a table (or column) dropped beside another added
 * fails with `AmbiguousRename` until a hint says what happened — a rename
 * (`tables` / `columns`) or a real drop (`drops`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Diff, Snapshot } from "effect-quarry"
 *
 * const changes = Diff.diff(Snapshot.make([]), Snapshot.make([Users]))
 * // Effect<Diff.Changes, AmbiguousRename | InvalidHint | UnsupportedChange>
 * const renamed = (before: Snapshot.Snapshot) =>
 *   Diff.diff(before, Snapshot.make([Users]), { columns: [{ table: "users", from: "full_name", to: "name" }] })
 * ```
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import type * as Dialect from "../dialect/Dialect.js"
import type * as Snapshot from "../schema/Snapshot.js"
import * as internal from "./internal/diff.js"
import * as hazard from "./internal/hazard.js"
import * as state from "./internal/state.js"
import type * as MigrationError from "./MigrationError.js"
import type * as Operation from "./Operation.js"

/**
 * What a diff cannot tell by itself.
 *
 * @since 0.2.0
 * @category models
 */
export interface Hints {
  /** Tables renamed: `{ from: "people", to: "users" }`. */
  readonly tables?: ReadonlyArray<{ readonly from: string; readonly to: string }> | undefined
  /** Columns renamed, under the table's new name: `{ table: "users", from: "name", to: "full_name" }`. */
  readonly columns?: ReadonlyArray<{ readonly table: string; readonly from: string; readonly to: string }> | undefined
  /** Drops that are drops, not renames: `"people"` (a table) or `"users.name"` (a column). */
  readonly drops?: ReadonlyArray<string> | undefined
}

/**
 * An operation that loses data, found at generation.
 *
 * @since 0.2.0
 * @category models
 */
export interface Hazard {
  /** Position in `up` (or `down`). */
  readonly index: number
  readonly operation: string
  readonly reason: string
  /** Only destructive when the table holds rows (checked just before it runs). */
  readonly whenRows: boolean
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Changes {
  readonly up: ReadonlyArray<Operation.Operation>
  readonly down: ReadonlyArray<Operation.Operation>
  /** The destructive operations of `up`, on any dialect. */
  readonly hazards: ReadonlyArray<Hazard>
  /** The destructive operations of `down`. */
  readonly downHazards: ReadonlyArray<Hazard>
}

const dialects: ReadonlyArray<Dialect.DialectName> = ["sqlite", "postgres", "mysql"]

/**
 * The destructive operations of a list applied to `before`, on one dialect
 * or (by default) any.
 *
 * @since 0.2.0
 * @category hazards
 */
export const hazards = (
  operations: ReadonlyArray<Operation.Operation>,
  before: Snapshot.Snapshot,
  dialect?: Dialect.DialectName
): ReadonlyArray<Hazard> => {
  const out: Array<Hazard> = []
  let current = before
  operations.forEach((op, index) => {
    const seen = new Set<string>()
    for (const d of dialect === undefined ? dialects : [dialect]) {
      for (const h of hazard.hazards(op, current, d)) {
        if (seen.has(h.reason)) continue
        seen.add(h.reason)
        out.push({ index, operation: state.describe(op), reason: h.reason, whenRows: h.whenRows !== undefined })
      }
    }
    current = state.applyTo(current, op)
  })
  return out
}

/**
 * The operations turning `from` into `to` (and back).
 *
 * @since 0.2.0
 * @category diff
 */
export const diff = (
  from: Snapshot.Snapshot,
  to: Snapshot.Snapshot,
  hints?: Hints
): Effect.Effect<Changes, MigrationError.AmbiguousRename | MigrationError.InvalidHint | MigrationError.UnsupportedChange> =>
  Effect.gen(function*() {
    const matching = yield* internal.match(from, to, hints)
    const up = yield* internal.plan(from, to, matching)
    const down = yield* internal.plan(to, from, internal.invert(matching))
    return { up, down, hazards: hazards(up, from), downHazards: hazards(down, to) }
  })
