/** Helpers shared by the query tests. */
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { Database } from "../../src/layers/Database.js"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Query from "../../src/query/Query.js"
import type * as QueryError from "../../src/query/QueryError.js"
import * as Ddl from "../../src/schema/Ddl.js"
import type * as Table from "../../src/schema/Table.js"

export const dialects = [Dialect.sqlite, Dialect.postgres, Dialect.mysql] as const

export type Expected = readonly [sql: string, params: ReadonlyArray<unknown>]

/** The SQL and params of a query on one dialect (fails the test on a compile error). */
export const sqlOf = (query: Query.Any, dialect: Dialect.Dialect): Expected => {
  const compiled = Query.compile(query, dialect)
  if (Either.isLeft(compiled)) throw new Error(`compile failed on ${dialect.name}: ${compiled.left.message}`)
  return [compiled.right.sql, compiled.right.params]
}

/** Golden test: the same query on all three dialects, side by side. */
export const golden = (
  query: Query.Any,
  expected: { readonly sqlite: Expected; readonly postgres: Expected; readonly mysql: Expected }
) => {
  expect({
    sqlite: sqlOf(query, Dialect.sqlite),
    postgres: sqlOf(query, Dialect.postgres),
    mysql: sqlOf(query, Dialect.mysql)
  }).toEqual(expected)
}

/** The compile failure of a query on a dialect. */
export const compileError = (query: Query.Any, dialect: Dialect.Dialect): QueryError.CompileError => {
  const compiled = Query.compile(query, dialect)
  if (Either.isRight(compiled)) throw new Error(`expected a compile failure, got ${compiled.right.sql}`)
  return compiled.left
}

/** Drop and create the tables on the current database. */
export const resetTables = (tables: ReadonlyArray<Table.Any>) =>
  Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))

/** Run raw SQL on the current database. */
export const rawAll = (sql: string, params: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(Database, (db) => db.all({ sql, params }))
