/**
 * The operation algebra of migrations: schema changes as values, like
 * queries. A migration's `up` and `down` are lists of operations; each
 * compiles to SQL per dialect when applied, and each says how it changes a
 * schema snapshot (`applyTo`), which is how the SQLite table rebuild knows
 * the whole table it recreates.
 *
 * Hand-written steps sit beside generated ones: `sql` (raw SQL, per dialect
 * where it differs) and `run` (a data migration as an Effect, e.g. a `Query`
 * update).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Operation, Query } from "effect-quarry"
 *
 * const up = [
 *   Operation.renameColumn("users", "name", "full_name"),
 *   Operation.sql({ postgres: `CREATE EXTENSION IF NOT EXISTS citext`, sqlite: "", mysql: "" }),
 *   Operation.run("lowercase emails", Effect.asVoid(Query.run(Query.update(Users, { name: "x" }))))
 * ]
 * ```
 *
 * @since 0.2.0
 */
import type { Effect } from "effect"
import type { Database } from "../layers/Database.js"
import type * as Snapshot from "../schema/Snapshot.js"
import * as internal from "./internal/state.js"

/**
 * @since 0.2.0
 * @category models
 */
export type Column = Snapshot.ColumnSnapshot

/**
 * @since 0.2.0
 * @category models
 */
export type Index = Snapshot.TableSnapshot["indexes"][number]

/**
 * @since 0.2.0
 * @category models
 */
export type Check = Snapshot.TableSnapshot["checks"][number]

/**
 * @since 0.2.0
 * @category models
 */
export type ForeignKey = Snapshot.ForeignKeySnapshot

/**
 * @since 0.2.0
 * @category models
 */
