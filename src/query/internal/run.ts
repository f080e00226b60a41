/**
 * Running plans on a `Database`: binding a prepared query's arguments,
 * reading and decoding rows, and writes — chunked inserts in one
 * transaction, and RETURNING emulated inside a transaction where the dialect
 * lacks it.
 */
import { Effect, Either, Exit, type Fiber } from "effect"
import { yieldToEventLoop } from "../../layers/internal/eventLoop.js"
import type { Database, Row, RunResult } from "../../layers/Database.js"
import { allNow } from "../../layers/internal/readNow.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../QueryError.js"
import { compileDelete, compileUpdate, InsertCompilation, type InsertChunk } from "./compileWrite.js"
import * as Capture from "./capture.js"
import { type DecodeRow, rowsDecoder } from "./decode.js"
import { insertPlan, memo, type ReadPlan, returningDecoder } from "./plan.js"
import { type Args, bind, guard } from "./bind.js"
import { type Cacheable, cachedRows, decodeShared, tablesOf } from "./cacheRead.js"
import { emulatedDelete, emulatedInsert, emulatedUpdate } from "./returning.js"

/**
 * Read and decode every row of a plan (made, and its arguments bound, inside
 * the compile-failure guard). Given the running fiber, the read is asked for
 * at once (see `allNow`) and decoded in the same step when it is answered.
 * A `source` whose query asks for caching reads through the query cache.
 */
