/**
 * Execution of query values on a database, with or without a prepared
 * query's arguments; shared by `Query` and `Prepared`.
 */
import { Chunk, Effect, Either, type Fiber, Option, Stream } from "effect"
import type { Database, Row, RunResult, Statement } from "../../layers/Database.js"
import { allNow } from "../../layers/internal/readNow.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as Ast from "../Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../QueryError.js"
import { type Args, bind, guard } from "./bind.js"
import type { Compiled } from "./compileSelect.js"
import { compileDelete, compileUpdate } from "./compileWrite.js"
import { aggregatePlan, compoundPlan, countPlan, insertPlan, isPlain, rawPlan, type ReadMode, type ReadPlan, selectPlan } from "./plan.js"
import { decodeWith, read, runReturning, runWrite, single } from "./run.js"
import { cachedRows, decodeShared, tablesOf, written } from "./cacheRead.js"
import * as Values from "./values.js"

type Failure = QueryError.QueryError | DatabaseError
/** The fiber running the query, when the caller has it: reads are then asked for at once. */
type Running = Fiber.RuntimeFiber<unknown, unknown>
type Readable = { readonly _tag: "Select" | "Returning" | "Raw" | "Compound"; readonly ast: Ast.Statement }

/** Every row of a readable query. */
export const all = (db: Database, self: Readable, args: Args, fiber?: Running): Effect.Effect<Array<unknown>, Failure> => {
  const ast = self.ast
  switch (ast._tag) {
    case "Select":
      return read(db, () => selectPlan(ast, "all", db.dialect), args, fiber, ast)
    case "RawQuery":
      return read(db, () => rawPlan(ast, db.dialect), args, fiber, ast)
    case "Compound":
      return read(db, () => compoundPlan(ast, db.dialect), args, fiber, ast)
    case "Insert":
    case "Update":
    case "Delete":
      return written(db, fiber, ast.table.name, runReturning(db, ast, ast.returning!, args))
  }
}

const selectIn = (db: Database, select: Ast.Select, mode: ReadMode, args: Args, fiber: Running | undefined) =>
  read(db, () => selectPlan(select, mode, db.dialect), args, fiber, select)

const singleDecoders = new WeakMap<ReadPlan, (rows: ReadonlyArray<Row>) => Either.Either<unknown, QueryError.QueryError>>()

/** The decoder of a plan's one row (`NotFound` / `MultipleFound` otherwise), one per plan. */
const singleDecoder = (plan: ReadPlan) => {
  let decode = singleDecoders.get(plan)
  if (decode === undefined) {
    decode = (rows) => rows.length === 1 ? plan.decodeRow(rows[0]) : single(rows, plan.table, plan.statement.sql)
    singleDecoders.set(plan, decode)
  }
  return decode
}

/** The one row of a query. */
export const get = (db: Database, self: Readable, args: Args, fiber?: Running): Effect.Effect<unknown, Failure> => {
  const ast = self.ast
  if (ast._tag === "Select" && ast.cache !== undefined) {
    // a hit: the key (the plan's part of it kept), one lookup, the row decoded once per stored rows
    const policy = ast.cache
    return guard(() => {
      const plan = selectPlan(ast, "get", db.dialect)
      const statement = bind(plan.statement, args)
      const rows = cachedRows(db, fiber, policy, plan.statement, statement, () => tablesOf(ast), () => allNow(db, fiber, statement))
      return decodeWith(rows, decodeShared(singleDecoder(plan)))
    })
  }
  if (ast._tag === "Select") {
    // the hot path (a prepared get by key): read at once where the database can, and only the single row is decoded
    return guard(() => {
      const plan = selectPlan(ast, "get", db.dialect)
      return decodeWith(allNow(db, fiber, bind(plan.statement, args), plan.oneRow), singleDecoder(plan))
    })
  }
  const table = ast._tag === "RawQuery" ? undefined : ast._tag === "Compound" ? ast.members[0].from.name : ast.table.name
  return Effect.flatMap(all(db, self, args, fiber), (rows) => single(rows, table, undefined))
}

/** The first row (by the query's order, else the primary key). */
export const first = (db: Database, select: Ast.Select, args: Args, fiber?: Running): Effect.Effect<Option.Option<unknown>, Failure> =>
  Effect.map(selectIn(db, select, "first", args, fiber), (rows) => Option.fromNullable(rows[0]))

