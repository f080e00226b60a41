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
import type { Dialect } from "../../dialect/Dialect.js"
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
