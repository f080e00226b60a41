/**
 * The SQLite `Database`: connections, routing between the read-only readers
 * and the serialized writer, streams, submissions and the shutdown drain.
 *
 * @internal
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import {
  Chunk,
  Deferred,
  Effect,
  Effectable,
  Exit,
  Fiber,
  identity,
  Option,
  type Schedule,
  type Scope,
  Stream
} from "effect"
import * as Dialect from "../../dialect/Dialect.js"
import type { Completion, Database, Row, RunResult } from "../Database.js"
import type * as DatabaseError from "../DatabaseError.js"
import { classify, connectionError } from "./classifySqlite.js"
import * as SqliteClient from "./sqliteClient.js"
import { type Connection, execute, isRead, Mode, open, type Params, type Prepared } from "./sqliteConnection.js"
import * as Transaction from "./sqliteTransaction.js"
import { StatementJob } from "./sqliteJob.js"
import { Writer } from "./sqliteWriter.js"
import { InTransaction, type KnowsTransaction } from "./inTransaction.js"
import { type CanReadNow, ReadNow } from "./readNow.js"
import { jobTrace } from "./trace.js"

/** A configuration with every default filled in. @internal */
export interface Resolved {
  readonly filename: string
  readonly readers: number
  readonly busyTimeoutMillis: number
  readonly synchronous: "full" | "normal" | "off"
  readonly maxBatch: number
  readonly foreignKeys: boolean
  readonly statementCache: number
  readonly busyRetry: Schedule.Schedule<unknown, unknown>
  readonly onBatch?: ((info: { readonly size: number }) => void) | undefined
}

const STREAM_CHUNK = 256

type Outcome = Effect.Effect<unknown, DatabaseError.DatabaseError>
type Rows = Effect.Effect<ReadonlyArray<Row>, DatabaseError.DatabaseError>

/**
 * A statement as an effect that decides where to run when it runs (reader,
 * writer queue, open transaction): a committable effect is one object,
 * cheaper on the hot paths than a closure wrapped in a primitive.
 */
class Call extends Effectable.Class<unknown, DatabaseError.DatabaseError> {
  constructor(
    private readonly now: (sql: string, params: Params, mode: Mode) => Outcome,
    private readonly sql: string,
    private readonly params: Params,
    private readonly mode: Mode
  ) {
    super()
  }
  commit(): Outcome {
    return this.now(this.sql, this.params, this.mode)
  }
}

const isMemory = (filename: string) => filename === ":memory:" || filename === "" || filename.includes("mode=memory")

const closing = () => Effect.fail(connectionError("database is closing"))

const openFailed = (filename: string) => (cause: unknown) =>
  connectionError(
    `cannot open SQLite database ${JSON.stringify(filename)}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  )

const openWriter = (options: Resolved): { readonly connection: Connection; readonly wal: boolean } => {
  const connection = open(options.filename, {
    readonly: false,
    busyTimeoutMillis: options.busyTimeoutMillis,
    statementCache: options.statementCache
  })
  try {
    const db = connection.db
    // The writer switches the file to WAL first, so that readers never wait behind it.
    const wal = !isMemory(options.filename) &&
      String(db.pragma("journal_mode = WAL", { simple: true })).toLowerCase() === "wal"
    db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`)
    db.pragma(`foreign_keys = ${options.foreignKeys ? "ON" : "OFF"}`)
    // In WAL mode only BEGIN IMMEDIATE can meet another process's lock; it is
    // retried on a schedule (sleeping without blocking the event loop, which
    // SQLite's own busy handler would do).
    if (wal) db.pragma("busy_timeout = 0")
    return { connection, wal }
  } catch (cause) {
    connection.close()
    throw cause
  }
}

const acquire = <A extends { close(): void }>(
  filename: string,
  make: () => A
): Effect.Effect<A, DatabaseError.ConnectionError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({ try: make, catch: openFailed(filename) }),
    (resource) => Effect.sync(() => resource.close())
  )

