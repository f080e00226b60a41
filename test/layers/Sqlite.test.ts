import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import SqliteDriver from "better-sqlite3"
import { Config, ConfigProvider, Context, Deferred, Effect, Either, Exit, Fiber, Layer, Schedule, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Database } from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import { tempDbFile } from "../support/tempDir.js"

const tmpFile = tempDbFile

const open = (name: string, config?: Omit<Sqlite.SqliteConfig, "filename">) =>
  Sqlite.make({ filename: tmpFile(name), ...config })

const count = (db: Database, table: string) =>
  Effect.map(db.all({ sql: `SELECT count(*) AS n FROM "${table}"`, params: [] }), (rows) => rows[0].n)

const insertItem = (db: Database, name: string) => db.run({ sql: "INSERT INTO items (name) VALUES (?)", params: [name] })

const names = (db: Database) =>
  Effect.map(db.all({ sql: "SELECT name FROM items ORDER BY name", params: [] }), (rows) => rows.map((r) => r.name))

const withItems = (db: Database) =>
  Effect.as(db.run({ sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)", params: [] }), db)

const failure = <A>(effect: Effect.Effect<A, DatabaseError>) =>
  Effect.flatMap(Effect.either(effect), (either) =>
    Either.isLeft(either) ? Effect.succeed(either.left) : Effect.dieMessage(`expected a failure, got ${String(either.right)}`))

describe("Sqlite", () => {
  it.scopedLive("runs, reads, streams and answers the sql template on one file", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(open("basic"), withItems)
      const result = yield* insertItem(db, "a")
      expect(result).toEqual({ rowsAffected: 1, lastInsertId: 1 })
      expect(yield* db.all({ sql: "SELECT id, name FROM items", params: [] })).toEqual([{ id: 1, name: "a" }])

      const returned = yield* db.all({ sql: "INSERT INTO items (name) VALUES (?) RETURNING id", params: ["b"] })
      expect(returned).toEqual([{ id: 2 }])

      yield* db.transaction(Effect.forEach(Array.from({ length: 998 }, (_, i) => `n${i}`), (n) => insertItem(db, n)))
      const streamed = yield* Stream.runCollect(db.stream({ sql: "SELECT id FROM items ORDER BY id", params: [] }))
      expect(streamed.length).toBe(1000)

      const sql = db.sql
      yield* sql`INSERT INTO items ${sql.insert({ name: "from-sql" })}`
      const viaSql = yield* sql<{ id: number }>`SELECT id FROM items WHERE name = ${"from-sql"}`
      expect(viaSql).toEqual([{ id: 1001 }])
      const viaSqlStream = yield* Stream.runCollect(sql`SELECT id FROM items WHERE id <= ${3}`.stream)
      expect(viaSqlStream.length).toBe(3)
      expect(yield* count(db, "items")).toBe(1001)
    }))

  it.scopedLive("the layer provides Database and the SqlClient of the same database", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Sqlite.layer({ filename: tmpFile("layer") }))
      const db = Context.get(context, Database)
      const sql = Context.get(context, SqlClient.SqlClient)
      yield* withItems(db)
      yield* sql.withTransaction(sql`INSERT INTO items (name) VALUES (${"x"})`)
      expect(yield* names(db)).toEqual(["x"])
    }))

  it.scopedLive("layerConfig reads its configuration from a ConfigProvider", () =>
    Effect.gen(function*() {
      const filename = tmpFile("config")
      const layer = Sqlite.layerConfig({ filename: Config.string("FILE"), readers: Config.integer("READERS") }).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["FILE", filename], ["READERS", "1"]]))))
      )
      const db = Context.get(yield* Layer.build(layer), Database)
      yield* withItems(db)
      yield* insertItem(db, "configured")
      expect(yield* names(db)).toEqual(["configured"])
      expect(fs.existsSync(filename)).toBe(true)

      const missing = Sqlite.layerConfig({ filename: Config.string("NOT_SET") }).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
      )
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(missing)))
      expect(Exit.isFailure(exit)).toBe(true)
    }))

  it.scopedLive("a read during an open transaction neither waits for it nor sees its writes", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(open("isolation"), withItems)
      const written = yield* Deferred.make<void>()
      const finish = yield* Deferred.make<void>()
      const transaction = yield* Effect.fork(db.transaction(Effect.gen(function*() {
        yield* insertItem(db, "uncommitted")
        // inside the transaction its own reads see its writes
        expect(yield* count(db, "items")).toBe(1)
        yield* Deferred.succeed(written, undefined)
        yield* Deferred.await(finish)
      })))
      yield* Deferred.await(written)
      // the transaction is still open (it waits for `finish`): this read must not wait for it
      expect(yield* count(db, "items")).toBe(0)
      expect(yield* Stream.runCollect(db.stream({ sql: "SELECT * FROM items", params: [] }))).toHaveLength(0)
      yield* Deferred.succeed(finish, undefined)
      yield* Fiber.join(transaction)
      expect(yield* names(db)).toEqual(["uncommitted"])
    }))

  it.scopedLive("a read submitted right after an unawaited DDL write runs after it", () =>
    Effect.gen(function*() {
      const db = yield* open("order")
      yield* db.submit({ sql: "CREATE TABLE later (x INTEGER)", params: [] })
      yield* db.submit({ sql: "INSERT INTO later VALUES (1)", params: [] })
      expect(yield* db.all({ sql: "SELECT x FROM later", params: [] })).toEqual([{ x: 1 }])
    }))

  it.scopedLive(":memory: works on a single connection", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(Sqlite.make({ filename: ":memory:" }), withItems)
      yield* Effect.forEach(["a", "b", "c"], (n) => insertItem(db, n), { concurrency: "unbounded" })
      yield* db.transaction(Effect.gen(function*() {
        yield* insertItem(db, "d")
        expect(yield* Stream.runCollect(db.stream({ sql: "SELECT name FROM items", params: [] }))).toHaveLength(4)
      }))
      expect(yield* names(db)).toEqual(["a", "b", "c", "d"])
    }))

  describe("classified errors", () => {
    const schema = [
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER,",
      " CONSTRAINT age_positive CHECK (age > 0))"
    ].join("")
    const insertUser = (db: Database, id: number, email: string | null, age = 30) =>
      db.run({ sql: "INSERT INTO users (id, email, age) VALUES (?, ?, ?)", params: [id, email, age] })

    it.scopedLive("constraint violations carry table, column or constraint", () =>
      Effect.gen(function*() {
        const db = yield* open("constraints")
        yield* db.run({ sql: schema, params: [] })
        yield* db.run({
          sql: "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id))",
          params: []
        })
        yield* insertUser(db, 1, "a@x")

        const unique = yield* failure(insertUser(db, 2, "a@x"))
        expect(unique).toMatchObject({ _tag: "UniqueViolation", dialect: "sqlite", table: "users", column: "email" })
        expect(unique).toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE", retryable: false })
        expect(unique.sql).toContain("INSERT INTO users")
        expect(unique.cause).toBeInstanceOf(SqliteDriver.SqliteError)

        const primaryKey = yield* failure(insertUser(db, 1, "b@x"))
        expect(primaryKey).toMatchObject({ _tag: "UniqueViolation", code: "SQLITE_CONSTRAINT_PRIMARYKEY", column: "id" })

        const notNull = yield* failure(insertUser(db, 3, null))
        expect(notNull).toMatchObject({ _tag: "NotNullViolation", table: "users", column: "email" })

        const check = yield* failure(insertUser(db, 4, "c@x", -1))
        expect(check).toMatchObject({ _tag: "CheckViolation", constraint: "age_positive" })

        const foreignKey = yield* failure(db.run({ sql: "INSERT INTO posts (user_id) VALUES (?)", params: [42] }))
        expect(foreignKey).toMatchObject({ _tag: "ForeignKeyViolation", code: "SQLITE_CONSTRAINT_FOREIGNKEY" })

        const syntax = yield* failure(db.all({ sql: "SELEC 1", params: [] }))
        expect(syntax).toMatchObject({ _tag: "DatabaseFailure", code: "SQLITE_ERROR" })

        // the same violation through the sql template: an SqlError whose cause is classified
        const viaSql = yield* Effect.flip(db.sql`INSERT INTO users (id, email) VALUES (${9}, ${"a@x"})`)
        expect(viaSql.cause).toMatchObject({ _tag: "UniqueViolation", column: "email" })

        // and inside a transaction, where statements run on the writer directly
        const inTransaction = yield* failure(db.transaction(insertUser(db, 5, "a@x")))
        expect(inTransaction).toMatchObject({ _tag: "UniqueViolation", column: "email" })
        expect(yield* count(db, "users")).toBe(1)
      }))

    it.scopedLive("Busy when another connection holds the write lock past the retries", () =>
      Effect.gen(function*() {
        const filename = tmpFile("busy")
        const db = yield* Sqlite.make({ filename, busyTimeout: "10 millis", busyRetry: Schedule.recurs(2) })
        yield* withItems(db)
        const other = new SqliteDriver(filename)
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        other.exec("BEGIN IMMEDIATE")
        const busy = yield* failure(insertItem(db, "a"))
        expect(busy).toMatchObject({ _tag: "Busy", dialect: "sqlite", retryable: true })
        expect(busy.code).toMatch(/^SQLITE_BUSY/)
        other.exec("COMMIT")
        // once the lock is gone the writer works again
        yield* insertItem(db, "a")
        expect(yield* names(db)).toEqual(["a"])
      }))

    for (const synchronous of ["full", "normal"] as const) {
      it.scopedLive(`a short lock held by another process is waited for, not reported (synchronous=${synchronous})`, () =>
        Effect.gen(function*() {
          const filename = tmpFile("wait")
          const db = yield* Effect.flatMap(Sqlite.make({ filename, synchronous }), withItems)
          const other = new SqliteDriver(filename)
          yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
          other.exec("BEGIN IMMEDIATE")
          const write = yield* Effect.fork(insertItem(db, "a"))
          yield* Effect.sleep("100 millis")
          other.exec("COMMIT")
          yield* Fiber.join(write)
          expect(yield* names(db)).toEqual(["a"])
        }))
    }

    it.effect("bad configuration fails to build with ConnectionError", () =>
      Effect.gen(function*() {
        for (
          const config of [
            { filename: "/proc/nope/x.db" },
            { filename: path.join(os.tmpdir(), "quarry-no-such-dir", "x", "y.db") },
            { filename: tmpFile("bad"), readers: -1 },
            { filename: tmpFile("bad"), maxBatch: 0 }
          ]
        ) {
          const exit = yield* Effect.exit(Effect.scoped(Sqlite.make(config)))
          expect(exit).toMatchObject({
            _tag: "Failure",
            cause: { _tag: "Fail", error: { _tag: "ConnectionError", dialect: "sqlite", retryable: false } }
          })
        }
        const notADatabase = tmpFile("garbage")
        fs.writeFileSync(notADatabase, "this is not a database file, just some text that is long enough".repeat(20))
        const exit = yield* Effect.exit(Layer.build(Sqlite.layer({ filename: notADatabase })).pipe(Effect.scoped))
        expect(exit).toMatchObject({ _tag: "Failure", cause: { _tag: "Fail", error: { _tag: "ConnectionError" } } })
      }))
  })

  describe("transactions", () => {
    it.scopedLive("failure, defect and interruption roll back", () =>
      Effect.gen(function*() {
        const db = yield* Effect.flatMap(open("rollback"), withItems)
        const failed = yield* Effect.flip(db.transaction(Effect.zipRight(insertItem(db, "a"), Effect.fail("boom" as const))))
        expect(failed).toBe("boom")
        const died = yield* Effect.exit(db.transaction(Effect.zipRight(insertItem(db, "b"), Effect.dieMessage("bug"))))
        expect(Exit.isFailure(died)).toBe(true)

        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(db.transaction(Effect.gen(function*() {
          yield* insertItem(db, "c")
          yield* Deferred.succeed(started, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)

        expect(yield* count(db, "items")).toBe(0)
        // the writer is free again
        yield* insertItem(db, "d")
        expect(yield* names(db)).toEqual(["d"])
      }))

    it.scopedLive("concurrent nested siblings: the failing one is rolled back, the others kept", () =>
      Effect.gen(function*() {
        const db = yield* Effect.flatMap(open("nested"), withItems)
        const sibling = (i: number) =>
          db.transaction(Effect.gen(function*() {
            yield* insertItem(db, `${i}-first`)
            yield* Effect.yieldNow()
            yield* db.transaction(insertItem(db, `${i}-inner`))
            yield* Effect.yieldNow()
            yield* insertItem(db, `${i}-second`)
            if (i === 2) return yield* Effect.fail(`sibling ${i} failed`)
          }))
        const outcomes = yield* db.transaction(
          Effect.forEach([0, 1, 2, 3], (i) => Effect.either(sibling(i)), { concurrency: "unbounded" })
        )
        expect(outcomes.map(Either.isRight)).toEqual([true, true, false, true])
        expect(yield* names(db)).toEqual(
          [0, 1, 3].flatMap((i) => [`${i}-first`, `${i}-inner`, `${i}-second`]).sort()
        )
      }))

    it.scopedLive("a statement of the outer level waits while a nested transaction is open, so its rollback spares it", () =>
      Effect.gen(function*() {
        const db = yield* Effect.flatMap(open("nested-wait"), withItems)
        yield* db.transaction(Effect.gen(function*() {
          const inside = yield* Deferred.make<void>()
          const gate = yield* Deferred.make<void>()
          const nested = yield* Effect.fork(Effect.either(db.transaction(Effect.gen(function*() {
            yield* insertItem(db, "nested")
            yield* Deferred.succeed(inside, undefined)
            yield* Deferred.await(gate)
            return yield* Effect.fail("roll the nested one back")
          }))))
          yield* Deferred.await(inside)
          // the outer level's statement, from another fiber, while the savepoint is open
          const outer = yield* Effect.fork(insertItem(db, "outer"))
          yield* Effect.sleep("20 millis")
          yield* Deferred.succeed(gate, undefined)
          yield* Fiber.join(nested)
          yield* Fiber.join(outer)
        }))
        expect(yield* names(db)).toEqual(["outer"])
      }))

    it.scopedLive("submit inside a transaction runs inline and rolls back with it", () =>
      Effect.gen(function*() {
        const db = yield* Effect.flatMap(open("submit-tx"), withItems)
        const result = yield* Effect.either(db.transaction(Effect.gen(function*() {
          const completion = yield* db.submit({ sql: "INSERT INTO items (name) VALUES (?)", params: ["x"] })
          expect(yield* completion.await).toMatchObject({ rowsAffected: 1 })
          expect(yield* count(db, "items")).toBe(1)
          return yield* Effect.fail("undo")
        })))
        expect(result).toEqual(Either.left("undo"))
        expect(yield* count(db, "items")).toBe(0)
      }))

    it.scopedLive("two SQLite layers: B's write inside A's transaction is not part of it", () =>
      Effect.gen(function*() {
        const a = yield* Effect.flatMap(open("two-a"), withItems)
        const b = yield* Effect.flatMap(open("two-b"), withItems)
        const outcome = yield* Effect.either(a.transaction(Effect.gen(function*() {
          yield* insertItem(a, "in-a")
          yield* insertItem(b, "in-b")
          yield* b.sql`INSERT INTO items (name) VALUES (${"in-b-sql"})`
          // B's own transaction inside A's is a top-level transaction of B
          yield* b.transaction(insertItem(b, "in-b-tx"))
          return yield* Effect.fail("roll back A")
        })))
        expect(outcome).toEqual(Either.left("roll back A"))
        expect(yield* count(a, "items")).toBe(0)
        expect(yield* names(b)).toEqual(["in-b", "in-b-sql", "in-b-tx"])

        // the same through @effect/sql's withTransaction on A
        const viaSql = yield* Effect.either(a.sql.withTransaction(Effect.gen(function*() {
          yield* a.sql`INSERT INTO items (name) VALUES (${"a-sql"})`
          yield* b.sql`INSERT INTO items (name) VALUES (${"b-sql"})`
          return yield* Effect.fail("roll back A again")
        })))
        expect(viaSql).toEqual(Either.left("roll back A again"))
        expect(yield* count(a, "items")).toBe(0)
        expect(yield* count(b, "items")).toBe(4)
      }))
  })

  describe("streams", () => {
    const checkpointBusy = (filename: string) => {
      const raw = new SqliteDriver(filename, { timeout: 0 })
      try {
        const [result] = raw.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>
        return result.busy
      } finally {
        raw.close()
      }
    }

    it.scopedLive("a stream ended early or interrupted releases its snapshot", () =>
      Effect.gen(function*() {
        const filename = tmpFile("stream")
        const db = yield* Effect.flatMap(Sqlite.make({ filename }), withItems)
        yield* db.transaction(Effect.forEach(Array.from({ length: 2000 }, (_, i) => `n${i}`), (n) => insertItem(db, n)))
        const select = { sql: "SELECT id FROM items ORDER BY id", params: [] }

        // while a stream is open, its snapshot holds the WAL (the check below can fail)
        const busyWhileOpen = yield* db.stream(select).pipe(
          Stream.take(1),
          Stream.mapEffect(() => Effect.sync(() => checkpointBusy(filename))),
          Stream.runCollect
        )
        expect([...busyWhileOpen]).toEqual([1])
        expect(checkpointBusy(filename)).toBe(0)

        yield* insertItem(db, "more")
        const firstFive = yield* Stream.runCollect(Stream.take(db.stream(select), 5))
        expect(firstFive.length).toBe(5)
        expect(checkpointBusy(filename)).toBe(0)

        yield* insertItem(db, "more again")
        const reached = yield* Deferred.make<void>()
        const consumer = yield* Effect.fork(db.stream(select).pipe(
          Stream.tap(() => Deferred.succeed(reached, undefined)),
          Stream.mapEffect(() => Effect.never),
          Stream.runDrain
        ))
        yield* Deferred.await(reached)
        yield* Fiber.interrupt(consumer)
        expect(checkpointBusy(filename)).toBe(0)
      }))
  })
})
