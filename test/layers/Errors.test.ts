/**
 * Every classified error provoked for real on PostgreSQL and MariaDB, with
 * the fields the server names and whether a retry can help. (SQLite's are in
 * Sqlite*.test.ts.)
 */
import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Either, Layer } from "effect"
import * as net from "node:net"
import { Database } from "../../src/layers/Database.js"
import * as Db from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import { only } from "../support/dialects.js"
import { adminUrl } from "../support/servers.js"
import { exec, failure, layerAt, type Pooled, pooled, sql } from "./PoolSupport.js"

const schema = Layer.effectDiscard(Effect.gen(function*() {
  const db = yield* Database
  for (
    const ddl of [
      "CREATE TABLE parent (id INT PRIMARY KEY)",
      "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL," +
      " CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))",
      "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, age INT," +
      " CONSTRAINT users_email_unique UNIQUE (email), CONSTRAINT users_age_positive CHECK (age > 0))",
      "CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)",
      "CREATE TABLE doctors (id INT PRIMARY KEY, on_call INT NOT NULL)",
      "INSERT INTO parent (id) VALUES (1)",
      "INSERT INTO child (id, parent_id) VALUES (1, 1)",
      "INSERT INTO users (id, email, age) VALUES (1, 'taken@example.com', 30)",
      "INSERT INTO accounts (id, balance) VALUES (1, 0), (2, 0)"
    ]
  ) yield* exec(db, ddl)
}))

const expectDetails = (error: DatabaseError, kind: Pooled, statement: string) => {
  expect(error.dialect).toBe(kind)
  expect(error.sql).toBe(statement)
  expect(typeof error.message).toBe("string")
  expect(error.message.length).toBeGreaterThan(0)
  expect(error.cause).toBeDefined()
  expect(error.code).toBeDefined()
}

const codes = {
  postgres: { unique: "23505", fk: "23503", notNull: "23502", check: "23514", deadlock: "40P01", busy: "55P03" },
  mysql: { unique: "1062", fk: "1452", notNull: "1048", check: "4025", deadlock: "1213", busy: "1205" }
} as const

/** Two transactions each holding the row the other wants next. */
const opposingTransactions = (db: Database) =>
  Effect.gen(function*() {
    const first = yield* Deferred.make<void>()
    const second = yield* Deferred.make<void>()
    const q = sql(db)
    const transfer = (from: number, to: number, mine: Deferred.Deferred<void>, theirs: Deferred.Deferred<void>) =>
      db.transaction(Effect.gen(function*() {
        yield* db.run(q`UPDATE accounts SET balance = balance - 1 WHERE id = ${from}`)
        yield* Deferred.succeed(mine, undefined)
        yield* Deferred.await(theirs)
        yield* db.run(q`UPDATE accounts SET balance = balance + 1 WHERE id = ${to}`)
      }))
    return [transfer(1, 2, first, second), transfer(2, 1, second, first)] as const
  })

