/**
 * RETURNING where the dialect has none (MySQL / MariaDB), inside one
 * transaction:
 *
 * - insert: each chunk is inserted, then its rows are selected back by key —
 *   the conflict target of an upsert, the primary key when the rows carry it,
 *   or the auto-increment ids `lastInsertId .. lastInsertId + n - 1`. The last
 *   assumes a multi-row INSERT receives consecutive ids, which holds for
 *   InnoDB with `innodb_autoinc_lock_mode` 0 or 1 (MariaDB's default is 1)
 *   and `auto_increment_increment = 1`.
 * - update: the primary keys of the matching rows are selected `FOR UPDATE`,
 *   the rows are updated by those keys, then selected back.
 * - delete: the matching rows are selected `FOR UPDATE`, then deleted by key.
 */
import { Effect, Either } from "effect"
import type { Database, Row, RunResult } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import * as Codec from "../../schema/Codec.js"
import * as Table from "../../schema/Table.js"
import * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import type * as QueryError from "../QueryError.js"
import { compileSelect } from "./compileSelect.js"
import { compileDelete, compileUpdate, type InsertChunk } from "./compileWrite.js"
import type { DecodeRow } from "./decode.js"
import { insertPlan, memo } from "./plan.js"
import { type Args, bind } from "./bind.js"
import * as Values from "./values.js"

type Key = ReadonlyArray<unknown>
type Failure = QueryError.QueryError | DatabaseError

/** Rows an emulated RETURNING reads back: locked until its transaction ends. */
const exclusive: Ast.Lock = { mode: "update", wait: "wait" }

/** A read-back key value in the same driver form as the values that were bound. */
const normalizer = (dialect: Dialect, def: Table.ColumnDef) => {
  const from = Codec.fromDriver(dialect, def.type.kind)
  const to = Codec.toDriver(dialect, def.type.kind)
  return (raw: unknown): unknown => {
    const encoded = from === undefined ? raw : from(raw)
    return to === undefined ? encoded : to(encoded)
  }
}

const keyString = (key: Key): string =>
  key.map((v) => (v instanceof Uint8Array ? `x${Buffer.from(v).toString("hex")}` : String(v))).join("\u0000")

const column = (table: Table.Any, def: Table.ColumnDef): Ast.Column => ({ _tag: "Column", table: Table.reference(table), def })

/** Rows whose key columns hold one of the keys (driver values, bound as they are). */
const keysPredicate = (table: Table.Any, defs: ReadonlyArray<Table.ColumnDef>, keys: ReadonlyArray<Key>): Ast.Expr => {
  if (defs.length === 1) {
    const strings = ["", " IN (", ...keys.slice(1).map(() => ", "), ")"]
    return { _tag: "Raw", strings, values: [column(table, defs[0]), ...keys.map((k) => Ast.value(k[0]))] }
  }
  return Ast.or(keys.map((key) =>
    Ast.and(defs.map((def, i): Ast.Expr => ({
      _tag: "Raw",
      strings: ["", " = ", ""],
      values: [column(table, def), Ast.value(key[i])]
    })))
  ))
}

const chunked = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const keysPerStatement = (dialect: Dialect, table: Table.Any, defs: ReadonlyArray<Table.ColumnDef>) =>
  Math.max(1, Math.floor((dialect.maxParams - table.columns.length) / defs.length))

const union = (fields: ReadonlyArray<string>, defs: ReadonlyArray<Table.ColumnDef>) => [
  ...fields,
  ...defs.map((d) => d.field).filter((f) => !fields.includes(f))
]

