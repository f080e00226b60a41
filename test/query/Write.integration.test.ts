/**
 * Writes on SQLite, PostgreSQL and MariaDB: the same suite on each
 * (RETURNING is native on the first two and emulated on MariaDB).
 */
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as DatabaseModule from "../../src/layers/Database.js"
import { Database } from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"
import { Accounts, newUser, Notes, Posts, tables, Tags, Users } from "./fixtures.js"
import { resetTables } from "./support.js"

const reset = resetTables([...tables, Notes])

/** Runs an effect with a Database that counts the statements it is given. */
const counting = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const db = yield* Database
    let statements = 0
    const counted: Database = {
      ...db,
      all: (s) => (statements++, db.all(s)),
      run: (s) => (statements++, db.run(s)),
      stream: (s) => (statements++, db.stream(s))
    }
    const result = yield* Effect.either(Effect.provideService(effect, Database, counted))
    return { result, statements }
  })

for (const c of cases("query_write")) {
  layer(c.layer, { excludeTestServices: true, timeout: "180 seconds" })(c.name, (it) => {
    describe("insert", () => {
      it.effect("insert one returning the stored row, with its generated id", () =>
        Effect.gen(function*() {
          yield* reset
          const ann = yield* Query.get(Query.insert(Users, newUser("Ann")).pipe(Query.returning()))
          expect(ann.id).toBeTypeOf("number")
          expect(yield* Query.get(Query.from(Users).pipe(Query.where({ id: ann.id })))).toEqual(ann)
          const bob = yield* Query.get(Query.insert(Users, newUser("Bob")).pipe(Query.returning("id", "name")))
          expect(bob).toEqual({ id: ann.id + 1, name: "Bob" })
          const result = yield* Query.run(Query.insert(Users, newUser("Cid")))
          expect(result.rowsAffected).toBe(1)
          if (result.lastInsertId !== undefined) expect(Number(result.lastInsertId)).toBe(ann.id + 2)
        }))

      it.effect("insertMany returns rows in input order, also when rows set different fields", () =>
        Effect.gen(function*() {
          yield* reset
          const rows = yield* Query.all(Query.insertMany(Notes, [
            { body: "a" },
            { body: "b", color: "blue" },
            { body: "c" },
            { body: "d", color: "green" }
          ]).pipe(Query.returning()))
          expect(rows.map((r) => [r.body, r.color])).toEqual([["a", "red"], ["b", "blue"], ["c", "red"], ["d", "green"]])
          const stored = yield* Query.all(Query.from(Notes).pipe(Query.orderBy(Notes.c.id)))
          expect(stored.map((r) => r.body).sort()).toEqual(["a", "b", "c", "d"])
          expect(new Set(rows.map((r) => r.id)).size).toBe(4)
        }))

      it.effect("insertMany returns its own rows when the ids it gets are not consecutive (MySQL step of 2)", () =>
        Effect.gen(function*() {
          yield* reset
          yield* Query.run(Query.insertMany(Users, [newUser("Old1"), newUser("Old2"), newUser("Old3")]))
          const step = c.name === "mysql"
          const set = (n: number) => DatabaseModule.run({ sql: `SET SESSION auto_increment_increment = ${n}`, params: [] })
          // a multi-primary MySQL setup steps ids by more than 1; MySQL 8's default lock mode interleaves them
          const rows = yield* DatabaseModule.transaction(Effect.gen(function*() {
            if (step) yield* set(2)
            const returned = yield* Query.all(
              Query.insertMany(Users, [newUser("Ann"), newUser("Bob"), newUser("Cid")]).pipe(Query.returning())
            )
            if (step) yield* set(1)
            return returned
          }))
          expect(rows.map((r) => r.name)).toEqual(["Ann", "Bob", "Cid"])
          const stored = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.in(Users.c.id, rows.map((r) => r.id)))))
          expect(stored.map((r) => r.name).sort()).toEqual(["Ann", "Bob", "Cid"])
          if (step) expect(rows[1].id - rows[0].id).toBe(2)
        }))

      it.effect("insertMany with a composite key returns the rows (read back by key where emulated)", () =>
        Effect.gen(function*() {
          yield* reset
          const rows = yield* Query.all(Query.insertMany(Tags, [
            { postId: 2, tag: "b", weight: 0.5 },
            { postId: 1, tag: "a", weight: 1e300 }
          ]).pipe(Query.returning()))
          expect(rows).toEqual([{ postId: 2, tag: "b", weight: 0.5 }, { postId: 1, tag: "a", weight: 1e300 }].map((r) =>
            expect.objectContaining(r)
          ))
        }))

      it.effect("a row the insert schema rejects fails with ValidationError before any SQL runs", () =>
        Effect.gen(function*() {
          yield* reset
          const { result, statements } = yield* counting(
            Query.run(Query.insertMany(Users, [newUser("Ann"), { ...newUser("Bad"), age: 1.5 }]))
          )
          expect(statements).toBe(0)
          expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ValidationError", table: "users", column: "age" })
          expect(yield* Query.count(Query.from(Users))).toBe(0)
        }))

      it.effect("a large insert lets the event loop turn while it is encoded and run; a bad last row still fails it before any SQL", () =>
        Effect.gen(function*() {
          yield* reset
          const rows = Array.from({ length: 40_000 }, (_, i) => ({ postId: i, tag: "t", weight: i / 2 }))
          // count the turns of the event loop during the insert
          let turns = 0
          let ticking = true
          const tick = () => {
            turns++
            if (ticking) setImmediate(tick)
          }
          setImmediate(tick)
          const result = yield* Query.run(Query.insertMany(Tags, rows))
          ticking = false
          expect(result.rowsAffected).toBe(40_000)
          // 20 encoding steps and 4 chunks (on SQLite): the loop was not held for the whole insert
          expect(turns).toBeGreaterThanOrEqual(8)
          const bad = [...rows.map((r) => ({ ...r, tag: "u" })), { postId: 1, tag: "v", weight: "heavy" as unknown as number }]
          const { result: refused, statements } = yield* counting(Query.run(Query.insertMany(Tags, bad)))
          expect(statements).toBe(0)
          expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "ValidationError", column: "weight" })
          expect(yield* Query.count(Query.from(Tags))).toBe(40_000)
        }))

      it.effect("a bulk insert is chunked under the bind-parameter limit, in one transaction", () =>
        Effect.gen(function*() {
          yield* reset
          const rows = Array.from({ length: 25_000 }, (_, i) => ({ postId: i, tag: "t", weight: i / 2 }))
          const statements = Query.compileAll(Query.insertMany(Tags, rows), (yield* Database).dialect)
          expect(Either.isRight(statements) && statements.right.length).toBeGreaterThan(1)
          const result = yield* Query.run(Query.insertMany(Tags, rows))
          expect(result.rowsAffected).toBe(25_000)
          expect(yield* Query.count(Query.from(Tags))).toBe(25_000)
          // a duplicate key in the last chunk rolls back the chunks before it
          const again = yield* Effect.flip(Query.run(Query.insertMany(Tags, [
            ...rows.map((r) => ({ ...r, tag: "u" })),
            { postId: 0, tag: "t", weight: 0 }
          ])))
          expect(again._tag).toBe("UniqueViolation")
          expect(yield* Query.count(Query.from(Tags))).toBe(25_000)
        }))
    })

    describe("upsert and insert-or-ignore", () => {
      it.effect("upsert inserts, then updates on the conflict target, returning the row", () =>
        Effect.gen(function*() {
          yield* reset
          const first = yield* Query.get(
            Query.upsert(Users, newUser("Ann", { age: 1 }), { target: ["email"] }).pipe(Query.returning())
          )
          const second = yield* Query.get(
            Query.upsert(Users, newUser("Annie", { email: "ann@example.com", age: 2 }), { target: ["email"], update: ["age"] })
              .pipe(Query.returning())
          )
          expect(second.id).toBe(first.id)
          expect([second.name, second.age]).toEqual(["Ann", 2])
          yield* Query.run(Query.upsert(Users, [newUser("X", { email: "ann@example.com" }), newUser("Y")], { target: ["email"] }))
          const all = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id)))
          expect(all.map((u) => u.name)).toEqual(["X", "Y"])
        }))

      it.effect("upsert on a natural primary key; on MySQL only when no other unique key could match", () =>
        Effect.gen(function*() {
          yield* reset
          const first = yield* Effect.either(Query.run(Query.upsert(Accounts, { code: "a", email: "a@x" })))
          if (c.name === "mysql") {
            // ON DUPLICATE KEY UPDATE would also fire on the unique email: not the upsert asked for
            expect(Either.isLeft(first) && first.left).toMatchObject({ _tag: "Unsupported", dialect: "mysql" })
            return
          }
          const rows = yield* Query.all(Query.upsert(Accounts, [{ code: "a", email: "a2@x" }, { code: "b", email: "b@x" }]).pipe(Query.returning()))
          expect(rows.map((r) => [r.code, r.email])).toEqual([["a", "a2@x"], ["b", "b@x"]])
        }))

      it.effect("upsert many on a composite key returns rows in input order", () =>
        Effect.gen(function*() {
          yield* reset
          yield* Query.run(Query.insert(Tags, { postId: 1, tag: "a", weight: 1 }))
          const rows = yield* Query.all(Query.upsert(Tags, [
            { postId: 2, tag: "b", weight: 2 },
            { postId: 1, tag: "a", weight: 3 }
          ]).pipe(Query.returning()))
          expect(rows.map((r) => [r.postId, r.tag, r.weight])).toEqual([[2, "b", 2], [1, "a", 3]])
        }))

      it.effect("insert-or-ignore skips conflicting rows (and only those)", () =>
        Effect.gen(function*() {
          yield* reset
          yield* Query.run(Query.insert(Tags, { postId: 1, tag: "a", weight: 1 }))
          yield* Query.run(Query.insertOrIgnore(Tags, [{ postId: 1, tag: "a", weight: 9 }, { postId: 1, tag: "b", weight: 2 }]))
          const rows = yield* Query.all(Query.from(Tags).pipe(Query.orderBy(Tags.c.tag)))
          expect(rows.map((r) => [r.tag, r.weight])).toEqual([["a", 1], ["b", 2]])
          const returned = yield* Effect.either(Query.all(
            Query.insertOrIgnore(Tags, [{ postId: 1, tag: "b", weight: 0 }, { postId: 1, tag: "c", weight: 3 }]).pipe(Query.returning("tag"))
          ))
          if (c.name === "mysql") {
            expect(Either.isLeft(returned) && returned.left).toMatchObject({ _tag: "Unsupported", dialect: "mysql" })
          } else {
            expect(returned).toEqual(Either.right([{ tag: "c" }]))
          }
        }))
    })

    describe("update and delete", () => {
      it.effect("update with values and column expressions (age = age + 1)", () =>
        Effect.gen(function*() {
          yield* reset
          yield* Query.run(Query.insertMany(Users, [newUser("Ann", { age: 30 }), newUser("Bob", { age: null }), newUser("Cid", { age: 5 })]))
          const result = yield* Query.run(Query.update(Users, { age: Expr.add(Users.c.age, 1) }).pipe(Query.where({ age: { isNull: false } })))
          expect(result.rowsAffected).toBe(2)
          yield* Query.run(Query.update(Users, { active: false, createdAt: new Date("2030-01-01T00:00:00.000Z") }).pipe(Query.where({ name: "Bob" })))
          const users = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id)))
          expect(users.map((u) => [u.name, u.age, u.active])).toEqual([["Ann", 31, true], ["Bob", null, false], ["Cid", 6, true]])
          expect(users[1].createdAt).toEqual(new Date("2030-01-01T00:00:00.000Z"))
          const bad = yield* Effect.flip(Query.run(Query.update(Users, { age: 0.5 })))
          expect(bad).toMatchObject({ _tag: "ValidationError", column: "age" })
        }))

      it.effect("update returning gives the rows as updated", () =>
        Effect.gen(function*() {
          yield* reset
          yield* Query.run(Query.insertMany(Users, [newUser("Ann", { age: 30 }), newUser("Bob", { age: 40 }), newUser("Cid", { age: 50 })]))
          const updated = yield* Query.all(
            Query.update(Users, { age: Expr.mul(Users.c.age, 2) }).pipe(Query.where({ age: { lt: 45 } }), Query.returning("name", "age"))
          )
          expect([...updated].sort((a, b) => a.age! - b.age!)).toEqual([{ name: "Ann", age: 60 }, { name: "Bob", age: 80 }])
          const none = yield* Query.all(Query.update(Users, { age: 1 }).pipe(Query.where({ name: "nobody" }), Query.returning()))
          expect(none).toEqual([])
        }))

      it.effect("delete returning gives the deleted rows; delete reports rows affected", () =>
        Effect.gen(function*() {
          yield* reset
          const [ann] = yield* Query.all(Query.insertMany(Users, [newUser("Ann"), newUser("Bob"), newUser("Cid")]).pipe(Query.returning()))
          yield* Query.run(Query.insert(Posts, { authorId: ann.id, title: "t", views: 1n, publishedAt: null }))
          const deleted = yield* Query.all(Query.delete(Posts).pipe(Query.where({ authorId: ann.id }), Query.returning()))
          expect(deleted.map((p) => [p.title, p.views])).toEqual([["t", 1n]])
          const gone = yield* Query.all(Query.delete(Users).pipe(Query.where({ name: { in: ["Ann", "Cid"] } }), Query.returning("name")))
          expect(gone.map((u) => u.name).sort()).toEqual(["Ann", "Cid"])
          expect((yield* Query.run(Query.delete(Users))).rowsAffected).toBe(1)
          expect(yield* Query.count(Query.from(Users))).toBe(0)
        }))
    })

    describe("prepared writes", () => {
      it.effect("a prepared update runs with new arguments, encoded by the update variant", () =>
        Effect.gen(function*() {
          yield* reset
          const [ann, bob] = yield* Query.all(Query.insertMany(Users, [newUser("Ann"), newUser("Bob")]).pipe(Query.returning("id")))
          const setAge = Prepared.make(Query.update(Users, { age: Query.param("age") }).pipe(Query.where({ id: Query.param("id") })))
          expect((yield* setAge.run({ age: 7, id: ann.id })).rowsAffected).toBe(1)
          expect((yield* setAge.run({ age: null, id: bob.id })).rowsAffected).toBe(1)
          const bad = yield* Effect.flip(setAge.run({ age: 1.5, id: bob.id }))
          expect(bad).toMatchObject({ _tag: "ValidationError", column: "age" })
          const ages = yield* Query.all(Query.from(Users).pipe(Query.only("age"), Query.orderBy(Users.c.id)))
          expect(ages).toEqual([{ age: 7 }, { age: null }])
        }))
    })

    describe("values", () => {
      it.effect("a row that does not decode fails with ValidationError", () =>
        Effect.gen(function*() {
          const failure = yield* Effect.flip(Query.all(Query.raw(Schema.Struct({ n: Schema.Number }))`SELECT ${"x"} AS n`))
          expect(failure).toMatchObject({ _tag: "ValidationError", column: "n" })
        }))

      it.effect("text with NUL: PostgreSQL cannot store it (typed Unsupported); the others round-trip it", () =>
        Effect.gen(function*() {
          yield* reset
          const written = yield* Effect.either(Query.run(Query.insert(Users, newUser("a\u0000b"))))
          if (c.name === "postgres") {
            expect(Either.isLeft(written) && written.left).toMatchObject({ _tag: "Unsupported", dialect: "postgres" })
          } else {
            expect(Either.isRight(written)).toBe(true)
            const found = yield* Query.get(Query.from(Users).pipe(Query.where({ name: "a\u0000b" })))
            expect(found.name).toBe("a\u0000b")
          }
        }))
    })
  })
}
