/**
 * The `@effect/sql` client of a SQLite layer: the `sql` template runs on the
 * layer's own connections (readers, serialized writer, open transaction).
 *
 * Its statements ignore `@effect/sql`'s module-global `TransactionConnection`
 * (so another client's `withTransaction` never captures them), and its
 * `withTransaction` is the layer's own transaction.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import type * as Reactivity from "@effect/experimental/Reactivity"
import { Chunk, Effect, Stream } from "effect"
import type * as DatabaseError from "../DatabaseError.js"
import { Mode, type Params } from "./sqliteConnection.js"
import type * as Transaction from "./sqliteTransaction.js"
import type { Row } from "../Database.js"

/** What the `@effect/sql` adapter needs. @internal */
export interface Core {
  readonly read: (sql: string, params: Params, mode: Mode) => Effect.Effect<unknown, DatabaseError.DatabaseError>
  readonly stream: (sql: string, params: Params) => Stream.Stream<Row, DatabaseError.DatabaseError>
  readonly transaction: Transaction.Transactions["transaction"]
}

const toSqlError = (error: DatabaseError.DatabaseError): SqlError =>
  new SqlError({ cause: error, message: error.message })

const spanAttributes: ReadonlyArray<readonly [string, unknown]> = [["db.system.name", "sqlite"]]

/** @internal */
export const make = (core: Core): Effect.Effect<SqlClient.SqlClient, never, Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const rows = (sql: string, params: ReadonlyArray<unknown>, mode: Mode) =>
      Effect.mapError(core.read(sql, params, mode), toSqlError)

    const connection: Connection = {
      execute: (sql, params, transformRows) => {
        const effect = rows(sql, params, Mode.All) as Effect.Effect<ReadonlyArray<any>, SqlError>
        return transformRows === undefined ? effect : Effect.map(effect, transformRows)
      },
      executeRaw: (sql, params) => rows(sql, params, Mode.Raw),
      executeValues: (sql, params) =>
        rows(sql, params, Mode.Values) as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>,
      executeUnprepared: (sql, params, transformRows) => {
        const effect = rows(sql, params, Mode.All) as Effect.Effect<ReadonlyArray<any>, SqlError>
        return transformRows === undefined ? effect : Effect.map(effect, transformRows)
      },
      executeStream: (sql, params, transformRows) => {
        const stream = Stream.mapError(core.stream(sql, params), toSqlError)
        return transformRows === undefined ? stream : Stream.mapChunks(
          stream,
          (chunk) => Chunk.unsafeFromArray(transformRows(Chunk.toReadonlyArray(chunk) as ReadonlyArray<object>))
        )
      }
    }

    // Not exclusive: the layer's connections are shared (reads on readers, writes queued).
    const acquirer = Effect.succeed(connection)
    const compiler = Statement.makeCompilerSqlite()
    const base = yield* SqlClient.make({ acquirer, transactionAcquirer: acquirer, compiler, spanAttributes })
    const statement = Statement.make(acquirer, compiler, spanAttributes, undefined)
    const own = { ...statement }
    const client = Object.assign(statement, base, own, {
      withTransaction: <R, E, A>(effect: Effect.Effect<A, E, R>) => core.transaction(effect, toSqlError),
      reserve: acquirer,
      withoutTransforms: () => client
    }) as unknown as SqlClient.SqlClient
    return Object.assign(client, { safe: client })
  })
