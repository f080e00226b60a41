/**
 * DDL for tables and indexes, per dialect: `CREATE TABLE` with every column
 * fact (types, NOT NULL, defaults, primary / unique / foreign keys, checks),
 * in foreign-key order, and the matching drops.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ddl } from "effect-quarry"
 * declare const Users: import("effect-quarry").Table.Any
 * declare const Posts: import("effect-quarry").Table.Any
 *
 * // auto table creation: parents before children, IF NOT EXISTS
 * const program = Ddl.createAll([Posts, Users])
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Database from "../layers/Database.js"
import type * as DatabaseError from "../layers/DatabaseError.js"
import type { Dialect } from "../dialect/Dialect.js"
import * as internal from "./internal/ddl.js"
import { ddlCapturing } from "./internal/ddlCapture.js"
import * as Snapshot from "./Snapshot.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  /** Default: `true`. */
  readonly ifNotExists?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface DropOptions {
  /** Default: `true`. */
  readonly ifExists?: boolean | undefined
}

/**
 * The statements that create one table and its indexes.
 *
 * @since 0.1.0
 * @category statements
 */
export const createTable = (table: Table.Any, dialect: Dialect, options?: CreateOptions): ReadonlyArray<string> =>
  internal.createTable(Snapshot.table(table), dialect, options?.ifNotExists ?? true)

/**
 * The statement that drops one table.
 *
 * @since 0.1.0
 * @category statements
 */
export const dropTable = (table: Table.Any, dialect: Dialect, options?: DropOptions): string =>
  `DROP TABLE ${(options?.ifExists ?? true) ? "IF EXISTS " : ""}${dialect.quote(table.name)}`

/**
 * Tables in foreign-key order: every table after the tables it references.
 * Tables referenced but not listed are not added. Cycles keep declaration
 * order for the tables involved.
 *
 * @since 0.1.0
 * @category ordering
 */
export const sortByDependencies = (tables: ReadonlyArray<Table.Any>): ReadonlyArray<Table.Any> =>
  internal.sortByDependencies(tables)

/**
 * The statements that create every table, in foreign-key order.
 *
 * @since 0.1.0
 * @category statements
 */
export const createTables = (
  tables: ReadonlyArray<Table.Any>,
  dialect: Dialect,
  options?: CreateOptions
): ReadonlyArray<string> => sortByDependencies(tables).flatMap((t) => createTable(t, dialect, options))

/**
 * The statements that drop every table, children first.
 *
 * @since 0.1.0
 * @category statements
 */
export const dropTables = (
  tables: ReadonlyArray<Table.Any>,
  dialect: Dialect,
  options?: DropOptions
): ReadonlyArray<string> => [...sortByDependencies(tables)].reverse().map((t) => dropTable(t, dialect, options))

// a replicated database applies DDL itself: on the primary and, through its log, on every shadow
const runAll = (tables: ReadonlyArray<Table.Any>, statements: (dialect: Dialect) => ReadonlyArray<string>) =>
  Effect.flatMap(Database.Database, (db) => {
    const capture = ddlCapturing(db)
    return capture !== undefined
      ? capture(tables, statements)
      : Effect.forEach(statements(db.dialect), (sql) => db.run({ sql, params: [] }), { discard: true })
  })

/**
 * Create every table (and index) on the current database, parents first,
 * skipping those that exist: auto table creation. On a replicated database
 * (`Replicated.layer`) the tables are created on the primary and, through
 * the replication log, on every shadow in its own dialect.
 *
 * @since 0.1.0
 * @category execution
 */
export const createAll = (
  tables: ReadonlyArray<Table.Any>,
  options?: CreateOptions
): Effect.Effect<void, DatabaseError.DatabaseError, Database.Database> =>
  runAll(tables, (dialect) => createTables(tables, dialect, options))

/**
 * Drop every table on the current database, children first.
 *
 * @since 0.1.0
 * @category execution
 */
export const dropAll = (
  tables: ReadonlyArray<Table.Any>,
  options?: DropOptions
): Effect.Effect<void, DatabaseError.DatabaseError, Database.Database> =>
  runAll(tables, (dialect) => dropTables(tables, dialect, options))
