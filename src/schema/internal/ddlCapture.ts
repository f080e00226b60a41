/**
 * DDL on a database that records it (a replicated set): such a database
 * carries the capability under {@link DdlCapture}, and `Ddl` hands it the
 * tables and the statements per dialect instead of running them, so that
 * the same change can reach databases of other dialects. A database without
 * the capability pays one property check.
 */
import type { Effect } from "effect"
import type { Database } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type { Dialect, DialectName } from "../../dialect/Dialect.js"
import type * as Table from "../Table.js"

/** The key of the capability on a `Database` object. */
export const DdlCapture: unique symbol = Symbol.for("effect-quarry/DdlCapture")

/** Apply DDL touching `tables`, written for each dialect by `statements`. */
export type DdlCapturing = (
  tables: ReadonlyArray<Table.Any>,
  statements: (dialect: Dialect) => ReadonlyArray<string>
) => Effect.Effect<void, DatabaseError>

/** The capability of a database, if it has one. */
export const ddlCapturing = (db: Database): DdlCapturing | undefined =>
  (db as Database & { readonly [DdlCapture]?: DdlCapturing })[DdlCapture]

/** The key of the recording capability migrations use on a `Database` object. */
export const DdlRecording: unique symbol = Symbol.for("effect-quarry/DdlRecording")

/**
 * What a database that records DDL (a replicated set) offers migrations,
 * which run their own statements under their own lock and history.
 */
export interface DdlRecorder {
  /** Where statements run without being recorded: the primary (in the recording database's transaction). */
  readonly unrecorded: Database
  /**
   * Record DDL written for every dialect in the current transaction of the
   * recording database, in order with the rows recorded there. It does not
   * run it: the caller runs the primary's dialect's statements itself.
   */
  readonly record: (
    tables: ReadonlyArray<string>,
    statements: { readonly [D in DialectName]: ReadonlyArray<string> }
  ) => Effect.Effect<void>
}

/** The recorder of a database, if it records DDL. */
export const ddlRecorder = (db: Database): DdlRecorder | undefined =>
  (db as Database & { readonly [DdlRecording]?: DdlRecorder })[DdlRecording]
