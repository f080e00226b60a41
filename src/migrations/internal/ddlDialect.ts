/**
 * What the dialects do differently with schema changes, as one small record
 * each; the compiler (compile.ts) is written once against it.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Dialect from "../../dialect/Dialect.js"
import * as Database from "../../layers/Database.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import { columnDefinition } from "../../schema/internal/ddl.js"

type Column = Snapshot.ColumnSnapshot

/** The kinds of named constraints an ALTER TABLE adds, drops or renames. @internal */
export type ConstraintKind = "unique" | "check" | "foreignKey" | "primaryKey"

/**
 * A statement, or work that reads the database before deciding (MySQL's
 * leftover foreign-key indexes). Such work that a replicated set can send to
 * its shadows as one statement says so in `shadowSql`.
 *
 * @internal
 */
export type Step =
  | { readonly _tag: "Statement"; readonly sql: string }
  | {
    readonly _tag: "Effect"
    readonly effect: Effect.Effect<void, unknown, Database.Database>
    readonly shadowSql?: string | undefined
  }

/** @internal */
export const statement = (sql: string): Step => ({ _tag: "Statement", sql })

/** @internal */
export interface DdlDialect {
  readonly dialect: Dialect.Dialect
  /** DDL takes part in transactions (rolled back with them); MySQL commits before and after each DDL statement. */
  readonly transactionalDdl: boolean
  /**
   * ALTER TABLE changes a column's type, nullability and default and adds or
   * drops constraints in place; otherwise (SQLite) the table is rebuilt.
   */
  readonly alterInPlace: boolean
  /** The statements changing a column from `before` to `after` (type, nullability, default), in place. */
  readonly alterColumn: (table: string, before: Column, after: Column) => ReadonlyArray<string>
  readonly dropIndex: (table: string, name: string) => string
  readonly dropConstraint: (table: string, kind: ConstraintKind, name: string) => ReadonlyArray<Step>
  /**
   * The statements renaming a constraint (none where its name is fixed, as
   * MySQL's PRIMARY); `undefined` where it cannot be renamed: it is dropped
   * and added again.
   */
  readonly renameConstraint: (table: string, kind: ConstraintKind, from: string, to: string) => ReadonlyArray<string> | undefined
  /**
   * The query taking the migrations lock inside the current transaction,
   * answering one row whose `got` is 1 when it was taken (`undefined`: the
   * transaction itself is exclusive, SQLite's BEGIN IMMEDIATE).
   */
  readonly tryLock: string | undefined
  /** Releases the lock before the transaction ends (where it outlives the transaction). */
  readonly unlock: string | undefined
}

/** MySQL's named locks are server-wide: the name carries the database (MD5 keeps it under 64 characters). */
const lockName = "CONCAT('effect-quarry/migrations/', MD5(DATABASE()))"
/** PostgreSQL advisory locks take a 64-bit key (per database): a fixed one for Quarry's migrations. */
const pgLockKey = "7318009143251337"

const addConstraintSql = (d: Dialect.Dialect, table: string, name: string, clause: string) =>
  `ALTER TABLE ${d.quote(table)} ADD CONSTRAINT ${d.quote(name)} ${clause}`

/** `ALTER TABLE t ADD CONSTRAINT name <clause>`: the same on PostgreSQL and MySQL. @internal */
export const addConstraint = addConstraintSql

/** NULLs of a column set to its default before it becomes NOT NULL. @internal */
export const fillNulls = (d: Dialect.Dialect, table: string, before: Column, after: Column): ReadonlyArray<string> =>
  before.nullable && !after.nullable && after.defaultByDialect !== null
    ? [
      `UPDATE ${d.quote(table)} SET ${d.quote(after.name)} = ${after.defaultByDialect[d.name]} WHERE ${
        d.quote(after.name)
      } IS NULL`
    ]
    : []

const sqlite: DdlDialect = {
  dialect: Dialect.sqlite,
  transactionalDdl: true,
  alterInPlace: false,
  alterColumn: () => [],
  dropIndex: (_table, name) => `DROP INDEX ${Dialect.sqlite.quote(name)}`,
  dropConstraint: () => [],
  // constraint names live in the CREATE TABLE text, which a rebuild writes anew
  renameConstraint: () => [],
  tryLock: undefined,
  unlock: undefined
}

