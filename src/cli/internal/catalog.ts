/**
 * What `inspect` reads from a database beyond the migrations' catalog: every
 * table with its row count and size (where the dialect reports one), and the
 * statement that lists a table's rows with `--where` / `--order` / `--limit`.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Dialect from "../../dialect/Dialect.js"
import type * as Database from "../../layers/Database.js"
import type * as DatabaseError from "../../layers/DatabaseError.js"
import { introspect, type LiveTable } from "../../migrations/internal/catalog.js"
import { CliError } from "./errors.js"

/** @internal */
export interface TableInfo {
  readonly name: string
  readonly rows: number
  /** Bytes on disk, data and indexes; null where the dialect does not say. */
  readonly size: number | null
}

const tablesSql: { readonly [D in Dialect.DialectName]: string } = {
  sqlite: "SELECT name, NULL AS size FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  postgres: "SELECT c.relname AS name, pg_total_relation_size(c.oid) AS size FROM pg_class c " +
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') " +
    "ORDER BY c.relname",
  mysql: "SELECT table_name AS name, data_length + index_length AS size FROM information_schema.tables " +
    "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
}

const sqliteSize = (db: Database.Database, name: string): Effect.Effect<number | null> =>
  db.all({
    sql: "SELECT SUM(pgsize) AS size FROM dbstat WHERE name = ? OR name IN " +
      "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)",
    params: [name, name]
  }).pipe(
    Effect.map((rows) => (rows[0]?.size === null || rows[0]?.size === undefined ? null : Number(rows[0].size))),
    // dbstat is a compile-time option of SQLite
    Effect.orElseSucceed(() => null)
  )

/** The names of the tables, in name order. @internal */
export const tableNames = (db: Database.Database): Effect.Effect<ReadonlyArray<string>, DatabaseError.DatabaseError> =>
  Effect.map(db.all({ sql: tablesSql[db.dialect.name], params: [] }), (rows) => rows.map((r) => String(r.name)))

/** Every table, its exact row count and its size. @internal */
export const tables = (db: Database.Database): Effect.Effect<ReadonlyArray<TableInfo>, DatabaseError.DatabaseError> =>
  Effect.gen(function*() {
    const rows = yield* db.all({ sql: tablesSql[db.dialect.name], params: [] })
    return yield* Effect.forEach(rows, (r) =>
      Effect.gen(function*() {
        const name = String(r.name)
        const counted = yield* db.all({ sql: `SELECT COUNT(*) AS n FROM ${db.dialect.quote(name)}`, params: [] })
        const size = db.dialect.name === "sqlite"
          ? yield* sqliteSize(db, name)
          : r.size === null || r.size === undefined
          ? null
          : Number(r.size)
        return { name, rows: Number(counted[0]?.n ?? 0), size }
      }))
  })

/**
 * Tables as the catalog describes them: one (failing with `NoSuchTable`
 * when it is not there) or all.
 *
 * @internal
 */
export const describe = (
  db: Database.Database,
  name: string | undefined
): Effect.Effect<ReadonlyArray<LiveTable>, DatabaseError.DatabaseError | CliError, Database.Database> =>
  Effect.gen(function*() {
    const names = yield* tableNames(db)
    if (name !== undefined && !names.includes(name)) return yield* Effect.fail(noSuchTable(name, names))
    const except = new Set(name === undefined ? [] : names.filter((n) => n !== name))
    const found = yield* introspect(except)
    if (name !== undefined && found.length === 0) {
      return yield* Effect.fail(new CliError({ reason: "Unsupported", message: `${name} is one of Quarry's own tables` }))
    }
    return found
  })

/** `no table named x` with the closest names. @internal */
export const noSuchTable = (name: string, names: ReadonlyArray<string>): CliError => {
  const near = names.filter((n) => n.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(n.toLowerCase()))
  return new CliError({
    reason: "NoSuchTable",
    message: `no table named ${name}${near.length > 0 ? ` (did you mean ${near.slice(0, 3).join(", ")}?)` : ""}`
  })
}

/** Whether a catalog type is an integer type (read exactly: as text where the driver would round). @internal */
export const isInteger = (type: string): boolean => /int|serial/i.test(type) && !/interval|point/i.test(type)

/** @internal */
export interface RowsOptions {
  readonly where: ReadonlyArray<string>
  readonly order: string | undefined
  readonly limit: number | undefined
}

/**
 * The SELECT of `inspect rows`, checked against the table's columns
 * (`UnknownColumn` names the bad one and lists the real ones).
 *
 * @internal
 */
export const rowsStatement = (
  dialect: Dialect.Dialect,
  table: LiveTable,
  options: RowsOptions
): Effect.Effect<Database.Statement, CliError> =>
  Effect.gen(function*() {
    const q = dialect.quote
    const columns = table.columns.map((c) => c.name)
    const known = (column: string, flag: string) =>
      columns.includes(column) ? Effect.void : Effect.fail(
        new CliError({
          reason: "UnknownColumn",
          message: `${flag}: no column ${column} in ${table.name} (columns: ${columns.join(", ")})`
        })
      )
    const params: Array<unknown> = []
    const conditions: Array<string> = []
    for (const w of options.where) {
      const eq = w.indexOf("=")
      if (eq <= 0) {
        return yield* Effect.fail(
          new CliError({ reason: "BadArgument", message: `--where ${w}: expected column=value` })
        )
      }
      const column = w.slice(0, eq).trim()
      yield* known(column, "--where")
      params.push(w.slice(eq + 1))
      conditions.push(`${q(column)} = ${dialect.placeholder(params.length)}`)
    }
    let order = ""
    if (options.order !== undefined) {
      const [column, direction = "asc"] = options.order.split(":")
      yield* known(column, "--order")
      if (!/^(asc|desc)$/i.test(direction)) {
        return yield* Effect.fail(
          new CliError({ reason: "BadArgument", message: `--order ${options.order}: expected column or column:desc` })
        )
      }
      order = ` ORDER BY ${q(column)} ${direction.toUpperCase()}`
    }
    const select = table.columns.map((c) =>
      dialect.name === "sqlite" && isInteger(c.type)
        // SQLite's driver rounds integers past 2^53: read them as text
        ? `CASE WHEN typeof(${q(c.name)}) = 'integer' THEN CAST(${q(c.name)} AS TEXT) ELSE ${q(c.name)} END AS ${q(c.name)}`
        : q(c.name)
    )
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : ""
    const limit = options.limit !== undefined ? ` LIMIT ${options.limit}` : ""
    return { sql: `SELECT ${select.join(", ")} FROM ${q(table.name)}${where}${order}${limit}`, params }
  })
