/**
 * `get` on a key: a query whose WHERE pins the primary key or a unique key
 * cannot match two rows, so it is planned (once per query value) to read one
 * row; every other `get` reads up to two to prove there is only one. Both
 * paths give the same rows and the same `NotFound` / `MultipleFound` on the
 * same inputs, on every dialect.
 */
import { Model } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import { selectPlan } from "../../src/query/internal/plan.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import { Accounts, newUser, Tags, Users } from "./fixtures.js"
import { rawAll, resetTables } from "./support.js"

/** A multi-column unique constraint, and a unique index. */
class Seat extends Model.Class<Seat>("Seat")({
  id: Model.Generated(Schema.Int),
  room: Schema.String.pipe(Schema.maxLength(40)),
  line: Schema.Int,
  num: Schema.Int,
  code: Schema.String.pipe(Schema.maxLength(40))
}) {}
const Seats = Table.make(Seat, {
  name: "seats",
  unique: [["room", "line", "num"]],
  indexes: [{ fields: ["code"], unique: true }]
})

const tables = [Users, Tags, Accounts, Seats] as const

const p = Query.param

/** A get, as a key lookup and as the general path: the same query with `OFFSET 0`, which is never planned as one. */
const both = (query: Query.Select<any, any, any>) => ({
  key: Prepared.make(query),
  general: Prepared.make(query.pipe(Query.offset(0)))
})

const lookups = {
  id: both(Query.from(Users).pipe(Query.where(Expr.eq(Users.c.id, p("id"))))),
  email: both(Query.from(Users).pipe(Query.where(Expr.eq(Users.c.email, p("email"))))),
  tag: both(Query.from(Tags).pipe(Query.where(Expr.and(Expr.eq(Tags.c.postId, p("post")), Expr.eq(Tags.c.tag, p("tag")))))),
  account: both(Query.from(Accounts).pipe(Query.where(Expr.eq(Accounts.c.email, p("email"))))),
  seat: both(Query.from(Seats).pipe(Query.where({ room: p("room"), line: p("line"), num: p("num") }))),
  code: both(Query.from(Seats).pipe(Query.where(Expr.eq(Seats.c.code, p("code")))))
}

const seed = Effect.gen(function*() {
  yield* resetTables(tables)
  const users = yield* Query.all(
    Query.insertMany(Users, [newUser("Ann"), newUser("bob", { age: null, active: false }), newUser("Cid")]).pipe(
      Query.returning()
    )
  )
  yield* Query.run(Query.insertMany(Tags, [
    { postId: 1, tag: "a", weight: 0.5 },
    { postId: 1, tag: "b", weight: 1.5 },
    { postId: 2, tag: "a", weight: 2.5 }
  ]))
  yield* Query.run(Query.insertMany(Accounts, [{ code: "x", email: "x@example.com" }, { code: "y", email: "y@example.com" }]))
  yield* Query.run(Query.insertMany(Seats, [
    { room: "r", line: 1, num: 1, code: "r11" },
    { room: "r", line: 1, num: 2, code: "r12" },
    { room: "s", line: 1, num: 1, code: "s11" }
  ]))
  return users
})

/** What a get gave: the row, or the failure's tag and table (its SQL differs between the paths by design). */
const outcome = <A, E extends { readonly _tag: string; readonly table?: string | undefined }>(
  effect: Effect.Effect<A, E, Database.Database>
) =>
  Effect.match(effect, {
    onSuccess: (row) => ({ row }),
    onFailure: (e) => ({ failure: e._tag, table: e.table })
  })

