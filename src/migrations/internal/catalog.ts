/**
 * A live database's tables as its catalog describes them, on each dialect:
 * columns (declared type, nullability, default), primary key, unique
 * constraints and indexes (as column lists), foreign keys.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Dialect from "../../dialect/Dialect.js"
import * as Database from "../../layers/Database.js"
import type * as DatabaseError from "../../layers/DatabaseError.js"

/** @internal */
export interface LiveColumn {
  readonly name: string
  /** As the catalog spells it (lower case). */
  readonly type: string
  readonly nullable: boolean
  readonly default: string | null
  /** MySQL: the column's collation. */
  readonly collation?: string | null | undefined
}

/** @internal */
export interface LiveForeignKey {
  readonly column: string
  readonly table: string
  readonly references: string
  readonly onDelete: string
  readonly onUpdate: string
  readonly name: string | undefined
}

/** @internal */
export interface LiveTable {
  readonly name: string
  readonly columns: ReadonlyArray<LiveColumn>
  readonly primaryKey: ReadonlyArray<string>
  /** Unique constraints and unique indexes, as column lists. */
  readonly unique: ReadonlyArray<ReadonlyArray<string>>
  /** Other indexes (not unique, not the primary key), named. */
  readonly indexes: ReadonlyArray<{ readonly name: string; readonly columns: ReadonlyArray<string> }>
  readonly foreignKeys: ReadonlyArray<LiveForeignKey>
}