export const read = (
  db: Database,
  plan: () => ReadPlan,
  args: Args,
  fiber?: Fiber.RuntimeFiber<unknown, unknown>,
  source?: Cacheable,
  tables?: () => ReadonlyArray<string>
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> =>
  guard(() => {
    const p = plan()
    const statement = bind(p.statement, args)
    const policy = source?.cache
    if (policy === undefined) return decodeWith(allNow(db, fiber, statement), p.decodeRows)
    const rows = cachedRows(
      db,
      fiber,
      policy,
      p.statement,
      statement,
      tables ?? (() => tablesOf(source!)),
      () => allNow(db, fiber, statement)
    )
    return decodeWith(rows, decodeShared(p.decodeRows))
  })

/** `Effect.flatMap(rows, decode)`, decoded at once when the rows are already here (an `Exit`). */
export const decodeWith = <A, E>(
  rows: Effect.Effect<ReadonlyArray<Row>, DatabaseError>,
  decode: (rows: ReadonlyArray<Row>) => Either.Either<A, E>
): Effect.Effect<A, E | DatabaseError> => {
  if (!Exit.isExit(rows)) return Effect.flatMap(rows, decode)
  const exit = rows as Exit.Exit<ReadonlyArray<Row>, DatabaseError>
  if (Exit.isFailure(exit)) return exit as Exit.Exit<never, DatabaseError>
  // an Exit is one step of the run loop, an Either two (the loop turns it into an Exit)
  const decoded = decode(exit.value)
  return Either.isRight(decoded) ? Exit.succeed(decoded.right) : Exit.fail(decoded.left)
}

/** The single row of a plan: `NotFound` / `MultipleFound` otherwise. */
export const single = (
  rows: ReadonlyArray<unknown>,
  table: string | undefined,
  sql: string | undefined
): Either.Either<unknown, QueryError.NotFound | QueryError.MultipleFound> =>
  rows.length === 1
    ? Either.right(rows[0])
    : rows.length === 0
    ? Either.left(new QueryError.NotFound({ table, sql }))
    : Either.left(new QueryError.MultipleFound({ table, sql }))

/** Rows encoded between two turns of the event loop when a large insert is compiled. */
const ENCODE_STEP = 2048

/**
 * Compile an insert, then continue with its statements. Every row is
 * validated and encoded before any SQL runs; a large insert is encoded
 * `ENCODE_STEP` rows at a time, with a turn of the event loop between steps.
 */
const withInsertChunks = <A, E>(
  insert: Ast.Insert,
  dialect: Dialect,
  f: (chunks: ReadonlyArray<InsertChunk>) => Effect.Effect<A, E>
): Effect.Effect<A, E | QueryError.CompileError> => {
  if (insert.rows.length <= ENCODE_STEP) return f(insertPlan(insert, dialect))
  const compilation = new InsertCompilation(dialect, insert)
  const encode: Effect.Effect<ReadonlyArray<InsertChunk>, QueryError.CompileError> = Effect.suspend(() =>
    guard(() =>
      compilation.encode(ENCODE_STEP)
        ? Effect.zipRight(yieldToEventLoop, encode)
        : Effect.succeed(compilation.chunks())
    )
  )
  return Effect.flatMap(encode, f)
}

/**
 * Run the chunks of a large insert with a turn of the event loop between
 * them: a synchronous driver would otherwise hold the loop for the whole
 * insert (timers, I/O and other fibers wait), not one chunk at a time.
 */
const betweenChunks = <C, A, E>(run: (chunk: C) => Effect.Effect<A, E>) => (chunk: C, i: number): Effect.Effect<A, E> =>
  i === 0 ? run(chunk) : Effect.zipRight(yieldToEventLoop, run(chunk))

const sum = (results: ReadonlyArray<RunResult>): RunResult => {
  let rowsAffected = 0
  for (const r of results) rowsAffected += r.rowsAffected
  return { rowsAffected, lastInsertId: results.length > 0 ? results[results.length - 1].lastInsertId : undefined }
}

/** Run a write for its effect. */
export const runWrite = (
  db: Database,
  ast: Ast.Insert | Ast.Update | Ast.Delete,
  args: Args
): Effect.Effect<RunResult, QueryError.QueryError | DatabaseError> => {
  const capture = Capture.capturing(db)
  if (capture !== undefined) return Capture.run(db, capture, ast, args, runReturning)
  return guard(() => {
    const dialect = db.dialect
    switch (ast._tag) {
      case "Insert":
        return withInsertChunks(ast, dialect, (chunks) => {
          if (chunks.length === 0) return Effect.succeed(sum([]))
          if (chunks.length === 1) return db.run(chunks[0])
          return db.transaction(Effect.map(Effect.forEach(chunks, betweenChunks((c) => db.run(c))), sum))
        })
      case "Update":
        return db.run(bind(memo(ast, dialect.name, () => compileUpdate(dialect, ast)), args))
      case "Delete":
        return db.run(bind(memo(ast, dialect.name, () => compileDelete(dialect, ast)), args))
    }
  })
}

/** Run a write and return the rows it wrote (or deleted), decoded by `decode` (default: the fields' schemas). */
export const runReturning = (
  db: Database,
  ast: Ast.Insert | Ast.Update | Ast.Delete,
  fields: ReadonlyArray<string>,
  args: Args,
  decode?: DecodeRow
): Effect.Effect<Array<unknown>, QueryError.QueryError | DatabaseError> => {
  const capture = Capture.capturing(db)
  if (capture !== undefined) return Capture.returning(db, capture, ast, fields, args, runReturning)
  return guard(() => {
    const dialect = db.dialect
    const decodeRow = decode ?? memo(ast, `returning:${dialect.name}`, () => returningDecoder(ast.table, fields, dialect))
    const decodeRows = rowsDecoder(decodeRow)
    switch (ast._tag) {
      case "Insert":
        return withInsertChunks(ast, dialect, (chunks) => {
          if (!dialect.returning.insert) return emulatedInsert(db, ast, decodeRow, chunks)
          // an insert-or-ignore returns only the rows it inserted: their positions are unknown
          const positional = ast.conflict?._tag !== "DoNothing"
          const runAll = Effect.forEach(chunks, betweenChunks((c) => Effect.flatMap(db.all(c), decodeRows)))
          return (chunks.length === 1 ? runAll : db.transaction(runAll)).pipe(
            Effect.map((results) => {
              if (!positional) return results.flat()
              const out = new Array<unknown>(ast.rows.length)
              results.forEach((rows, c) => rows.forEach((row, i) => (out[chunks[c].indexes[i]] = row)))
              return out
            })
          )
        })
      case "Update":
        return dialect.returning.update
          ? Effect.flatMap(db.all(bind(memo(ast, dialect.name, () => compileUpdate(dialect, ast)), args)), decodeRows)
          : emulatedUpdate(db, ast, fields, decodeRow, args)
      case "Delete":
        return dialect.returning.delete
          ? Effect.flatMap(db.all(bind(memo(ast, dialect.name, () => compileDelete(dialect, ast)), args)), decodeRows)
          : emulatedDelete(db, ast, fields, decodeRow, args)
    }
  })
}