/** Select rows by keys; the decoded rows come back in the order of `keys` (missing ones left out). */
export const fetchByKeys = (
  db: Database,
  table: Table.Any,
  fields: ReadonlyArray<string>,
  defs: ReadonlyArray<Table.ColumnDef>,
  keys: ReadonlyArray<Key>,
  decodeRow: DecodeRow
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> => {
  const normalize = defs.map((d) => normalizer(db.dialect, d))
  return Effect.forEach(chunked(keys, keysPerStatement(db.dialect, table, defs)), (chunk) => {
    const select = { ...Ast.select(table), fields: union(fields, defs), where: keysPredicate(table, defs, chunk) }
    return db.all(compileSelect(db.dialect, select))
  }).pipe(Effect.flatMap((batches): Either.Either<Array<unknown>, QueryError.ValidationError> => {
    const byKey = new Map<string, Row>()
    for (const rows of batches) {
      for (const row of rows) byKey.set(keyString(defs.map((d, i) => normalize[i](row[d.field]))), row)
    }
    const out: Array<unknown> = []
    for (const key of keys) {
      const row = byKey.get(keyString(key))
      if (row === undefined) continue
      const decoded = decodeRow(row)
      if (Either.isLeft(decoded)) return Either.left(decoded.left)
      out.push(decoded.right)
    }
    return Either.right(out)
  }))
}

/** Whether a multi-row INSERT's generated ids are consecutive here (asked on the connection that inserts). */
const consecutiveIds = (db: Database): Effect.Effect<boolean, DatabaseError> => {
  const sql = db.dialect.consecutiveInsertIds
  return sql === undefined
    ? Effect.succeed(true)
    : Effect.map(db.all({ sql, params: [] }), (rows) => Number(rows[0]?.consecutive) === 1)
}

/**
 * Run an insert chunk and tell the ids it generated: from the first one when
 * they are consecutive; otherwise the rows go in one at a time, each telling
 * its own (never a guess that could name another session's row).
 */
const generatedKeys = (
  db: Database,
  insert: Ast.Insert,
  chunk: InsertChunk,
  normalize: (raw: string) => unknown
): Effect.Effect<Array<Key>, DatabaseError> => {
  const idOf = (result: RunResult) => BigInt(result.lastInsertId ?? 0)
  const oneByOne = Effect.forEach(chunk.indexes, (index) =>
    Effect.suspend(() => {
      const [single] = insertPlan({ ...insert, rows: [insert.rows[index]] }, db.dialect)
      return Effect.map(db.run(single), (result): Key => [normalize(String(idOf(result)))])
    }))
  const together = Effect.map(db.run(chunk), (result) => {
    const first = idOf(result)
    return chunk.values.map((_, i): Key => [normalize(String(first + BigInt(i)))])
  })
  return chunk.values.length === 1
    ? together
    : Effect.flatMap(consecutiveIds(db), (consecutive) => (consecutive ? together : oneByOne))
}

/** INSERT ... then SELECT the rows back by key. */
export const emulatedInsert = (
  db: Database,
  insert: Ast.Insert,
  decodeRow: DecodeRow,
  chunks: ReadonlyArray<InsertChunk> = insertPlan(insert, db.dialect)
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> => {
  const dialect = db.dialect
  const table = insert.table
  const fields = insert.returning ?? table.columns.map((d) => d.field)
  if (insert.conflict?._tag === "DoNothing") Values.unsupported(dialect, "RETURNING from an insert that ignores conflicts")
  const pk = table.primaryKey
  const auto = pk.length === 1 && pk[0].autoIncrement ? pk[0] : undefined
  const steps = chunks.map((chunk) => {
    const given = insert.conflict?._tag === "DoUpdate"
      ? insert.conflict.target.map((f) => table.field(f))
      : pk.length > 0 && pk.every((d) => chunk.fields.includes(d))
      ? pk
      : undefined
    if (given !== undefined) {
      const at = given.map((d) => chunk.fields.indexOf(d))
      const keys = chunk.values.map((row) => at.map((i) => row[i]))
      return Effect.zipRight(db.run(chunk), fetchByKeys(db, table, fields, given, keys, decodeRow))
    }
    if (auto === undefined) {
      return Values.unsupported(dialect, `RETURNING from an insert into ${table.name}, which has no key to read rows back by`)
    }
    const normalize = normalizer(dialect, auto)
    return Effect.flatMap(generatedKeys(db, insert, chunk, normalize), (keys) =>
      fetchByKeys(db, table, fields, [auto], keys, decodeRow))
  })
  return db.transaction(Effect.map(Effect.all(steps), (results) => {
    // chunks group rows by the fields they set: put each row back at its input position
    const out = new Array<unknown>(insert.rows.length)
    results.forEach((rows, c) => rows.forEach((row, i) => (out[chunks[c].indexes[i]] = row)))
    return out.filter((row) => row !== undefined)
  }))
}

const requireKey = (dialect: Dialect, table: Table.Any, what: string) => {
  if (table.primaryKey.length === 0) {
    Values.unsupported(dialect, `RETURNING from ${what} on ${table.name}, which has no primary key`)
  }
  return table.primaryKey
}

/** SELECT the keys FOR UPDATE, UPDATE by key, SELECT the rows back. */
export const emulatedUpdate = (
  db: Database,
  update: Ast.Update,
  fields: ReadonlyArray<string>,
  decodeRow: DecodeRow,
  args: Args
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> => {
  const dialect = db.dialect
  const table = update.table
  const pk = requireKey(dialect, table, "an update")
  if (update.set.some(([f]) => pk.some((d) => d.field === f))) {
    Values.unsupported(dialect, "RETURNING from an update that changes the primary key")
  }
  const locate = memo(update, `keys:${dialect.name}`, () =>
    compileSelect(dialect, { ...Ast.select(table), fields: pk.map((d) => d.field), where: update.where, lock: exclusive }))
  const normalize = pk.map((d) => normalizer(dialect, d))
  const located = bind(locate, args)
  return db.transaction(Effect.flatMap(db.all(located), (rows) => {
    if (rows.length === 0) return Effect.succeed([])
    const keys = rows.map((row) => pk.map((d, i) => normalize[i](row[d.field])))
    const updates = chunked(keys, keysPerStatement(dialect, table, pk)).map((chunk) =>
      db.run(bind(compileUpdate(dialect, update, keysPredicate(table, pk, chunk)), args))
    )
    return Effect.zipRight(Effect.all(updates), fetchByKeys(db, table, fields, pk, keys, decodeRow))
  }))
}

/** SELECT the rows FOR UPDATE, then DELETE them by key. */
export const emulatedDelete = (
  db: Database,
  del: Ast.Delete,
  fields: ReadonlyArray<string>,
  decodeRow: DecodeRow,
  args: Args
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> => {
  const dialect = db.dialect
  const table = del.table
  const pk = requireKey(dialect, table, "a delete")
  const locate = memo(del, `rows:${dialect.name}`, () =>
    compileSelect(dialect, { ...Ast.select(table), fields: union(fields, pk), where: del.where, lock: exclusive }))
  const normalize = pk.map((d) => normalizer(dialect, d))
  const located = bind(locate, args)
  return db.transaction(Effect.flatMap(db.all(located), (rows): Effect.Effect<Array<unknown>, Failure> => {
    const out: Array<unknown> = []
    for (const row of rows) {
      const decoded = decodeRow(row)
      if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
      out.push(decoded.right)
    }
    const keys = rows.map((row) => pk.map((d, i) => normalize[i](row[d.field])))
    const deletes = chunked(keys, keysPerStatement(dialect, table, pk)).map((chunk) =>
      db.run(compileDelete(dialect, del, keysPredicate(table, pk, chunk)))
    )
    return Effect.as(Effect.all(deletes), out)
  }))
}
