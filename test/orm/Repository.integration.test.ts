import { Model } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, ParseResult, Ref, Schema, Stream, TestServices } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Repository from "../../src/orm/Repository.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"

class Account extends Model.Class<Account>("Account")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(60)),
  name: Schema.String,
  age: Schema.Int,
  active: Schema.Boolean,
  createdAt: Model.DateTimeInsertFromDate,
  updatedAt: Model.DateTimeUpdateFromDate,
  deletedAt: Model.FieldOption(Schema.Date)
}) {}

const Accounts = Table.make(Account, { name: "repo_accounts", columns: { email: { unique: true } } })

class Note extends Model.Class<Note>("Note")({
  id: Model.Generated(Schema.Int),
  accountId: Schema.Int,
  body: Schema.String
}) {}

const Notes = Table.make(Note, {
  name: "repo_notes",
  columns: { accountId: { references: { table: () => Accounts, onDelete: "cascade" } } }
})

const tables = [Accounts, Notes]

/** Real time: timestamps and sleeps need the live clock, not the test clock. */
const live = TestServices.provideLive

const reset = Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))

const person = (n: number) => ({
  email: `p${n}@example.com`,
  name: `Person ${n}`,
  age: 20 + (n % 50),
  active: n % 2 === 0,
  deletedAt: Option.none()
})

