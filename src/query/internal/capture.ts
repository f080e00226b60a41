/**
 * Change capture: a database that records what each write changed (a
 * replicated set) carries the capability under {@link Capture}. The write
 * paths then run the write so as to see every row it wrote, as the database
 * stored it — native `RETURNING` of every column (SQLite, PostgreSQL), the
 * `RETURNING` emulation inside the transaction (MySQL) — and hand those rows
 * (deletes: their keys) to the capability, in the same transaction as the
 * write. A database without the capability pays one property check.
 */
import { Effect, Either } from "effect"
import type { Database, Row, RunResult } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import type * as Ast from "../Ast.js"
import type * as QueryError from "../QueryError.js"
import { type Args, guard } from "./bind.js"
import { type DecodeRow, rowsDecoder } from "./decode.js"
import { insertPlan, memo, returningDecoder } from "./plan.js"
import { fetchByKeys } from "./returning.js"
import * as Values from "./values.js"

/** The key of the capability on a `Database` object. */
export const Capture: unique symbol = Symbol.for("effect-quarry/Capture")

/**
 * What one write changed, as the database stored it: driver rows of every
 * column (keyed by field) for rows written, driver values of the primary key
 * (keyed by field) for rows deleted.
 */
export type Change =
  | { readonly _tag: "Upsert"; readonly table: Table.Any; readonly rows: ReadonlyArray<Row> }
  | { readonly _tag: "Delete"; readonly table: Table.Any; readonly keys: ReadonlyArray<Row> }

/** The capability. */
export interface Capturing {
  /** The database the statements of a captured write run on. */
  readonly target: Database
  /** A failure for a write on this table before any SQL runs (a table the set does not record), if any. */
  readonly refuse: (table: Table.Any) => DatabaseError | undefined
  /** Record changes in the transaction open on the fiber (the capturing database's own `transaction`). */
  readonly record: (changes: ReadonlyArray<Change>) => Effect.Effect<void>
}

/** The capability of a database, if it has one. */
export const capturing = (db: Database): Capturing | undefined =>
  (db as Database & { readonly [Capture]?: Capturing })[Capture]

type Write = Ast.Insert | Ast.Update | Ast.Delete
type Failure = QueryError.QueryError | DatabaseError
type RunReturning = (db: Database, ast: Write, fields: ReadonlyArray<string>, args: Args, decode: DecodeRow) => Effect.Effect<Array<unknown>, Failure>

const raw: DecodeRow = Either.right

const allFields = (table: Table.Any) => table.columns.map((d) => d.field)
const keyFields = (table: Table.Any) => table.primaryKey.map((d) => d.field)

/** The write, returning `fields` (memoized on the node, so a repeated write compiles once). */
const returningAll = (ast: Write, fields: ReadonlyArray<string>): Write =>
  memo(ast, `capture:${fields.join(",")}`, () => ({ ...ast, returning: fields }))

/** MySQL's insert-or-ignore: the rows carry their key; they are read back by it (rows left alone too: harmless). */
const ignoredInsert = (db: Database, insert: Ast.Insert): Effect.Effect<Array<unknown>, Failure> => {
  const table = insert.table
  const pk = table.primaryKey
  return Effect.flatMap(
    Effect.forEach(insertPlan(insert, db.dialect), (chunk) => {
      if (!pk.every((d) => chunk.fields.includes(d))) {
        return Values.unsupported(db.dialect, `replicating an insert-or-ignore into ${table.name} without its primary key`)
      }
      const at = pk.map((d) => chunk.fields.indexOf(d))
      const keys = chunk.values.map((row) => at.map((i) => row[i]))
      return Effect.zipRight(db.run(chunk), fetchByKeys(db, table, allFields(table), pk, keys, raw))
    }),
    (parts) => Effect.succeed(parts.flat())
  )
}

/** Run a write on the target, recording it; `rows` are the driver rows it wrote (deletes: every field asked for). */
const captured = <A>(
  db: Database,
  cap: Capturing,
  ast: Write,
  fields: ReadonlyArray<string>,
  args: Args,
  runReturning: RunReturning,
  done: (rows: Array<Row>) => Either.Either<A, QueryError.ValidationError>
): Effect.Effect<A, Failure> =>
  guard(() => {
    const table = ast.table
    const refused = cap.refuse(table)
    if (refused !== undefined) return Effect.fail(refused)
    const target = cap.target
    if (ast._tag === "Update" && ast.set.some(([f]) => table.primaryKey.some((d) => d.field === f))) {
      return Values.unsupported(target.dialect, `replicating an update of the primary key of ${table.name}`)
    }
    const write = ast._tag === "Insert" && ast.conflict?._tag === "DoNothing" && !target.dialect.returning.insert
      ? ignoredInsert(target, ast)
      : runReturning(target, returningAll(ast, fields), fields, args, raw)
    return db.transaction(Effect.flatMap(write, (written) => {
      const rows = written as Array<Row>
      const change: Change = ast._tag === "Delete"
        ? { _tag: "Delete", table, keys: rows }
        : { _tag: "Upsert", table, rows }
      return Effect.zipRight(rows.length === 0 ? Effect.void : cap.record([change]), done(rows))
    }))
  })

/** The id an insert reports: the generated key of the last row, where the dialect reports ids. */
const lastInsertId = (db: Database, ast: Write, rows: ReadonlyArray<Row>): RunResult["lastInsertId"] => {
  const pk = ast.table.primaryKey
  if (ast._tag !== "Insert" || rows.length === 0 || db.dialect.name === "postgres") return undefined
  if (pk.length !== 1 || !pk[0].autoIncrement) return undefined
  const id = rows[rows.length - 1][pk[0].field]
  return typeof id === "number" || typeof id === "bigint" ? id : id === null || id === undefined ? undefined : Number(id)
}

/** A captured write, for its effect: how many rows it wrote and the generated id. */
export const run = (db: Database, cap: Capturing, ast: Write, args: Args, runReturning: RunReturning) =>
  captured(
    db,
    cap,
    ast,
    ast._tag === "Delete" ? keyFields(ast.table) : allFields(ast.table),
    args,
    runReturning,
    (rows): Either.Either<RunResult, never> => Either.right({ rowsAffected: rows.length, lastInsertId: lastInsertId(cap.target, ast, rows) })
  )

/** A captured write returning `fields` of the rows it wrote (or deleted), decoded. */
export const returning = (
  db: Database,
  cap: Capturing,
  ast: Write,
  fields: ReadonlyArray<string>,
  args: Args,
  runReturning: RunReturning
) => {
  const asked = ast._tag === "Delete"
    ? [...fields, ...keyFields(ast.table).filter((f) => !fields.includes(f))]
    : allFields(ast.table)
  const dialect = cap.target.dialect
  const decodeRows = rowsDecoder(memo(ast, `returning:${dialect.name}`, () => returningDecoder(ast.table, fields, dialect)))
  return captured(db, cap, ast, asked, args, runReturning, (rows) => decodeRows(rows))
}