export interface CreateTable {
  readonly _tag: "CreateTable"
  readonly table: Snapshot.TableSnapshot
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropTable {
  readonly _tag: "DropTable"
  readonly table: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface RenameTable {
  readonly _tag: "RenameTable"
  readonly from: string
  readonly to: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface AddColumn {
  readonly _tag: "AddColumn"
  readonly table: string
  readonly column: Column
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropColumn {
  readonly _tag: "DropColumn"
  readonly table: string
  readonly column: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface RenameColumn {
  readonly _tag: "RenameColumn"
  readonly table: string
  readonly from: string
  readonly to: string
}

/**
 * A column's new type, nullability, default or check: `column` is the whole
 * new definition (its keys — unique, primary key — are changed by their own
 * operations). Making a column NOT NULL with a default first fills its NULLs
 * with the default.
 *
 * @since 0.2.0
 * @category models
 */
export interface AlterColumn {
  readonly _tag: "AlterColumn"
  readonly table: string
  readonly column: Column
}

/**
 * @since 0.2.0
 * @category models
 */
export interface CreateIndex {
  readonly _tag: "CreateIndex"
  readonly table: string
  readonly index: Index
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropIndex {
  readonly _tag: "DropIndex"
  readonly table: string
  readonly index: string
}

/**
 * A unique constraint over one column or several.
 *
 * @since 0.2.0
 * @category models
 */
export interface AddUnique {
  readonly _tag: "AddUnique"
  readonly table: string
  readonly columns: ReadonlyArray<string>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropUnique {
  readonly _tag: "DropUnique"
  readonly table: string
  readonly columns: ReadonlyArray<string>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface AddForeignKey {
  readonly _tag: "AddForeignKey"
  readonly table: string
  readonly foreignKey: ForeignKey
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropForeignKey {
  readonly _tag: "DropForeignKey"
  readonly table: string
  readonly name: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface AddCheck {
  readonly _tag: "AddCheck"
  readonly table: string
  readonly check: Check
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DropCheck {
  readonly _tag: "DropCheck"
  readonly table: string
  readonly name: string
}

/**
 * A new primary key over existing columns (not for auto-incrementing keys).
 *
 * @since 0.2.0
 * @category models
 */
export interface SetPrimaryKey {
  readonly _tag: "SetPrimaryKey"
  readonly table: string
  readonly columns: ReadonlyArray<string>
}

/**
 * Raw SQL: one text for every dialect, or one per dialect (an empty text, or
 * a dialect left out, runs nothing there). It does not change the snapshot.
 *
 * @since 0.2.0
 * @category models
 */
export interface Sql {
  readonly _tag: "Sql"
  readonly sql: string | { readonly sqlite?: string; readonly postgres?: string; readonly mysql?: string }
}

/**
 * A hand-written step: an Effect on the database, e.g. a data migration with
 * `Query`. Its `name` is what the migration's checksum covers (the Effect
 * itself cannot be hashed): rename it when its meaning changes.
 *
 * @since 0.2.0
 * @category models
 */
export interface Run {
  readonly _tag: "Run"
  readonly name: string
  readonly effect: Effect.Effect<void, unknown, Database>
}

/**
 * @since 0.2.0
 * @category models
 */
export type Operation =
  | CreateTable
  | DropTable
  | RenameTable
  | AddColumn
  | DropColumn
  | RenameColumn
  | AlterColumn
  | CreateIndex
  | DropIndex
  | AddUnique
  | DropUnique
  | AddForeignKey
  | DropForeignKey
  | AddCheck
  | DropCheck
  | SetPrimaryKey
  | Sql
  | Run

/**
 * @since 0.2.0
 * @category constructors
 */
export const createTable = (table: Snapshot.TableSnapshot): CreateTable => ({ _tag: "CreateTable", table })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropTable = (table: string): DropTable => ({ _tag: "DropTable", table })

/**
 * @since 0.2.0
 * @category constructors
 */
export const renameTable = (from: string, to: string): RenameTable => ({ _tag: "RenameTable", from, to })

/**
 * @since 0.2.0
 * @category constructors
 */
export const addColumn = (table: string, column: Column): AddColumn => ({ _tag: "AddColumn", table, column })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropColumn = (table: string, column: string): DropColumn => ({ _tag: "DropColumn", table, column })

/**
 * @since 0.2.0
 * @category constructors
 */
export const renameColumn = (table: string, from: string, to: string): RenameColumn => ({ _tag: "RenameColumn", table, from, to })

/**
 * @since 0.2.0
 * @category constructors
 */
export const alterColumn = (table: string, column: Column): AlterColumn => ({ _tag: "AlterColumn", table, column })

/**
 * @since 0.2.0
 * @category constructors
 */
export const createIndex = (table: string, index: Index): CreateIndex => ({ _tag: "CreateIndex", table, index })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropIndex = (table: string, index: string): DropIndex => ({ _tag: "DropIndex", table, index })

/**
 * @since 0.2.0
 * @category constructors
 */
export const addUnique = (table: string, columns: ReadonlyArray<string>): AddUnique => ({ _tag: "AddUnique", table, columns })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropUnique = (table: string, columns: ReadonlyArray<string>): DropUnique => ({ _tag: "DropUnique", table, columns })

/**
 * @since 0.2.0
 * @category constructors
 */
export const addForeignKey = (table: string, foreignKey: ForeignKey): AddForeignKey => ({ _tag: "AddForeignKey", table, foreignKey })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropForeignKey = (table: string, name: string): DropForeignKey => ({ _tag: "DropForeignKey", table, name })

/**
 * @since 0.2.0
 * @category constructors
 */
export const addCheck = (table: string, check: Check): AddCheck => ({ _tag: "AddCheck", table, check })

/**
 * @since 0.2.0
 * @category constructors
 */
export const dropCheck = (table: string, name: string): DropCheck => ({ _tag: "DropCheck", table, name })

/**
 * @since 0.2.0
 * @category constructors
 */
export const setPrimaryKey = (table: string, columns: ReadonlyArray<string>): SetPrimaryKey => ({ _tag: "SetPrimaryKey", table, columns })

/**
 * Raw SQL, the same for every dialect or one per dialect.
 *
 * @since 0.2.0
 * @category constructors
 */
export const sql = (sql: Sql["sql"]): Sql => ({ _tag: "Sql", sql })

/**
 * A hand-written step (a data migration) as an Effect on the database.
 *
 * @since 0.2.0
 * @category constructors
 */
export const run = <E>(name: string, effect: Effect.Effect<void, E, Database>): Run => ({
  _tag: "Run",
  name,
  effect
})

/**
 * The schema after an operation. Raw SQL and hand-written steps leave it
 * unchanged. Fails (as a defect) when the operation names what the snapshot
 * does not have: a migration that does not fit its predecessor's snapshot is
 * a bug in the migration.
 *
 * @since 0.2.0
 * @category state
 */
export const applyTo = (snapshot: Snapshot.Snapshot, operation: Operation): Snapshot.Snapshot =>
  internal.applyTo(snapshot, operation)

/**
 * One line saying what an operation does, for logs and generated files.
 *
 * @since 0.2.0
 * @category rendering
 */
export const describe = (operation: Operation): string => internal.describe(operation)