type Rows = ReadonlyArray<Database.Row>
type Query = (sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<Rows, DatabaseError.DatabaseError>

const str = (u: unknown): string => (u === null || u === undefined ? "" : String(u))
const opt = (u: unknown): string | null => (u === null || u === undefined ? null : String(u))
const csv = (u: unknown): ReadonlyArray<string> => str(u).split(",").filter((s) => s !== "")
const action = (u: unknown) => str(u).toLowerCase()

const tablesSql: { readonly [D in Dialect.DialectName]: string } = {
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  postgres: "SELECT table_name AS name FROM information_schema.tables " +
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  mysql: "SELECT table_name AS name FROM information_schema.tables " +
    "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
}

/** Whether a table exists on the current database. @internal */
export const tableExists = (name: string): Effect.Effect<boolean, DatabaseError.DatabaseError, Database.Database> =>
  Effect.flatMap(Database.Database, (db) =>
    Effect.map(db.all({ sql: tablesSql[db.dialect.name], params: [] }), (rows) => rows.some((r) => r.name === name)))

const sqlite = (q: Query, name: string): Effect.Effect<LiveTable, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    const cols = yield* q(`SELECT name, type, "notnull" AS not_null, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, [name])
    const list = yield* q(`SELECT name, "unique" AS uniq, origin FROM pragma_index_list(?)`, [name])
    const unique: Array<ReadonlyArray<string>> = []
    const indexes: Array<{ name: string; columns: ReadonlyArray<string> }> = []
    for (const ix of list) {
      if (ix.origin === "pk") continue
      const columns = (yield* q(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, [ix.name])).map((r) => str(r.name))
      if (Number(ix.uniq) === 1) unique.push(columns)
      else indexes.push({ name: str(ix.name), columns })
    }
    const fks = yield* q(`SELECT "table" AS parent, "from" AS col, "to" AS ref, on_update, on_delete FROM pragma_foreign_key_list(?)`, [name])
    return {
      name,
      columns: cols.map((c) => ({
        name: str(c.name),
        type: str(c.type).toLowerCase(),
        nullable: Number(c.not_null) === 0 && Number(c.pk) === 0,
        default: opt(c.dflt_value)
      })),
      primaryKey: [...cols].filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => str(c.name)),
      unique,
      indexes,
      foreignKeys: fks.map((f) => ({
        column: str(f.col),
        table: str(f.parent),
        references: str(f.ref),
        onDelete: action(f.on_delete),
        onUpdate: action(f.on_update),
        name: undefined
      }))
    }
  })

const pgActions: Record<string, string> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" }

const postgres = (q: Query, name: string): Effect.Effect<LiveTable, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    const rel = `(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `WHERE n.nspname = current_schema() AND c.relname = $1)`
    const cols = yield* q(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, ` +
        `pg_get_expr(d.adbin, d.adrelid) AS dflt FROM pg_attribute a ` +
        `LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ` +
        `WHERE a.attrelid = ${rel} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [name]
    )
    const keyColumns = (rel: string, keys: string) =>
      `(SELECT string_agg(att.attname, ',' ORDER BY k.i) FROM unnest(${keys}) WITH ORDINALITY k(n, i) ` +
      `JOIN pg_attribute att ON att.attrelid = ${rel} AND att.attnum = k.n)`
    const cons = yield* q(
      `SELECT con.conname AS name, con.contype AS kind, ${keyColumns("con.conrelid", "con.conkey")} AS columns, ` +
        `(SELECT relname FROM pg_class WHERE oid = con.confrelid) AS parent, ` +
        `${keyColumns("con.confrelid", "con.confkey")} AS refs, con.confdeltype AS on_delete, con.confupdtype AS on_update ` +
        `FROM pg_constraint con WHERE con.conrelid = ${rel} AND con.contype IN ('p', 'u', 'f')`,
      [name]
    )
    const ixs = yield* q(
      `SELECT i.relname AS name, ix.indisunique AS uniq, ${keyColumns("ix.indrelid", "ix.indkey::int2[]")} AS columns ` +
        `FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = ${rel} ` +
        `AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid)`,
      [name]
    )
    return {
      name,
      columns: cols.map((c) => ({ name: str(c.name), type: str(c.type), nullable: c.nullable === true, default: opt(c.dflt) })),
      primaryKey: csv(cons.find((c) => c.kind === "p")?.columns),
      unique: [...cons.filter((c) => c.kind === "u").map((c) => csv(c.columns)), ...ixs.filter((i) => i.uniq === true).map((i) => csv(i.columns))],
      indexes: ixs.filter((i) => i.uniq !== true).map((i) => ({ name: str(i.name), columns: csv(i.columns) })),
      foreignKeys: cons.filter((c) => c.kind === "f").map((c) => ({
        column: csv(c.columns)[0],
        table: str(c.parent),
        references: csv(c.refs)[0],
        onDelete: pgActions[str(c.on_delete)] ?? "no action",
        onUpdate: pgActions[str(c.on_update)] ?? "no action",
        name: str(c.name)
      }))
    }
  })

const mysql = (q: Query, name: string): Effect.Effect<LiveTable, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    const cols = yield* q(
      "SELECT column_name AS name, column_type AS type, is_nullable AS nullable, column_default AS dflt, " +
        "collation_name AS collation FROM information_schema.columns " +
        "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
      [name]
    )
    const ixs = yield* q(
      "SELECT index_name AS name, MAX(non_unique) AS non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns " +
        "FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? GROUP BY index_name",
      [name]
    )
    const fks = yield* q(
      "SELECT k.constraint_name AS name, k.column_name AS col, k.referenced_table_name AS parent, " +
        "k.referenced_column_name AS ref, r.delete_rule AS on_delete, r.update_rule AS on_update " +
        "FROM information_schema.key_column_usage k JOIN information_schema.referential_constraints r " +
        "ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name AND r.table_name = k.table_name " +
        "WHERE k.table_schema = DATABASE() AND k.table_name = ? AND k.referenced_table_name IS NOT NULL",
      [name]
    )
    const primary = ixs.find((i) => i.name === "PRIMARY")
    const others = ixs.filter((i) => i !== primary)
    return {
      name,
      columns: cols.map((c) => ({
        name: str(c.name),
        type: str(c.type).toLowerCase(),
        nullable: c.nullable === "YES",
        default: opt(c.dflt),
        collation: opt(c.collation)
      })),
      primaryKey: csv(primary?.columns),
      unique: others.filter((i) => Number(i.non_unique) === 0).map((i) => csv(i.columns)),
      indexes: others.filter((i) => Number(i.non_unique) !== 0).map((i) => ({ name: str(i.name), columns: csv(i.columns) })),
      foreignKeys: fks.map((f) => ({
        column: str(f.col),
        table: str(f.parent),
        references: str(f.ref),
        onDelete: action(f.on_delete),
        onUpdate: action(f.on_update),
        name: str(f.name)
      }))
    }
  })

const introspectors = { sqlite, postgres, mysql }

/**
 * Every table of the current database but those `except` names and Quarry's
 * own bookkeeping tables (`quarry_*`: migrations, replication). @internal
 */
export const introspect = (
  except: ReadonlySet<string>
): Effect.Effect<ReadonlyArray<LiveTable>, DatabaseError.DatabaseError, Database.Database> =>
  Effect.gen(function*() {
    const db = yield* Database.Database
    const q: Query = (sql, params = []) => db.all({ sql, params })
    const names = (yield* q(tablesSql[db.dialect.name])).map((r) => str(r.name)).filter((n) => !except.has(n) && !n.startsWith("quarry_"))
    return yield* Effect.forEach(names, (name) => introspectors[db.dialect.name](q, name))
  })
