/**
 * Many-to-many links: adding, removing and replacing the join table's rows
 * of one source row. Each runs in one transaction; key lists are chunked
 * under the dialect's bind limit.
 */
import { Effect } from "effect"
import * as Database from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import * as Expr from "../../query/Expr.js"
import * as Query from "../../query/Query.js"
import * as QueryError from "../../query/QueryError.js"
import { keyOf, keyValue, type Link, type Through } from "./relationDef.js"

type Failure = QueryError.QueryError | DatabaseError

const throughOf = (link: Link): Through => {
  if (link.through === undefined) throw new Error(`Relation ${link.source.name}.${link.name} is not many-to-many`)
  return link.through
}

const sourceKey = (link: Link, row: Record<string, unknown>): Effect.Effect<unknown, QueryError.ValidationError> => {
  const key = keyValue(row[link.sourceField])
  return key === null
    ? Effect.fail(
      new QueryError.ValidationError({ table: link.source.name, column: link.sourceField, reason: "the row has no key", cause: undefined })
    )
    : Effect.succeed(key)
}

/** Distinct target keys: of target rows, or keys as given. */
const targetKeys = (through: Through, targets: Iterable<unknown>): Array<unknown> => {
  const out = new Map<unknown, unknown>()
  for (const t of targets) {
    const isRow = typeof t === "object" && t !== null && !(t instanceof Date) && through.targetField in t
    const key = keyValue(isRow ? (t as Record<string, unknown>)[through.targetField] : t)
    if (key !== null) out.set(keyOf(key), key)
  }
  return Array.from(out.values())
}

const chunked = <A>(keys: ReadonlyArray<unknown>, size: number, f: (chunk: ReadonlyArray<unknown>) => Effect.Effect<A, Failure, Database.Database>) =>
  Effect.flatMap(Database.Database, (db) => {
    const n = Math.max(1, Math.min(size, db.dialect.maxParams - 1))
    const chunks: Array<ReadonlyArray<unknown>> = []
    for (let i = 0; i < keys.length; i += n) chunks.push(keys.slice(i, i + n))
    return Effect.forEach(chunks, f)
  })

const col = (table: Table.Any, field: string): Expr.Expr<any> => (table.c as Record<string, Expr.Expr<any>>)[field]

/** The join table's target keys matching a condition. */
const targetsOf = (through: Through, condition: Expr.Predicate): Query.Select<Record<string, unknown>, any, []> =>
  Query.only(through.to)(Query.from(through.table).pipe(Query.where(condition)) as Query.Select<any, any, []>)

/** Which of `among` the source row is linked to (as `keyOf` keys). */
const linked = (through: Through, source: unknown, among: ReadonlyArray<unknown>) =>
  Effect.map(
    chunked(among, Infinity, (chunk) =>
      Query.all(targetsOf(
        through,
        Expr.and(Expr.eq(col(through.table, through.from), source), Expr.in(col(through.table, through.to), chunk))
      ))),
    (parts) => new Set(parts.flat().map((r) => keyOf(keyValue(r[through.to]))))
  )

const insertLinks = (through: Through, source: unknown, keys: ReadonlyArray<unknown>, extra: object | undefined) =>
  keys.length === 0
    ? Effect.void
    : Query.run(
      Query.insertOrIgnore(through.table, keys.map((k) => ({ ...extra, [through.from]: source, [through.to]: k })) as any)
    )

const deleteLinks = (through: Through, source: unknown, keys: ReadonlyArray<unknown>) =>
  Effect.map(
    chunked(keys, Infinity, (chunk) =>
      Query.run(
        Query.delete(through.table).pipe(
          Query.where(Expr.and(Expr.eq(col(through.table, through.from), source), Expr.in(col(through.table, through.to), chunk)))
        )
      )),
    (results) => results.reduce((n, r) => n + r.rowsAffected, 0)
  )

/** Link the source row to targets not linked yet; how many links were added. */
export const add = (link: Link, row: Record<string, unknown>, targets: Iterable<unknown>, extra: object | undefined) => {
  const through = throughOf(link)
  const keys = targetKeys(through, targets)
  return Effect.flatMap(sourceKey(link, row), (source) =>
    keys.length === 0 ? Effect.succeed(0) : Database.transaction(
      Effect.gen(function*() {
        const existing = yield* linked(through, source, keys)
        const missing = keys.filter((k) => !existing.has(keyOf(k)))
        yield* insertLinks(through, source, missing, extra)
        return missing.length
      })
    ))
}

/** Unlink the source row from targets; how many links were removed. */
export const remove = (link: Link, row: Record<string, unknown>, targets: Iterable<unknown>) => {
  const through = throughOf(link)
  const keys = targetKeys(through, targets)
  return Effect.flatMap(sourceKey(link, row), (source) =>
    keys.length === 0 ? Effect.succeed(0) : Database.transaction(deleteLinks(through, source, keys)))
}

/** Make the targets exactly these: unlink the others, link the missing. */
export const set = (link: Link, row: Record<string, unknown>, targets: Iterable<unknown>, extra: object | undefined) => {
  const through = throughOf(link)
  const keys = targetKeys(through, targets)
  const wanted = new Set(keys.map(keyOf))
  return Effect.flatMap(sourceKey(link, row), (source) =>
    Database.transaction(
      Effect.gen(function*() {
        const current = yield* Effect.map(
          Query.all(targetsOf(through, Expr.eq(col(through.table, through.from), source))),
          (rs) => rs.map((r) => keyValue(r[through.to]))
        )
        const present = new Set(current.map(keyOf))
        const removed = yield* deleteLinks(through, source, current.filter((k) => !wanted.has(keyOf(k))))
        const missing = keys.filter((k) => !present.has(keyOf(k)))
        yield* insertLinks(through, source, missing, extra)
        return { added: missing.length, removed }
      })
    ))
}
