/**
 * A stable, diffable JSON description of a set of tables: columns with their
 * kinds and SQL types per dialect, nullability, defaults, keys, indexes,
 * checks and foreign keys. Migrations diff two snapshots (or a snapshot and a
 * live database). The same tables always give byte-identical JSON.
 *
 * @since 0.1.0
 */
import * as Dialect from "../dialect/Dialect.js"
import type * as ColumnType from "./ColumnType.js"
import * as internal from "./internal/ddl.js"
import type * as Table from "./Table.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ColumnSnapshot {
  readonly name: string
  readonly field: string
  readonly kind: ColumnType.Kind
  readonly nullable: boolean
  readonly primaryKey: boolean
  readonly autoIncrement: boolean
  readonly unique: boolean
  /** The default as PostgreSQL's DDL writes it: one canonical spelling to diff. */
  readonly default: string | null
  /** The column's check as PostgreSQL's DDL writes it. */
  readonly check: string | null
  /** The SQL type per dialect, as the DDL declares it. */
  readonly sqlType: PerDialect
  /**
   * The DEFAULT expression per dialect, as the DDL declares it (booleans,
   * string escapes and per-dialect SQL differ), so DDL can be written from the
   * snapshot alone.
   *
   * @since 0.2.0
   */
  readonly defaultByDialect: PerDialect | null
  /**
   * The column's CHECK per dialect (identifier quoting differs).
   *
   * @since 0.2.0
   */
  readonly checkByDialect: PerDialect | null
}

/**
 * One SQL text per dialect.
 *
 * @since 0.2.0
 * @category models
 */
export type PerDialect = { readonly [D in Dialect.DialectName]: string }

/**
 * @since 0.1.0
 * @category models
 */
export interface ForeignKeySnapshot {
  readonly name: string
  readonly column: string
  readonly references: { readonly table: string; readonly column: string }
  readonly onDelete: string | null
  readonly onUpdate: string | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TableSnapshot {
  readonly name: string
  readonly columns: ReadonlyArray<ColumnSnapshot>
  readonly primaryKey: ReadonlyArray<string>
  readonly unique: ReadonlyArray<ReadonlyArray<string>>
  readonly indexes: ReadonlyArray<{ readonly name: string; readonly columns: ReadonlyArray<string>; readonly unique: boolean }>
  /** Table-level checks: `sql` as PostgreSQL's DDL writes it (to diff), `sqlByDialect` for each DDL. */
  readonly checks: ReadonlyArray<{ readonly name: string; readonly sql: string; readonly sqlByDialect: PerDialect }>
  readonly foreignKeys: ReadonlyArray<ForeignKeySnapshot>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly version: 1
  /** Tables by name, in name order. */
  readonly tables: ReadonlyArray<TableSnapshot>
}

const dialects = Object.values(Dialect.byName)

const keyed = (table: Table.Any, c: Table.ColumnDef) =>
  c.primaryKey || c.unique || c.index || c.references !== undefined ||
  table.unique.some((u) => u.includes(c)) || table.indexes.some((ix) => ix.columns.includes(c))

const column = (table: Table.Any, c: Table.ColumnDef): ColumnSnapshot => ({
  name: c.name,
  field: c.field,
  kind: c.type.kind,
  nullable: c.type.nullable,
  primaryKey: c.primaryKey,
  autoIncrement: c.autoIncrement,
  unique: c.unique,
  // a default is recorded as the PostgreSQL DDL text: one canonical spelling to diff
  default: c.default === undefined ? null : internal.defaultSql(c.default, Dialect.postgres),
  check: c.check === undefined ? null : internal.fragment(c.check, Dialect.postgres),
  sqlType: perDialect((d) => internal.columnSqlType(c, d, keyed(table, c))),
  defaultByDialect: c.default === undefined ? null : perDialect((d) => internal.defaultSql(c.default!, d)),
  checkByDialect: c.check === undefined ? null : perDialect((d) => internal.fragment(c.check!, d))
})

const perDialect = (f: (dialect: Dialect.Dialect) => string): PerDialect =>
  Object.fromEntries(dialects.map((d) => [d.name, f(d)])) as PerDialect

/**
 * The snapshot of one table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const table = (t: Table.Any): TableSnapshot => ({
  name: t.name,
  columns: t.columns.map((c) => column(t, c)),
  primaryKey: t.primaryKey.map((c) => c.name),
  unique: t.unique.map((u) => u.map((c) => c.name)),
  indexes: internal.indexesOf(t).map((ix) => ({ name: ix.name, columns: ix.columns.map((c) => c.name), unique: ix.unique })),
  checks: t.checks.map((ck) => ({
    name: ck.name,
    sql: internal.fragment(ck.sql, Dialect.postgres),
    sqlByDialect: perDialect((d) => internal.fragment(ck.sql, d))
  })),
  foreignKeys: t.columns.filter((c) => c.references !== undefined).map((c) => {
    const ref = internal.referencedColumn(c)
    return {
      name: internal.constraintName(t.name, [c.name], "fkey"),
      column: c.name,
      references: { table: ref.table.name, column: ref.column.name },
      onDelete: c.references!.onDelete ?? null,
      onUpdate: c.references!.onUpdate ?? null
    }
  })
})

/**
 * The snapshot of a set of tables.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (tables: ReadonlyArray<Table.Any>): Snapshot => ({
  version: 1,
  tables: [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(table)
})

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])])
    )
  }
  return value
}

/**
 * Deterministic JSON: object keys sorted, two-space indentation, trailing newline.
 *
 * @since 0.1.0
 * @category serialization
 */
export const toJson = (snapshot: Snapshot): string => stableJson(snapshot)

/**
 * Any JSON value written as `toJson` writes snapshots: object keys sorted,
 * two-space indentation, trailing newline (migration checksums hash it).
 *
 * @since 0.2.0
 * @category serialization
 */
export const stableJson = (value: unknown): string => JSON.stringify(canonical(value), null, 2) + "\n"

/**
 * Read a snapshot written by `toJson`.
 *
 * @since 0.1.0
 * @category serialization
 */
export const fromJson = (json: string): Snapshot => {
  const parsed = JSON.parse(json) as Snapshot
  if (parsed.version !== 1) throw new Error(`unsupported snapshot version ${String(parsed.version)}`)
  return parsed
}