/** The last row (by the query's order reversed, else the primary key descending). */
export const last = (db: Database, select: Ast.Select, args: Args, fiber?: Running): Effect.Effect<Option.Option<unknown>, Failure> =>
  Effect.map(selectIn(db, select, "last", args, fiber), (rows) => Option.fromNullable(rows[rows.length - 1]))

/** The number of rows. */
export const count = (db: Database, select: Ast.Select, args: Args, fiber?: Running): Effect.Effect<number, Failure> =>
  Effect.map(read(db, () => countPlan(select, db.dialect), args, fiber, select), (rows) => (rows[0] as { count: number }).count)

/** Whether there is any row. */
export const exists = (db: Database, select: Ast.Select, args: Args, fiber?: Running): Effect.Effect<boolean, Failure> =>
  isPlain(select)
    ? Effect.map(selectIn(db, select, "exists", args, fiber), (rows) => rows.length > 0)
    : Effect.map(count(db, select, args, fiber), (n) => n > 0)

/** Aggregates over the rows, as one record. */
export const aggregate = (
  db: Database,
  select: Ast.Select,
  fields: ReadonlyArray<readonly [string, Ast.Expr]>,
  args: Args,
  fiber?: Running
): Effect.Effect<unknown, Failure> =>
  Effect.map(
    read(db, () => aggregatePlan(select, fields, db.dialect), args, fiber, select, () => tablesOf({ ...select, projection: fields })),
    (rows) => rows[0]
  )

/** The rows as a stream, decoded chunk by chunk, in constant memory. */
export const stream = (db: Database, self: Readable, args: Args): Stream.Stream<unknown, Failure> => {
  try {
    const ast = self.ast
    const plan = ast._tag === "Select"
      ? selectPlan(ast, "all", db.dialect)
      : ast._tag === "RawQuery"
      ? rawPlan(ast, db.dialect)
      : ast._tag === "Compound"
      ? compoundPlan(ast, db.dialect)
      : Values.unsupported(db.dialect, "streaming the rows of a write")
    // decoded a chunk at a time: a per-row effect costs more than the decoding itself
    return Stream.mapChunksEffect(
      db.stream(bind(plan.statement, args)),
      (chunk) => Either.map(plan.decodeRows(Chunk.toReadonlyArray(chunk)), Chunk.unsafeFromArray)
    )
  } catch (e) {
    if (e instanceof Values.Fail) return Stream.fail(e.error)
    throw e
  }
}

/** Run a write. */
export const run = (
  db: Database,
  self: { readonly ast: Ast.Insert | Ast.Update | Ast.Delete },
  args: Args,
  fiber?: Running
): Effect.Effect<RunResult, Failure> => written(db, fiber, self.ast.table.name, runWrite(db, self.ast, args))

/** The main statement of a query, for inspection. */
export const compile = (ast: Ast.Statement, dialect: Dialect): Either.Either<Statement, QueryError.CompileError> =>
  Either.map(compiled(ast, dialect), (c) => ({ sql: c.sql, params: c.params }))

const compiled = (ast: Ast.Statement, dialect: Dialect): Either.Either<Compiled, QueryError.CompileError> => {
  try {
    switch (ast._tag) {
      case "Select":
        return Either.right(selectPlan(ast, "all", dialect).statement)
      case "RawQuery":
        return Either.right(rawPlan(ast, dialect).statement)
      case "Compound":
        return Either.right(compoundPlan(ast, dialect).statement)
      case "Insert":
        return Either.right(insertPlan(ast, dialect)[0] ?? { sql: "", params: [], slots: [] })
      case "Update":
        return Either.right(compileUpdate(dialect, ast))
      case "Delete":
        return Either.right(compileDelete(dialect, ast))
    }
  } catch (e) {
    if (e instanceof Values.Fail) return Either.left(e.error)
    throw e
  }
}

/** Every statement an insert runs (one per chunk), for inspection. */
export const compileAll = (
  ast: Ast.Statement,
  dialect: Dialect
): Either.Either<ReadonlyArray<Statement>, QueryError.CompileError> => {
  if (ast._tag !== "Insert") return Either.map(compile(ast, dialect), (s) => [s])
  try {
    return Either.right(insertPlan(ast, dialect).map((c) => ({ sql: c.sql, params: c.params })))
  } catch (e) {
    if (e instanceof Values.Fail) return Either.left(e.error)
    throw e
  }
}
