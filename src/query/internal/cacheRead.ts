/**
 * Where execution meets the query cache: reads of queries that ask for
 * caching go through the `QueryCache` service provided for their database
 * (outside transactions), and writes tell it which table they changed once
 * their transaction commits. With no service provided both cost one lookup
 * in the fiber's context.
 */
import { Effect, type Either, type Fiber } from "effect"
import * as Database from "../../layers/Database.js"
import { inTransaction } from "../../layers/internal/inTransaction.js"
import type * as Ast from "../Ast.js"
import { QueryCache } from "./cache.js"
import { memoized } from "./memo.js"
import { rawTables, readTables } from "./readTables.js"

type Running = Fiber.RuntimeFiber<unknown, unknown>
type Rows = ReadonlyArray<Database.Row>

/** A statement node that may ask for caching. */
export type Cacheable = Ast.Select | Ast.Compound | Ast.RawQuery

/** The cache service of `db` in the fiber's context, if one is provided. */
const cacheOf = (db: Database.Database, fiber: Running): QueryCache | undefined => {
  const cache = fiber.currentContext.unsafeMap.get(QueryCache.key) as QueryCache | undefined
  return cache !== undefined && cache.database === db ? cache : undefined
}

const note = (fiber: Running, outcome: string): void => {
  const span = fiber.currentSpan
  if (span !== undefined && span._tag === "Span") span.attribute("quarry.cache", outcome)
}

/** One parameter in a key; strings carry their length, so no text can pass for two parameters. */
const paramKey = (p: unknown): string => {
  switch (typeof p) {
    case "string":
      return `s${p.length}:${p}`
    case "number":
      return `n${p}`
    case "bigint":
      return `i${p}`
    case "boolean":
      return p ? "t" : "f"
    case "undefined":
      return "u"
    default:
      if (p === null) return "z"
      if (p instanceof Date) return `d${p.getTime()}`
      if (p instanceof Uint8Array) return `b${Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("base64")}`
      return `j${JSON.stringify(p, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`
  }
}

/** The dialect-and-SQL part of keys, once per compiled statement (a prepared query's is computed once). */
const statements = new WeakMap<object, string>()

/**
 * The statement part of a cache key: dialect and SQL text. `compiled` is the
 * statement before its arguments were bound (the same object for every call
 * of a prepared query): its key is kept, and so is the key's hash.
 */
export const statementKey = (dialect: string, compiled: object, sql: string): string => {
  let key = statements.get(compiled)
  if (key === undefined) {
    key = `${dialect}\u0000${sql.length}:${sql}`
    statements.set(compiled, key)
  }
  return key
}

/** The parameters part of a cache key: a lone number as it is (the cheapest lookup), else tagged and joined. */
export const paramsKey = (params: ReadonlyArray<unknown>): string | number => {
  if (params.length === 1 && typeof params[0] === "number" && !Object.is(params[0], -0)) return params[0]
  let key = ""
  for (let i = 0; i < params.length; i++) key += `\u0000${paramKey(params[i])}`
  return key
}

const tableMemo = memoized<object, ReadonlyArray<string>>()

/** The tables a statement node reads, and the tags of its cache policy. */
export const tablesOf = (node: Cacheable): ReadonlyArray<string> =>
  tableMemo(node, "tables", () => {
    const read = node._tag === "RawQuery" ? rawTables(node) : readTables(node)
    return Array.from(new Set([...read, ...(node.cache?.tags ?? [])]))
  })

/**
 * The rows of a statement: through the query cache when one is provided for
 * `db` and the fiber is outside any transaction (whose reads must see its
 * own writes), else read by `load` as they are.
 */
export const cachedRows = <E>(
  db: Database.Database,
  fiber: Running | undefined,
  policy: Ast.CachePolicy,
  compiled: object,
  statement: Database.Statement,
  tables: () => ReadonlyArray<string>,
  load: () => Effect.Effect<Rows, E>
): Effect.Effect<Rows, E> => {
  if (fiber === undefined) {
    return Effect.withFiberRuntime((f) => cachedRows(db, f as Running, policy, compiled, statement, tables, load))
  }
  const cache = cacheOf(db, fiber)
  if (cache === undefined) return load()
  if (inTransaction(db, fiber)) {
    note(fiber, "bypass")
    return load()
  }
  return cache.rows({
    statement: statementKey(db.dialect.name, compiled, statement.sql),
    params: paramsKey(statement.params),
    tables,
    ttl: policy.ttl,
    fiber
  }, Effect.suspend(load))
}

/** The last decoding of each stored rows array: a hit decodes nothing when the same decoder asks again. */
const decoded = new WeakMap<Rows, { readonly decode: unknown; readonly result: unknown }>()

type Decode = (rows: Rows) => Either.Either<unknown, unknown>
const sharing = new WeakMap<Decode, Decode>()

/**
 * `decode`, remembered per rows array: cached rows are shared, so the values
 * decoded from them are too (they are read-only). One wrapper per decoder.
 */
export const decodeShared = <A, E>(decode: (rows: Rows) => Either.Either<A, E>): (rows: Rows) => Either.Either<A, E> => {
  let shared = sharing.get(decode)
  if (shared === undefined) {
    shared = (rows) => {
      const last = decoded.get(rows)
      if (last !== undefined && last.decode === decode) return last.result as Either.Either<A, E>
      const result = decode(rows)
      decoded.set(rows, { decode, result })
      return result
    }
    sharing.set(decode, shared)
  }
  return shared as (rows: Rows) => Either.Either<A, E>
}

/**
 * A write that tells the query cache of `db` (if any) that `table` changed:
 * once the outermost transaction commits, or at once outside one. Told
 * whatever the outcome (an error may follow a write that was applied); a
 * rolled-back transaction drops it.
 */
export const written = <A, E>(
  db: Database.Database,
  fiber: Running | undefined,
  table: string,
  effect: Effect.Effect<A, E>
): Effect.Effect<A, E> => {
  if (fiber === undefined) return Effect.withFiberRuntime((f) => written(db, f as Running, table, effect))
  const cache = cacheOf(db, fiber)
  if (cache === undefined) return effect
  return Effect.onExit(effect, () => Database.afterCommit(cache.invalidate([table])))
}