for (const c of cases("repository")) {
  layer(c.layer, { timeout: 120_000 })(`Repository [${c.name}]`, (it) => {
    it.effect("create, get, filter, exclude, first, last, count, exists", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const ada = yield* accounts.create({ ...person(1), name: "Ada" })
        expect(ada.id).toBeGreaterThan(0)
        expect(ada.name).toBe("Ada")
        expect(ada.deletedAt).toEqual(Option.none())
        yield* accounts.bulkCreate([person(2), person(3), person(4)])

        expect((yield* accounts.get({ email: "p1@example.com" })).id).toBe(ada.id)
        const missing = yield* Effect.flip(accounts.get({ email: "nobody@example.com" }))
        expect(missing._tag).toBe("NotFound")
        const several = yield* Effect.flip(accounts.get({ age: { gte: 0 } }))
        expect(several._tag).toBe("MultipleFound")

        const evens = yield* Query.all(accounts.filter({ active: true }))
        expect(evens.map((a) => a.email).sort()).toEqual(["p2@example.com", "p4@example.com"])
        const odds = yield* Query.all(accounts.exclude({ active: true }))
        expect(odds.map((a) => a.email).sort()).toEqual(["p1@example.com", "p3@example.com"])
        expect(yield* accounts.count()).toBe(4)
        expect(yield* accounts.count({ age: { gt: 22 } })).toBe(2)
        expect(yield* accounts.exists({ name: { startsWith: "Ad" } })).toBe(true)
        expect(yield* accounts.exists({ name: "Nobody" })).toBe(false)
        expect(Option.map(yield* accounts.first, (a) => a.email)).toEqual(Option.some("p1@example.com"))
        expect(Option.map(yield* accounts.last, (a) => a.email)).toEqual(Option.some("p4@example.com"))
        expect((yield* accounts.all).length).toBe(4)
      })))

    it.effect("validation fails before any SQL: schema rules and clean()", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts, {
          clean: (a) => (a.age < 18 && a.active ? Repository.invalid("active", "minors cannot be active") : Effect.void)
        })
        const tooLong = yield* Effect.flip(accounts.create({ ...person(1), email: "x".repeat(61) + "@e.com" }))
        expect(tooLong._tag).toBe("ValidationError")
        // every field at fault is reported, not only the first (a form shows them all)
        const twoBad = yield* Effect.flip(accounts.create({ ...person(4), email: "x".repeat(61), age: 1.5 }))
        expect(twoBad).toMatchObject({ _tag: "ValidationError", column: "email" })
        const issues = twoBad._tag === "ValidationError" && twoBad.cause !== undefined
          ? ParseResult.ArrayFormatter.formatErrorSync(twoBad.cause).map((i) => i.path[0])
          : []
        expect(issues).toEqual(["email", "age"])
        const minor = yield* Effect.flip(accounts.create({ ...person(2), age: 12, active: true }))
        expect(minor).toMatchObject({ _tag: "ValidationError", column: "active", reason: "minors cannot be active" })
        expect(yield* accounts.count()).toBe(0)
        const dup = yield* accounts.create(person(3)).pipe(Effect.zipRight(Effect.flip(accounts.create(person(3)))))
        expect(dup._tag).toBe("UniqueViolation")
      })))

    it.effect("save, refresh, update and delete by filter, remove, toJSON", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const a = yield* accounts.create(person(1))
        yield* Effect.sleep("5 millis")
        const saved = yield* accounts.save(Account.make({ ...a, name: "Renamed", age: 99 }))
        expect(saved.name).toBe("Renamed")
        expect(saved.age).toBe(99)
        expect(saved.updatedAt.epochMillis).toBeGreaterThan(a.updatedAt.epochMillis)
        expect((yield* accounts.refresh(a)).name).toBe("Renamed")

        yield* accounts.bulkCreate([person(2), person(3), person(4), person(5)])
        expect(yield* accounts.update({ active: true }, { name: "Even" })).toBe(2)
        expect((yield* Query.all(accounts.filter({ name: "Even" }))).length).toBe(2)
        expect(yield* accounts.update(Expr.eq(Accounts.c.email, "p5@example.com"), { age: Expr.add(Accounts.c.age, 1) }))
          .toBe(1)
        expect((yield* accounts.get({ email: "p5@example.com" })).age).toBe(person(5).age + 1)

        expect(yield* accounts.delete({ name: "Even" })).toBe(2)
        yield* accounts.remove(saved)
        expect(yield* accounts.count()).toBe(2)
        const gone = yield* Effect.flip(accounts.remove(saved))
        expect(gone._tag).toBe("NotFound")
        const stale = yield* Effect.flip(accounts.save(saved))
        expect(stale._tag).toBe("NotFound")

        const json = (yield* accounts.toJSON(yield* accounts.get({ email: "p3@example.com" }))) as Record<string, unknown>
        expect(json.email).toBe("p3@example.com")
        expect(typeof json.createdAt).toBe("string")
      })))

    it.effect("soft delete hides rows from the default scope; restore brings them back", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts, { softDelete: "deletedAt" })
        const a = yield* accounts.create(person(1))
        yield* accounts.create(person(2))
        yield* accounts.remove(a)
        expect(yield* accounts.count()).toBe(1)
        expect((yield* Query.all(accounts.withDeleted)).length).toBe(2)
        expect(Option.isSome((yield* accounts.refresh(a)).deletedAt)).toBe(true)
        expect((yield* Effect.flip(accounts.get({ email: "p1@example.com" })))._tag).toBe("NotFound")
        const back = yield* accounts.restore(a)
        expect(back.deletedAt).toEqual(Option.none())
        expect(yield* accounts.count()).toBe(2)
        expect(yield* accounts.delete({ email: "p2@example.com" })).toBe(1)
        expect(yield* accounts.count()).toBe(1)
      })))

    it.effect("getOrCreate: 50 racing fibers get one row and consistent answers", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const results = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => accounts.getOrCreate({ email: "race@example.com" }, { name: `racer ${i}`, age: 30, active: true, deletedAt: Option.none() }),
          { concurrency: "unbounded" }
        )
        expect(results.filter(([, created]) => created).length).toBe(1)
        const ids = new Set(results.map(([row]) => row.id))
        expect(ids.size).toBe(1)
        const names = new Set(results.map(([row]) => row.name))
        expect(names.size).toBe(1)
        expect(yield* accounts.count()).toBe(1)
      })))

    it.effect("updateOrCreate: 50 racing fibers leave one row holding one of their values", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const results = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => accounts.updateOrCreate({ email: "upd@example.com" }, { name: `v${i}`, age: i, active: false, deletedAt: Option.none() }),
          { concurrency: "unbounded" }
        )
        expect(results.filter(([, created]) => created).length).toBe(1)
        expect(new Set(results.map(([row]) => row.id)).size).toBe(1)
        const [row] = yield* Query.all(accounts.query)
        expect(yield* accounts.count()).toBe(1)
        expect(row.name).toBe(`v${row.age}`)
        const [again, created] = yield* accounts.updateOrCreate({ email: "upd@example.com" }, { name: "final", age: 1 })
        expect(created).toBe(false)
        expect(again.name).toBe("final")
      })))

    it.effect("bulkCreate and bulkUpdate: 1,000 rows in chunked statements", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const created = yield* accounts.bulkCreate(Array.from({ length: 1000 }, (_, i) => person(i)))
        expect(created.length).toBe(1000)
        expect(new Set(created.map((a) => a.id)).size).toBe(1000)
        const changed = created.map((a) => Account.make({ ...a, name: `bulk ${a.id}`, age: a.id % 90, active: !a.active }))
        const result = yield* accounts.bulkUpdate(changed, ["name", "age", "active"])
        expect(result.rowsAffected).toBe(1000)
        const after = yield* Query.all(accounts.query.pipe(Query.orderBy(Accounts.c.id)))
        for (const a of after) {
          const before = created.find((b) => b.id === a.id)!
          expect([a.name, a.age, a.active]).toEqual([`bulk ${a.id}`, a.id % 90, !before.active])
          expect(a.email).toBe(before.email)
        }
        const bad = yield* Effect.flip(accounts.bulkCreate([person(5000), { ...person(5001), email: "y".repeat(80) }]))
        expect(bad._tag).toBe("ValidationError")
        expect(yield* accounts.count()).toBe(1000)
      })))

    it.effect("hooks: a failing before-hook rolls back; after-hooks run only once committed", () =>
      live(Effect.gen(function*() {
        yield* reset
        const log = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (s: string) => Ref.update(log, (l) => [...l, s])
        const notes = Repository.make(Notes)
        const accounts = Repository.make(Accounts, {
          beforeCreate: (a) => (a.name === "forbidden" ? Effect.fail("no forbidden names" as const) : Effect.void),
          afterSave: (a, created) => record(`saved ${a.email} ${created}`),
          beforeDelete: (a) =>
            // a before-hook may write too: it is part of the same transaction
            Effect.asVoid(Effect.orDie(notes.create({ accountId: a.id, body: `bye ${a.email}` }))),
          afterDelete: (a) => record(`deleted ${a.email}`)
        })
        const refused = yield* Effect.flip(accounts.create({ ...person(1), name: "forbidden" }))
        expect(refused).toBe("no forbidden names")
        expect(yield* accounts.count()).toBe(0)

        // inside an outer transaction, after-hooks wait for its commit
        yield* Database.transaction(Effect.gen(function*() {
          yield* accounts.create(person(2))
          expect(yield* Ref.get(log)).toEqual([])
        }))
        expect(yield* Ref.get(log)).toEqual(["saved p2@example.com true"])

        // and never run when it rolls back
        yield* Effect.flip(Database.transaction(Effect.zipRight(accounts.create(person(3)), Effect.fail("abort"))))
        expect(yield* Ref.get(log)).toEqual(["saved p2@example.com true"])
        expect(yield* accounts.count()).toBe(1)

        const a = yield* accounts.get({ email: "p2@example.com" })
        yield* accounts.remove(a)
        expect(yield* Ref.get(log)).toEqual(["saved p2@example.com true", "deleted p2@example.com"])
        // the note the before-hook wrote was removed by the cascade with its account
        expect(yield* notes.count()).toBe(0)
      })))

    it.effect("changes: committed creates, updates and deletes stream out in order", () =>
      live(Effect.gen(function*() {
        yield* reset
        const accounts = Repository.make(Accounts)
        const fiber = yield* accounts.changes.pipe(Stream.take(4), Stream.runCollect, Effect.fork)
        yield* Effect.sleep("10 millis")
        const a = yield* accounts.create(person(1))
        yield* Effect.flip(Database.transaction(Effect.zipRight(accounts.create(person(9)), Effect.fail("rolled back"))))
        yield* accounts.save(Account.make({ ...a, age: 77 }))
        yield* accounts.create(person(2))
        yield* accounts.remove(a)
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
        expect(events.map((e) => `${e._tag} ${e.row.email}`)).toEqual([
          "Created p1@example.com",
          "Updated p1@example.com",
          "Created p2@example.com",
          "Deleted p1@example.com"
        ])
      })))
  })
}

describe("Repository", () => {
  it("needs a primary key", () => {
    class Pkless extends Model.Class<Pkless>("Pkless")({ a: Schema.String }) {}
    expect(() => Repository.make(Table.make(Pkless, { name: "pkless" }))).toThrow(/primary key/)
  })
})