describe.each(pooled)("%s errors", (kind) => {
  layer(Layer.provideMerge(schema, only(kind, "errors").layer), { excludeTestServices: true })((it) => {
    it.effect("UniqueViolation names the constraint and table", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const statement = sql(db)`INSERT INTO users (id, email) VALUES (${2}, ${"taken@example.com"})`
        const error = yield* failure(db.run(statement))
        expect(error._tag).toBe("UniqueViolation")
        expect(error.retryable).toBe(false)
        expect(error.constraint).toBe("users_email_unique")
        expect(error.table).toBe("users")
        expect(error.code).toBe(codes[kind].unique)
        if (kind === "postgres") expect(error.column).toBe("email")
        expectDetails(error, kind, statement.sql)
      }))

    it.effect("ForeignKeyViolation: a missing parent, and a restricted delete of a parent", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const insert = sql(db)`INSERT INTO child (id, parent_id) VALUES (${2}, ${99})`
        const missing = yield* failure(db.run(insert))
        expect(missing._tag).toBe("ForeignKeyViolation")
        expect(missing.retryable).toBe(false)
        expect(missing.constraint).toBe("child_parent_fk")
        expect(missing.table).toBe("child")
        expect(missing.column).toBe("parent_id")
        expect(missing.code).toBe(codes[kind].fk)
        expectDetails(missing, kind, insert.sql)

        const remove = sql(db)`DELETE FROM parent WHERE id = ${1}`
        const restricted = yield* failure(db.run(remove))
        expect(restricted._tag).toBe("ForeignKeyViolation")
        expect(restricted.constraint).toBe("child_parent_fk")
        expect(restricted.table).toBe("child")
        expect(restricted.code).toBe(kind === "postgres" ? "23503" : "1451")
        expectDetails(restricted, kind, remove.sql)
      }))

    it.effect("NotNullViolation names the column", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const statement = sql(db)`INSERT INTO users (id, email) VALUES (${3}, ${null})`
        const error = yield* failure(db.run(statement))
        expect(error._tag).toBe("NotNullViolation")
        expect(error.retryable).toBe(false)
        expect(error.column).toBe("email")
        expect(error.table).toBe("users")
        expect(error.code).toBe(codes[kind].notNull)
        expectDetails(error, kind, statement.sql)
      }))

    it.effect("CheckViolation names the constraint", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const statement = sql(db)`INSERT INTO users (id, email, age) VALUES (${4}, ${"young@example.com"}, ${-1})`
        const error = yield* failure(db.run(statement))
        expect(error._tag).toBe("CheckViolation")
        expect(error.retryable).toBe(false)
        expect(error.constraint).toBe("users_age_positive")
        expect(error.table).toBe("users")
        expect(error.code).toBe(codes[kind].check)
        expectDetails(error, kind, statement.sql)
      }))

    it.effect("Deadlock: two transactions locking rows in opposite order; one is the victim, a retry succeeds", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const [a, b] = yield* opposingTransactions(db)
        const results = yield* Effect.all([Effect.either(a), Effect.either(b)], { concurrency: 2 })
        const failures = results.filter(Either.isLeft).map((e) => e.left)
        expect(failures).toHaveLength(1)
        const error = failures[0] as DatabaseError
        expect(error._tag).toBe("Deadlock")
        expect(error.retryable).toBe(true)
        expect(error.code).toBe(codes[kind].deadlock)
        expect(error.dialect).toBe(kind)

        // The same pair again, each retried while it fails with a retryable error: both commit.
        const [c, d] = yield* opposingTransactions(db)
        yield* Effect.all([Db.retry(c), Db.retry(d)], { concurrency: 2 })
        // The victim's first update was rolled back: only the winner's transfer shows (the second pair cancels out).
        const rows = yield* db.all({ sql: "SELECT balance FROM accounts ORDER BY id", params: [] })
        const balances = rows.map((r) => Number(r.balance))
        expect(balances).toEqual(Either.isRight(results[0]) ? [-1, 1] : [1, -1])
      }))

    it.effect("Busy: a lock wait that times out", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const q = sql(db)
        const locked = yield* Deferred.make<void>()
        const done = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(db.transaction(Effect.gen(function*() {
          yield* db.run(q`UPDATE accounts SET balance = balance WHERE id = ${1}`)
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(done)
        })))
        yield* Deferred.await(locked)
        const statement = q`UPDATE accounts SET balance = balance WHERE id = ${1}`
        const error = yield* failure(db.transaction(Effect.gen(function*() {
          yield* exec(db, kind === "postgres" ? "SET LOCAL lock_timeout = '100ms'" : "SET SESSION innodb_lock_wait_timeout = 1")
          yield* db.run(statement).pipe(
            Effect.ensuring(kind === "mysql" ? Effect.ignore(exec(db, "SET SESSION innodb_lock_wait_timeout = DEFAULT")) : Effect.void)
          )
        })))
        yield* Deferred.succeed(done, undefined)
        yield* holder.await
        expect(error._tag).toBe("Busy")
        expect(error.retryable).toBe(true)
        expect(error.code).toBe(codes[kind].busy)
      }))

    it.effect("ConnectionError when the server drops the connection; the pool replaces it", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const kill = kind === "postgres" ? "SELECT pg_terminate_backend(pg_backend_pid())" : "KILL CONNECTION_ID()"
        const error = yield* failure(db.all({ sql: kill, params: [] }))
        expect(error._tag).toBe("ConnectionError")
        expect(error.retryable).toBe(true)
        expect(error.dialect).toBe(kind)
        expect(yield* db.all({ sql: "SELECT 1 AS one", params: [] })).toHaveLength(1)
      }))

    it.effect("the sql template fails with a SqlError whose cause is the classified error", () =>
      Effect.gen(function*() {
        const client = yield* SqlClient.SqlClient
        const error = yield* failure(client`INSERT INTO users (id, email) VALUES (${5}, ${"taken@example.com"})`)
        expect(error._tag).toBe("SqlError")
        expect((error.cause as DatabaseError)._tag).toBe("UniqueViolation")
        expect((error.cause as DatabaseError).constraint).toBe("users_email_unique")
      }))
  })

  describe("ConnectionError at build time", () => {
    const buildError = (url: (admin: URL) => void) =>
      Effect.gen(function*() {
        const admin = new URL(yield* Effect.promise(() => adminUrl(kind)))
        url(admin)
        return yield* failure(Effect.scoped(Layer.build(layerAt(kind, admin.toString()))))
      })

    layer(Layer.empty, { excludeTestServices: true })((it) => {
      it.effect("wrong password: not retryable", () =>
        Effect.gen(function*() {
          const error = yield* buildError((u) => {
            u.password = "wrong-password"
          })
          expect(error._tag).toBe("ConnectionError")
          expect(error.retryable).toBe(false)
          expect(error.code).toBe(kind === "postgres" ? "28P01" : "1045")
          expect(error.dialect).toBe(kind)
          expect(error.cause).toBeDefined()
        }))

      it.effect("unreachable port: retryable", () =>
        Effect.gen(function*() {
          const error = yield* buildError((u) => {
            u.hostname = "127.0.0.1"
            u.port = "1"
          })
          expect(error._tag).toBe("ConnectionError")
          expect(error.retryable).toBe(true)
          expect(error.code).toBe("ECONNREFUSED")
        }))

      it.scoped("a server that accepts but never answers: fails within connectTimeout, no hang", () =>
        Effect.gen(function*() {
          const sockets = new Set<net.Socket>()
          const server = yield* Effect.acquireRelease(
            Effect.async<net.Server>((resume) => {
              const s = net.createServer((socket) => {
                sockets.add(socket)
              })
              s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
            }),
            (s) =>
              Effect.sync(() => {
                for (const socket of sockets) socket.destroy()
                s.close()
              })
          )
          const port = (server.address() as net.AddressInfo).port
          const scheme = kind === "postgres" ? "postgres" : "mysql"
          const url = `${scheme}://quarry:quarry@127.0.0.1:${port}/silent`
          const error = yield* failure(Effect.scoped(Layer.build(layerAt(kind, url, { connectTimeout: "300 millis" }))))
          expect(error._tag).toBe("ConnectionError")
          expect(error.retryable).toBe(true)
          expect(sockets.size).toBeGreaterThan(0)
        }))

      it.effect("missing database: not retryable", () =>
        Effect.gen(function*() {
          const error = yield* buildError((u) => {
            u.pathname = "/q_no_such_database"
          })
          expect(error._tag).toBe("ConnectionError")
          expect(error.retryable).toBe(false)
          expect(error.code).toBe(kind === "postgres" ? "3D000" : "1049")
        }))
    })
  })
})

