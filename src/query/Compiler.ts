/**
 * Queries to SQL for a dialect, for inspection: one compiler walks the AST;
 * the dialect record supplies placeholders, quoting and capabilities.
 * Compiling fails (typed) when a value does not encode or the dialect lacks a
 * feature the query needs. Re-exported by `Query`.
 *
 * @example
 * ```ts
 * import { Dialect, Query } from "effect-quarry"
 *
 * Query.compile(Query.from(Users).pipe(Query.where({ id: 1 })), Dialect.postgres)
 * // Either.right({ sql: 'SELECT "id", "name", "age" FROM "users" WHERE "id" = $1', params: [1] })
 * ```
 *
 * @since 0.1.0
 */
import { type Either, Function } from "effect"
import type { Statement } from "../layers/Database.js"
import type * as Ast from "./Ast.js"
import type { Dialect } from "../dialect/Dialect.js"
import * as internal from "./internal/execute.js"
import type * as Typed from "./Typed.js"
import type * as QueryError from "./QueryError.js"

/**
 * The SQL and bound parameters of a query's main statement (the first chunk
 * of a large insert), without running it. A prepared query's parameters
 * appear as their `Param` nodes.
 *
 * @since 0.1.0
 * @category compiling
 */
export const compile: {
  (dialect: Dialect): (self: Typed.Any) => Either.Either<Statement, QueryError.CompileError>
  (self: Typed.Any, dialect: Dialect): Either.Either<Statement, QueryError.CompileError>
} = Function.dual(
  2,
  (self: Typed.Any, dialect: Dialect): Either.Either<Statement, QueryError.CompileError> =>
    internal.compile(self.ast as Ast.Statement, dialect)
)

/**
 * Every statement a query runs (one per chunk of a large insert).
 *
 * @since 0.1.0
 * @category compiling
 */
export const compileAll: {
  (dialect: Dialect): (self: Typed.Any) => Either.Either<ReadonlyArray<Statement>, QueryError.CompileError>
  (self: Typed.Any, dialect: Dialect): Either.Either<ReadonlyArray<Statement>, QueryError.CompileError>
} = Function.dual(
  2,
  (self: Typed.Any, dialect: Dialect): Either.Either<ReadonlyArray<Statement>, QueryError.CompileError> =>
    internal.compileAll(self.ast as Ast.Statement, dialect)
)