for (const c of cases("query_get")) {
  layer(c.layer, { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    it.effect("key lookups and the general get agree row for row and failure for failure", () =>
      Effect.gen(function*() {
        const [ann, , cid] = yield* seed
        const inputs: ReadonlyArray<readonly [keyof typeof lookups, Record<string, unknown>]> = [
          ["id", { id: ann.id }],
          ["id", { id: cid.id }],
          ["id", { id: -1 }],
          ["email", { email: "bob@example.com" }],
          ["email", { email: "nobody@example.com" }],
          ["tag", { post: 1, tag: "b" }],
          ["tag", { post: 2, tag: "b" }],
          ["account", { email: "y@example.com" }],
          ["account", { email: "z@example.com" }],
          ["seat", { room: "r", line: 1, num: 2 }],
          ["seat", { room: "s", line: 1, num: 2 }],
          ["code", { code: "s11" }],
          ["code", { code: "t11" }]
        ]
        const compare = Effect.forEach(inputs, ([name, args]) =>
          Effect.gen(function*() {
            const key = yield* outcome(lookups[name].key.get(args))
            const general = yield* outcome(lookups[name].general.get(args))
            expect({ name, args, key }).toEqual({ name, args, key: general })
            return key
          }))
        const outside = yield* compare
        expect(outside.filter((o) => "failure" in o).map((o) => "failure" in o && o.failure)).toEqual(
          Array(6).fill("NotFound")
        )
        expect(outside[0]).toEqual({ row: ann })
        // inside a transaction a read runs on the transaction's connection
        expect(yield* Database.transaction(compare)).toEqual(outside)
        // built per call, the same
        expect(yield* Query.get(Query.from(Users).pipe(Query.where({ id: ann.id })))).toEqual(ann)
        const missing = yield* Effect.flip(Query.get(Query.from(Users).pipe(Query.where({ email: "nobody@example.com" }))))
        expect([missing._tag, missing._tag === "NotFound" && missing.table]).toEqual(["NotFound", "users"])
        // a get that does not pin a key still proves uniqueness
        const tagged = both(Query.from(Tags).pipe(Query.where(Expr.eq(Tags.c.postId, p("post")))))
        for (const prepared of [tagged.key, tagged.general]) {
          expect(yield* outcome(prepared.get({ post: 1 }))).toEqual({ failure: "MultipleFound", table: "tags" })
          expect(yield* outcome(prepared.get({ post: 2 }))).toEqual({ row: { postId: 2, tag: "a", weight: 2.5 } })
        }
      }))

    if (c.name === "sqlite") {
      it.effect("a key lookup reads one row: a table that does not enforce its declared key shows it", () =>
        Effect.gen(function*() {
          // `loose` declares `code` its primary key, but the table in the database has no such constraint
          yield* rawAll("DROP TABLE IF EXISTS loose")
          yield* rawAll("CREATE TABLE loose (code TEXT NOT NULL, n INTEGER NOT NULL)")
          yield* rawAll("INSERT INTO loose (code, n) VALUES ('k', 1), ('k', 2)")
          const lookup = both(Query.from(Looses).pipe(Query.where(Expr.eq(Looses.c.code, p("code")))))
          expect(yield* lookup.key.get({ code: "k" })).toEqual({ code: "k", n: 1 })
          expect(yield* Database.transaction(lookup.key.get({ code: "k" }))).toEqual({ code: "k", n: 1 })
          expect(yield* outcome(lookup.general.get({ code: "k" }))).toEqual({ failure: "MultipleFound", table: "loose" })
        }))
    }
  })
}

class Loose extends Model.Class<Loose>("Loose")({ code: Schema.String, n: Schema.Int }) {}
const Looses = Table.make(Loose, { name: "loose", primaryKey: "code" })

describe("get plans", () => {
  const oneRow = (query: Query.Select<any, any, any>, mode: "get" | "all" = "get") =>
    Object.values(Dialect.byName).map((d) => selectPlan(query.ast, mode, d).oneRow)
  const yes = [true, true, true]
  const no = [false, false, false]

  it("read one row where the WHERE pins the primary key or a unique key by equality", () => {
    for (const { key } of Object.values(lookups)) expect(oneRow(key.query)).toEqual(yes)
    expect(oneRow(Query.from(Users).pipe(Query.where({ id: 1 }), Query.where({ active: true })))).toEqual(yes)
  })

  it("read up to two rows everywhere else", () => {
    for (const { general } of Object.values(lookups)) expect(oneRow(general.query)).toEqual(no)
    const users = Query.from(Users)
    expect(oneRow(users)).toEqual(no)
    expect(oneRow(users.pipe(Query.where({ name: "Ann" })))).toEqual(no)
    expect(oneRow(users.pipe(Query.where(Expr.or(Expr.eq(Users.c.id, 1), Expr.eq(Users.c.id, 2)))))).toEqual(no)
    expect(oneRow(users.pipe(Query.where({ id: { gte: 1 } })))).toEqual(no)
    expect(oneRow(users.pipe(Query.where({ id: 1 }), Query.limit(5)))).toEqual(no)
    expect(oneRow(Query.from(Tags).pipe(Query.where({ postId: 1 })))).toEqual(no)
    expect(oneRow(Query.from(Seats).pipe(Query.where({ room: "r", line: 1 })))).toEqual(no)
    expect(oneRow(lookups.id.key.query, "all")).toEqual(no)
  })

  it("a key lookup carries no LIMIT of ours; the general get reads at most two rows", () => {
    expect(selectPlan(lookups.email.key.query.ast, "get", Dialect.sqlite).statement.sql).not.toMatch(/LIMIT/)
    expect(selectPlan(Query.from(Users).pipe(Query.where({ name: "Ann" })).ast, "get", Dialect.sqlite).statement.sql)
      .toMatch(/LIMIT 2$/)
  })
})