describe("postgres serialization", () => {
  layer(Layer.provideMerge(schema, only("postgres", "errors_serial").layer), { excludeTestServices: true })((it) => {
    it.effect("SerializationFailure: write skew between two serializable transactions", () =>
      Effect.gen(function*() {
        const db = yield* Database
        const q = sql(db)
        yield* exec(db, "INSERT INTO doctors (id, on_call) VALUES (1, 1), (2, 1)")
        const first = yield* Deferred.make<void>()
        const second = yield* Deferred.make<void>()
        // Each leaves the ward only if the other is still on call: both read, then both write.
        const leave = (me: number, mine: Deferred.Deferred<void>, theirs: Deferred.Deferred<void>) =>
          db.transaction(
            Effect.gen(function*() {
              const [row] = yield* db.all({ sql: "SELECT COUNT(*) AS n FROM doctors WHERE on_call = 1", params: [] })
              yield* Deferred.succeed(mine, undefined)
              yield* Deferred.await(theirs)
              if (Number(row.n) >= 2) yield* db.run(q`UPDATE doctors SET on_call = 0 WHERE id = ${me}`)
            }),
            { isolation: "serializable" }
          )
        const results = yield* Effect.all([Effect.either(leave(1, first, second)), Effect.either(leave(2, second, first))], {
          concurrency: 2
        })
        const failures = results.filter(Either.isLeft).map((e) => e.left as DatabaseError)
        expect(failures).toHaveLength(1)
        expect(failures[0]._tag).toBe("SerializationFailure")
        expect(failures[0].retryable).toBe(true)
        expect(failures[0].code).toBe("40001")
        const [row] = yield* db.all({ sql: "SELECT COUNT(*) AS n FROM doctors WHERE on_call = 1", params: [] })
        expect(Number(row.n)).toBe(1)
      }))
  })
})
