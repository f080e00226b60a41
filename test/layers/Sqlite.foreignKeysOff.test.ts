import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import type { Database } from "../../src/layers/Database.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import { tempDbFile } from "../support/tempDir.js"

const exec = (db: Database, sql: string) => db.run({ sql, params: [] })
const count = (db: Database, table: string) =>
  Effect.map(db.all({ sql: `SELECT count(*) AS n FROM "${table}"`, params: [] }), (rows) => rows[0].n)

const parentsAndChildren = (db: Database) =>
  Effect.gen(function*() {
    yield* exec(db, `CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT)`)
    yield* exec(db, `CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id) ON DELETE CASCADE)`)
    yield* exec(db, `INSERT INTO parents (id, name) VALUES (1, 'a'), (2, 'b')`)
    yield* exec(db, `INSERT INTO children (id, parent_id) VALUES (10, 1), (11, 2)`)
  })

/** SQLite's table rebuild of the parent: new table, copy, drop, rename. */
const rebuildParents = (db: Database) =>
  Effect.gen(function*() {
    yield* exec(db, `CREATE TABLE new_parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')`)
    yield* exec(db, `INSERT INTO new_parents (id, name) SELECT id, coalesce(name, '') FROM parents`)
    yield* exec(db, `DROP TABLE parents`)
    yield* exec(db, `ALTER TABLE new_parents RENAME TO parents`)
    return yield* db.all({ sql: "PRAGMA foreign_key_check", params: [] })
  })

describe("Sqlite transactions with foreign keys off", () => {
  it.scopedLive("a parent table rebuilt inside one keeps its children (with enforcement on, the drop cascades)", () =>
    Effect.gen(function*() {
      const db = yield* Sqlite.make({ filename: tempDbFile("fk-off") })
      yield* parentsAndChildren(db)
      const violations = yield* db.transaction(rebuildParents(db), { foreignKeysOff: true })
      expect(violations).toEqual([])
      expect(yield* count(db, "children")).toBe(2)
      // enforcement is back once the transaction has ended
      const refused = yield* Effect.flip(exec(db, `INSERT INTO children (id, parent_id) VALUES (12, 99)`))
      expect(refused._tag).toBe("ForeignKeyViolation")
      // the same rebuild with enforcement on: DROP TABLE deletes the parents, which cascades
      yield* db.transaction(rebuildParents(db))
      expect(yield* count(db, "children")).toBe(0)
    }))

  it.scopedLive("runs alone: writes queued before it commit in a batch of their own, enforced", () =>
    Effect.gen(function*() {
      const db = yield* Sqlite.make({ filename: tempDbFile("fk-off-alone") })
      yield* parentsAndChildren(db)
      // hold the writer so that the next two jobs are queued together
      const release = yield* Deferred.make<void>()
      const holding = yield* Effect.fork(db.transaction(Deferred.await(release)))
      yield* Effect.sleep("10 millis")
      const enforced = yield* Effect.fork(Effect.flip(exec(db, `INSERT INTO children (id, parent_id) VALUES (12, 99)`)))
      const orphanAllowed = yield* Effect.fork(db.transaction(
        Effect.zipRight(
          exec(db, `INSERT INTO children (id, parent_id) VALUES (13, 98)`),
          exec(db, `DELETE FROM children WHERE id = 13`)
        ),
        { foreignKeysOff: true }
      ))
      yield* Effect.sleep("10 millis")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holding)
      expect((yield* Fiber.join(enforced))._tag).toBe("ForeignKeyViolation")
      expect((yield* Fiber.join(orphanAllowed)).rowsAffected).toBe(1)
    }))

  it.scopedLive("cannot be asked for by a nested transaction", () =>
    Effect.gen(function*() {
      const db = yield* Sqlite.make({ filename: tempDbFile("fk-off-nested") })
      const error = yield* Effect.flip(db.transaction(db.transaction(Effect.void, { foreignKeysOff: true })))
      expect(error._tag).toBe("DatabaseFailure")
    }))
})
