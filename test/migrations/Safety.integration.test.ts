import { expect, layer } from "@effect/vitest"
import { Clock, Deferred, Effect, Fiber, Option, Ref } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Migration from "../../src/migrations/Migration.js"
import * as Migrations from "../../src/migrations/Migrations.js"
import * as Operation from "../../src/migrations/Operation.js"
import * as Snapshot from "../../src/schema/Snapshot.js"
import type * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import { Authors2, Authors3, Authors7, Authors7Nullable, BooksLinked } from "./revisions.js"

/** The next migration of the models, in memory (what `make` writes to a file). */
const next = (name: string, tables: ReadonlyArray<Table.Any>, migrations: ReadonlyArray<Migration.Migration>) =>
  Effect.map(Migrations.generate(name, { tables, migrations }), (g) => {
    const { changes, id } = Option.getOrThrow(g)
    return Migration.make({ id, up: changes.up, down: changes.down, snapshot: Snapshot.make(tables) })
  })

const empty = Migration.empty
const count = (table: string) =>
  Effect.map(Database.all({ sql: `SELECT COUNT(*) AS n FROM ${table}`, params: [] }), (rows) => Number(rows[0].n))
const exists = (table: string) => Effect.isSuccess(Database.all({ sql: `SELECT 1 FROM ${table}`, params: [] }))
const exec = (sql: string) => Database.run({ sql, params: [] })

for (const c of cases("migrations-safety")) {
  layer(c.layer, { timeout: 240_000 })(`migrations safety [${c.name}]`, (it) => {
    it.effect("altering a parent table keeps its rows, its index and its children's rows", () =>
      Effect.gen(function*() {
        const table = "m_parent"
        const m1 = yield* next("linked", [Authors7, BooksLinked], [])
        yield* Migrations.apply({ migrations: [m1], table })
        yield* exec(`INSERT INTO authors (full_name, score) VALUES ('Ann', 1), ('Bob', 2)`)
        yield* exec(`INSERT INTO books (author_id, title) VALUES (1, 'A'), (2, 'B'), (2, 'C')`)
        const m2 = yield* next("score nullable", [Authors7Nullable, BooksLinked], [m1])
        expect(m2.up.map((op) => op._tag)).toEqual(["AlterColumn"])
        expect(yield* Migrations.apply({ migrations: [m1, m2], table })).toEqual([m2.id])
        expect(yield* count("authors")).toBe(2)
        expect(yield* count("books")).toBe(3)
        if (c.name === "sqlite") expect(yield* Database.all({ sql: "PRAGMA foreign_key_check", params: [] })).toEqual([])
        // the index, the key and the reference are as the snapshot says
        yield* Migrations.check({ tables: [Authors7Nullable, BooksLinked], migrations: [m1, m2], table, live: true })
        // the reference still holds (and still cascades)
        const orphan = yield* Effect.flip(exec(`INSERT INTO books (author_id, title) VALUES (99, 'X')`))
        expect(orphan._tag).toBe("ForeignKeyViolation")
        yield* exec(`DELETE FROM authors WHERE id = 2`)
        expect(yield* count("books")).toBe(1)
        yield* exec(`INSERT INTO authors (full_name, score) VALUES ('Cy', NULL)`)
        expect(yield* Migrations.rollback({ migrations: [m1, m2], table })).toEqual([m2.id])
        yield* Migrations.rollback({ migrations: [m1, m2], table, allowDestructive: true })
      }))

    it.effect("a failed migration leaves the database and the migrations table as they were (MySQL: partial, resumable)", () =>
      Effect.gen(function*() {
        const table = "m_failed"
        const m = Migration.make({
          id: "20250101000000_two_tables",
          up: [Operation.sql("CREATE TABLE f_one (a INT)"), Operation.sql("CREATE TABLE f_two (a INT)")],
          down: [Operation.sql("DROP TABLE f_two"), Operation.sql("DROP TABLE f_one")],
          snapshot: empty
        })
        yield* exec("CREATE TABLE f_two (b INT)") // makes the second step fail
        const error = yield* Effect.flip(Migrations.apply({ migrations: [m], table }))
        expect(error._tag).toBe("OperationFailed")
        if (error._tag === "OperationFailed") expect(error.migration).toBe(m.id)
        const [status] = yield* Migrations.status({ migrations: [m], table })
        if (c.name === "mysql") {
          // DDL commits as it goes: the first table stays, the row says how far it got
          expect(status.state).toBe("partial")
          expect(yield* exists("f_one")).toBe(true)
          expect((yield* Effect.flip(Migrations.apply({ migrations: [m], table })))._tag).toBe("PartiallyApplied")
          yield* exec("DROP TABLE f_two")
          expect(yield* Migrations.apply({ migrations: [m], table, resume: true })).toEqual([m.id])
        } else {
          expect(status.state).toBe("pending")
          expect(yield* exists("f_one")).toBe(false)
          yield* exec("DROP TABLE f_two")
          expect(yield* Migrations.apply({ migrations: [m], table })).toEqual([m.id])
        }
        expect(yield* exists("f_one")).toBe(true)
        expect(yield* exists("f_two")).toBe(true)
        expect((yield* Migrations.status({ migrations: [m], table }))[0].state).toBe("applied")
      }))

    it.effect("edited, missing, out-of-order and destructive migrations: each its typed error, nothing changed", () =>
      Effect.gen(function*() {
        const table = "m_errors"
        const m1 = Migration.make({
          id: "20250101000001_one",
          up: [Operation.sql("CREATE TABLE e_one (a INT, b INT)")],
          down: [Operation.sql("DROP TABLE e_one")],
          snapshot: empty
        })
        yield* Migrations.apply({ migrations: [m1], table })
        const edited = Migration.make({ ...m1, up: [Operation.sql("CREATE TABLE e_one (a INT)")] })
        expect((yield* Effect.flip(Migrations.apply({ migrations: [edited], table })))._tag).toBe("ChecksumMismatch")
        expect((yield* Migrations.status({ migrations: [edited], table }))[0].state).toBe("edited")
        expect((yield* Effect.flip(Migrations.rollback({ migrations: [edited], table })))._tag).toBe("ChecksumMismatch")
        expect((yield* Effect.flip(Migrations.apply({ migrations: [], table })))._tag).toBe("MissingMigration")
        expect((yield* Migrations.status({ migrations: [], table }))[0].state).toBe("missing")
        const early = Migration.make({
          id: "20240101000000_early",
          up: [Operation.sql("CREATE TABLE e_early (a INT)")],
          down: [Operation.sql("DROP TABLE e_early")],
          snapshot: empty
        })
        expect((yield* Effect.flip(Migrations.apply({ migrations: [early, m1], table })))._tag).toBe("OutOfOrder")
        expect((yield* Migrations.status({ migrations: [early, m1], table }))[0].outOfOrder).toBe(true)
        expect(yield* exists("e_early")).toBe(false)
        // a generated drop is destructive: refused before any SQL unless allowed
        const t1 = yield* next("authors", [Authors7], [])
        const t2 = yield* next("drop authors", [], [t1])
        yield* Migrations.apply({ migrations: [t1], table: "m_destructive" })
        yield* exec(`INSERT INTO authors (full_name, score) VALUES ('Ann', 1)`)
        const refused = yield* Effect.flip(Migrations.apply({ migrations: [t1, t2], table: "m_destructive" }))
        expect(refused._tag).toBe("DestructiveChange")
        expect(yield* count("authors")).toBe(1)
        expect((yield* Migrations.status({ migrations: [t1, t2], table: "m_destructive" }))[1].state).toBe("pending")
        expect(yield* Migrations.apply({ migrations: [t1, t2], table: "m_destructive", allowDestructive: true })).toEqual([t2.id])
        expect(yield* exists("authors")).toBe(false)
      }))

    it.effect("two migrators at once: exactly one applies the migration, the other waits and finds it applied", () =>
      Effect.gen(function*() {
        const table = "m_lock"
        const started = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const runs = yield* Ref.make(0)
        const m = Migration.make({
          id: "20250101000000_slow",
          up: [
            Operation.sql("CREATE TABLE l_one (a INT)"),
            Operation.run("slow", Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release))))
          ],
          down: [Operation.sql("DROP TABLE l_one")],
          snapshot: empty
        })
        yield* Migrations.apply({ migrations: [], table }) // the migrations table exists before the race
        const first = yield* Effect.fork(Migrations.apply({ migrations: [m], table }))
        yield* Deferred.await(started)
        if (c.name !== "sqlite") {
          // a migrator that will not wait long fails with Locked
          const locked = yield* Effect.flip(Migrations.apply({ migrations: [m], table, lockTimeout: "300 millis" }))
          expect(locked._tag).toBe("Locked")
        }
        const second = yield* Effect.fork(Migrations.apply({ migrations: [m], table }))
        yield* Effect.sleep("200 millis")
        expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
        yield* Deferred.succeed(release, undefined)
        const results = [yield* Fiber.join(first), yield* Fiber.join(second)]
        expect(results).toEqual([[m.id], []])
        expect(yield* Ref.get(runs)).toBe(1)
      }).pipe(Effect.withClock(Clock.make())))

  })
}