/** Build the database in the current scope. @internal */
export const make = (options: Resolved): Effect.Effect<Database, DatabaseError.DatabaseError, Scope.Scope> =>
  Effect.gen(function*() {
    const { connection: writerConnection, wal } = (yield* acquire(options.filename, () => {
      const opened = openWriter(options)
      return { ...opened, close: () => opened.connection.close() }
    }))
    const readers: Array<Connection> = []
    if (wal) {
      for (let i = 0; i < options.readers; i++) {
        readers.push(
          yield* acquire(options.filename, () =>
            open(options.filename, {
              readonly: true,
              busyTimeoutMillis: options.busyTimeoutMillis,
              statementCache: options.statementCache
            }))
        )
      }
    }
    // `:memory:`, a file that refused WAL, or `readers: 0`: one connection for everything.
    const single = readers.length === 0

    const writer = new Writer({
      connection: writerConnection,
      maxBatch: options.maxBatch,
      busyRetry: options.busyRetry,
      // With synchronous=FULL every commit waits for the disk: writes wait
      // for each other to share one; otherwise a commit is cheap.
      inline: options.synchronous !== "full",
      onBatch: options.onBatch
    })
    yield* writer.start
    // Registered last, so it runs first: drain every accepted job, then the connections close.
    yield* Effect.addFinalizer(() => writer.shutdown)

    const tx = Transaction.make(writerConnection, writer, () => connectionError("database is closing"))

    // Accepted once offered: interrupting the caller afterwards does not cancel the write.
    const enqueue = (sql: string, params: Params, mode: Mode): Outcome =>
      Effect.async((resume) => {
        const fiber = Fiber.getCurrentFiber()
        const trace = fiber._tag === "Some" ? jobTrace(fiber.value) : undefined
        if (!writer.offer(new StatementJob(sql, params, mode, resume, trace))) resume(closing())
      })

    // The open transaction level of this layer in `fiber` (the FiberRef is read only while one is open).
    const current = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Transaction.TxScope | undefined => {
      if (tx.open() === 0) return undefined
      const scope = fiber.getFiberRef(tx.ref)
      return scope !== undefined && !scope.closed ? scope : undefined
    }

    const writeOutside = (sql: string, params: Params, mode: Mode): Outcome =>
      writer.closing ? closing() : writer.inline(sql, params, mode) ?? enqueue(sql, params, mode)

    const writeNow = (sql: string, params: Params, mode: Mode): Outcome =>
      tx.open() === 0 ? writeOutside(sql, params, mode) : Effect.withFiberRuntime((fiber) => {
        const scope = current(fiber)
        return scope !== undefined ? tx.run(scope, sql, params, mode) : writeOutside(sql, params, mode)
      })

    const write = (sql: string, params: Params, mode: Mode): Outcome =>
      new Call(writeNow, sql, params, mode)

    let next = 0
    // Outside any transaction of this layer: one synchronous better-sqlite3 call on a reader.
    const readOutside = (sql: string, params: Params, mode: Mode): Outcome => {
      if (writer.closing) return closing()
      let connection: Connection
      if (single) {
        // Between BEGIN and COMMIT the connection holds uncommitted work: wait for it.
        if (writer.inBatch) return enqueue(sql, params, mode)
        connection = writerConnection
      } else {
        connection = readers[next]
        next = next + 1 === readers.length ? 0 : next + 1
      }
      let prepared: Prepared
      try {
        prepared = connection.prepare(sql)
      } catch {
        // E.g. a table created by a write still in the queue: the writer runs it in order.
        return enqueue(sql, params, mode)
      }
      if (!prepared.read) return enqueue(sql, params, mode)
      try {
        return Exit.succeed(
          mode === Mode.All ? prepared.stmt.all(params as Array<unknown>) : execute(prepared.stmt, params, mode)
        )
      } catch (cause) {
        return Exit.fail(classify(cause, sql))
      }
    }

    const readNow = (sql: string, params: Params, mode: Mode): Outcome =>
      tx.open() === 0 ? readOutside(sql, params, mode) : Effect.withFiberRuntime((fiber) => {
        const scope = current(fiber)
        return scope !== undefined ? tx.run(scope, sql, params, mode) : readOutside(sql, params, mode)
      })

    // The read hot path allocates one small object per call (see `Call`).
    const read = (sql: string, params: Params, mode: Mode): Outcome =>
      new Call(readNow, sql, params, mode)

    const all = (sql: string, params: Params) => read(sql, params, Mode.All) as Rows

    // A stream iterates on a connection of its own: an open iterator keeps its
    // connection's read snapshot (and blocks writes on it) until it ends.
    const cursor = (sql: string, params: Params) =>
      acquire(options.filename, () => {
        const connection = open(options.filename, {
          readonly: true,
          busyTimeoutMillis: options.busyTimeoutMillis,
          statementCache: 0
        })
        let iterator: IterableIterator<unknown> | undefined
        try {
          const stmt = connection.db.prepare(sql)
          if (isRead(stmt)) iterator = stmt.iterate(params as Array<unknown>)
        } catch {
          // not preparable here (yet): the ordinary path reports or runs it
        }
        return {
          iterator,
          close: () => {
            iterator?.return?.()
            connection.close()
          }
        }
      })

    const pull = (iterator: IterableIterator<unknown>, sql: string) =>
      Effect.suspend(() => {
        const rows: Array<Row> = []
        try {
          for (let i = 0; i < STREAM_CHUNK; i++) {
            const step = iterator.next()
            if (step.done) break
            rows.push(step.value as Row)
          }
        } catch (cause) {
          return Effect.fail(Option.some(classify(cause, sql)))
        }
        return rows.length === 0 ? Effect.fail(Option.none()) : Effect.succeed(Chunk.unsafeFromArray(rows))
      })

    const stream = (sql: string, params: Params): Stream.Stream<Row, DatabaseError.DatabaseError> =>
      Stream.unwrapScoped(Effect.withFiberRuntime<
        Stream.Stream<Row, DatabaseError.DatabaseError>,
        DatabaseError.DatabaseError,
        Scope.Scope
      >((fiber) => {
        const materialize = Effect.map(all(sql, params), (rows) => Stream.fromIterable(rows))
        // Inside a transaction (or on one connection) the connection cannot
        // run other statements while iterating: read the rows at once.
        if (single || current(fiber) !== undefined) return materialize
        if (writer.closing) return closing()
        return Effect.flatMap(
          cursor(sql, params),
          ({ iterator }) =>
            iterator === undefined ? materialize : Effect.succeed(Stream.repeatEffectChunkOption(pull(iterator, sql)))
        )
      }))

    const submit = (sql: string, params: Params) =>
      Effect.withFiberRuntime<Completion<RunResult>, DatabaseError.DatabaseError>((fiber) => {
        const scope = current(fiber)
        if (scope !== undefined) {
          return Effect.map(
            Effect.exit(tx.run(scope, sql, params, Mode.Run) as Effect.Effect<RunResult, DatabaseError.DatabaseError>),
            (exit): Completion<RunResult> => ({ await: exit })
          )
        }
        if (writer.closing) return closing()
        const done = Deferred.unsafeMake<RunResult, DatabaseError.DatabaseError>(fiber.id())
        const complete = (exit: Exit.Exit<unknown, DatabaseError.DatabaseError>) =>
          Deferred.unsafeDone(done, exit as Exit.Exit<RunResult, DatabaseError.DatabaseError>)
        if (!writer.offer(new StatementJob(sql, params, Mode.Run, complete, jobTrace(fiber)))) return closing()
        return Effect.succeed({ await: Deferred.await(done) })
      })

    const core: SqliteClient.Core = { read, stream, transaction: tx.transaction }
    const client = yield* Effect.provideServiceEffect(SqliteClient.make(core), Reactivity.Reactivity, Reactivity.make)

    const database: Database & CanReadNow & KnowsTransaction = {
      [InTransaction]: (fiber) => current(fiber) !== undefined,
      // a read, decided for the fiber asking (its transaction, else a reader) and run now when it can be
      [ReadNow]: (fiber, statement, one) => {
        const scope = current(fiber)
        const mode = one ? Mode.One : Mode.All
        return (scope !== undefined
          ? tx.run(scope, statement.sql, statement.params, mode)
          : readOutside(statement.sql, statement.params, mode)) as Rows
      },
      dialect: Dialect.sqlite,
      all: (statement) => all(statement.sql, statement.params),
      run: (statement) =>
        write(statement.sql, statement.params, Mode.Run) as Effect.Effect<RunResult, DatabaseError.DatabaseError>,
      stream: (statement) => stream(statement.sql, statement.params),
      // SQLite transactions are serializable, which satisfies every requested isolation level.
      transaction: (effect, options) => tx.transaction(effect, identity, options?.foreignKeysOff === true),
      submit: (statement) => submit(statement.sql, statement.params),
      sql: client
    }
    return database
  })