const postgresAlter = (table: string, before: Column, after: Column): ReadonlyArray<string> => {
  const d = Dialect.postgres
  const alter = (clause: string) => `ALTER TABLE ${d.quote(table)} ALTER COLUMN ${d.quote(after.name)} ${clause}`
  const out: Array<string> = []
  const type = after.sqlType.postgres
  const retyped = before.sqlType.postgres !== type
  const defaultBefore = before.defaultByDialect?.postgres
  const defaultAfter = after.defaultByDialect?.postgres
  // the old default may not cast to the new type: it goes first, the new one comes after
  if (retyped && defaultBefore !== undefined) out.push(alter("DROP DEFAULT"))
  if (retyped) out.push(alter(`TYPE ${type} USING ${d.quote(after.name)}::${type}`))
  if (defaultAfter !== undefined && (retyped || defaultAfter !== defaultBefore)) out.push(alter(`SET DEFAULT ${defaultAfter}`))
  if (defaultAfter === undefined && defaultBefore !== undefined && !retyped) out.push(alter("DROP DEFAULT"))
  out.push(...fillNulls(d, table, before, after))
  if (before.nullable !== after.nullable) out.push(alter(after.nullable ? "DROP NOT NULL" : "SET NOT NULL"))
  return out
}

const postgres: DdlDialect = {
  dialect: Dialect.postgres,
  transactionalDdl: true,
  alterInPlace: true,
  alterColumn: postgresAlter,
  dropIndex: (_table, name) => `DROP INDEX ${Dialect.postgres.quote(name)}`,
  dropConstraint: (table, _kind, name) => [
    statement(`ALTER TABLE ${Dialect.postgres.quote(table)} DROP CONSTRAINT ${Dialect.postgres.quote(name)}`)
  ],
  renameConstraint: (table, _kind, from, to) => [
    `ALTER TABLE ${Dialect.postgres.quote(table)} RENAME CONSTRAINT ${Dialect.postgres.quote(from)} TO ${
      Dialect.postgres.quote(to)
    }`
  ],
  tryLock: `SELECT CASE WHEN pg_try_advisory_xact_lock(${pgLockKey}) THEN 1 ELSE 0 END AS got`,
  unlock: undefined
}

/**
 * InnoDB creates an index named after a foreign key that has none to use, and
 * keeps it when the key goes. Shadows drop it with MariaDB's `IF EXISTS`
 * (MySQL 8 lacks it there: a MySQL 8 shadow rejects the entry).
 */
const dropLeftoverIndex = (table: string, name: string): Step => {
  const q = Dialect.mysql.quote
  return {
    _tag: "Effect",
    effect: Effect.gen(function*() {
      const rows = yield* Database.all({
        sql: "SELECT 1 AS found FROM information_schema.statistics " +
          "WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1",
        params: [table, name]
      })
      if (rows.length > 0) yield* Database.run({ sql: `ALTER TABLE ${q(table)} DROP INDEX ${q(name)}`, params: [] })
    }),
    shadowSql: `ALTER TABLE ${q(table)} DROP INDEX IF EXISTS ${q(name)}`
  }
}

const mysql: DdlDialect = {
  dialect: Dialect.mysql,
  transactionalDdl: false,
  alterInPlace: true,
  alterColumn: (table, before, after) => {
    const d = Dialect.mysql
    const changed = before.sqlType.mysql !== after.sqlType.mysql || before.nullable !== after.nullable ||
      before.defaultByDialect?.mysql !== after.defaultByDialect?.mysql
    return [
      // NULLs first: MODIFY ... NOT NULL would refuse them (or, outside strict mode, invent values)
      ...fillNulls(d, table, before, after),
      ...(changed ? [`ALTER TABLE ${d.quote(table)} MODIFY COLUMN ${columnDefinition(after, d, false)}`] : [])
    ]
  },
  dropIndex: (table, name) => `DROP INDEX ${Dialect.mysql.quote(name)} ON ${Dialect.mysql.quote(table)}`,
  dropConstraint: (table, kind, name) => {
    const q = Dialect.mysql.quote
    const alter = `ALTER TABLE ${q(table)} `
    switch (kind) {
      case "unique":
        return [statement(alter + `DROP INDEX ${q(name)}`)]
      case "check":
        return [statement(alter + `DROP CONSTRAINT ${q(name)}`)]
      case "primaryKey":
        return [statement(alter + "DROP PRIMARY KEY")]
      case "foreignKey":
        return [statement(alter + `DROP FOREIGN KEY ${q(name)}`), dropLeftoverIndex(table, name)]
    }
  },
  renameConstraint: (table, kind, from, to) => {
    const q = Dialect.mysql.quote
    // a unique key is an index; the primary key is always PRIMARY; a check cannot be renamed
    if (kind === "unique") return [`ALTER TABLE ${q(table)} RENAME INDEX ${q(from)} TO ${q(to)}`]
    return kind === "primaryKey" ? [] : undefined
  },
  tryLock: `SELECT GET_LOCK(${lockName}, 0) AS got`,
  unlock: `SELECT RELEASE_LOCK(${lockName}) AS released`
}

/** @internal */
export const byName: { readonly [D in Dialect.DialectName]: DdlDialect } = { sqlite, postgres, mysql }