// drift compares the whole database with the snapshot: a database of its own
for (const c of cases("migrations-drift")) {
  layer(c.layer, { timeout: 240_000 })(`migrations drift [${c.name}]`, (it) => {
    it.effect("check: a column added by hand is drift; a rename without a hint is AmbiguousRename", () =>
      Effect.gen(function*() {
        const table = "m_drift"
        const m1 = yield* next("authors", [Authors2], [])
        yield* Migrations.apply({ migrations: [m1], table })
        yield* Migrations.check({ tables: [Authors2], migrations: [m1], table, live: true })
        yield* exec("ALTER TABLE authors ADD COLUMN nickname VARCHAR(20)")
        const drift = yield* Effect.flip(Migrations.check({ tables: [Authors2], migrations: [m1], table, live: true }))
        expect(drift._tag).toBe("OutOfSync")
        if (drift._tag === "OutOfSync") {
          expect(drift.changes).toEqual([])
          expect(drift.drift.join("\n")).toContain("nickname")
        }
        // models changed without a migration: OutOfSync without looking at the database
        const models = yield* Effect.flip(Migrations.check({ tables: [Authors3], migrations: [m1] }))
        expect(models._tag).toBe("OutOfSync")
        const ambiguous = yield* Effect.flip(Migrations.generate("rename", { tables: [Authors3], migrations: [m1] }))
        expect(ambiguous._tag).toBe("AmbiguousRename")
        yield* exec("ALTER TABLE authors DROP COLUMN nickname")
        yield* Migrations.rollback({ migrations: [m1], table, allowDestructive: true })
      }))
  })
}
