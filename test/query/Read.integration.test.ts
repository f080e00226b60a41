/**
 * Reads on SQLite, PostgreSQL and MariaDB: the same suite on each.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Chunk, Deferred, Effect, Either, Fiber, Option, Schema, Stream } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import type * as Lookup from "../../src/query/Lookup.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"
import { newUser, Posts, tables, Users } from "./fixtures.js"
import { resetTables } from "./support.js"

const seed = Effect.gen(function*() {
  yield* resetTables(tables)
  const [ann, bob, cid, dee] = yield* Query.all(
    Query.insertMany(Users, [
      newUser("Ann", { age: 31 }),
      newUser("bob", { age: null, active: false }),
      newUser("Cid", { age: 17, email: "cid+100%_x@example.com" }),
      newUser("Dee", { age: 45, createdAt: new Date("2020-05-06T07:08:09.010Z") })
    ]).pipe(Query.returning())
  )
  yield* Query.run(Query.insertMany(Posts, [
    { authorId: ann.id, title: "a1", views: 9007199254740993n, publishedAt: new Date("2024-03-01T00:00:00.000Z") },
    { authorId: ann.id, title: "a2", views: 5n, publishedAt: null },
    { authorId: cid.id, title: "c1", views: 7n, publishedAt: null }
  ]))
  return { ann, bob, cid, dee }
})

const names = <A extends { readonly name: string }>(rows: ReadonlyArray<A>) => rows.map((r) => r.name)

for (const c of cases("query_read")) {
  layer(c.layer, { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    describe("decoding", () => {
      it.effect("rows decode through the model: booleans, dates, NULLs and 64-bit integers", () =>
        Effect.gen(function*() {
          const { ann, bob } = yield* seed
          const users = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id)))
          expect(users.length).toBe(4)
          expect(users[0]).toEqual(ann)
          expect(users[0].active).toBe(true)
          expect(users[1].active).toBe(false)
          expect(users[1].age).toBeNull()
          expect(users[0].createdAt).toEqual(new Date("2024-01-02T03:04:05.678Z"))
          expect(users[3].createdAt).toEqual(new Date("2020-05-06T07:08:09.010Z"))
          expect(bob.name).toBe("bob")
          const posts = yield* Query.all(Query.from(Posts).pipe(Query.orderBy(Posts.c.id)))
          expect(posts[0].views).toBe(9007199254740993n)
          expect(posts[0].publishedAt).toEqual(new Date("2024-03-01T00:00:00.000Z"))
          expect(posts[1].publishedAt).toBeNull()
        }))

      it.effect("only / defer select (and decode) the narrowed fields", () =>
        Effect.gen(function*() {
          yield* seed
          const some = yield* Query.all(Query.from(Users).pipe(Query.only("id", "name"), Query.orderBy(Users.c.id)))
          expect(Object.keys(some[0]).sort()).toEqual(["id", "name"])
          const rest = yield* Query.all(Query.from(Users).pipe(Query.defer("createdAt", "email"), Query.orderBy(Users.c.id)))
          expect(Object.keys(rest[0]).sort()).toEqual(["active", "age", "id", "name"])
        }))
    })

    describe("filters", () => {
      it.effect("lookups, IN lists (empty: false / true), BETWEEN, NULL", () =>
        Effect.gen(function*() {
          yield* seed
          const q = (where: Expr.Predicate | Lookup.Lookup<typeof Users>) =>
            Query.all(Query.where(Query.from(Users), where).pipe(Query.orderBy(Users.c.id)))
          expect(names(yield* q({ age: { gte: 18 } }))).toEqual(["Ann", "Dee"])
          expect(names(yield* q(Expr.in(Users.c.id, [])))).toEqual([])
          expect((yield* q(Expr.notIn(Users.c.id, []))).length).toBe(4)
          expect(names(yield* q({ age: null }))).toEqual(["bob"])
          expect(names(yield* q({ age: { in: [17, null] } }))).toEqual(["bob", "Cid"])
          expect(names(yield* q({ age: { between: [17, 31] } }))).toEqual(["Ann", "Cid"])
          expect(names(yield* q(Expr.or(Expr.isNull(Users.c.age), Expr.lt(Users.c.age, 18))))).toEqual(["bob", "Cid"])
          expect(names(yield* q({ createdAt: { lt: new Date("2021-01-01T00:00:00Z") } }))).toEqual(["Dee"])
          expect(names(yield* q({ active: false }))).toEqual(["bob"])
        }))

      it.effect("exclude is the complement of filter, NULLs included", () =>
        Effect.gen(function*() {
          yield* seed
          const kept = yield* Query.all(Query.from(Users).pipe(Query.where({ age: { gt: 20 } })))
          const dropped = yield* Query.all(Query.from(Users).pipe(Query.exclude({ age: { gt: 20 } })))
          expect(kept.length + dropped.length).toBe(4)
          expect(names(dropped).sort()).toEqual(["Cid", "bob"])
        }))

      it.effect("pattern matches: case-sensitive unless asked, wildcards in the text escaped", () =>
        Effect.gen(function*() {
          yield* seed
          const q = (where: Expr.Predicate) => Effect.map(Query.all(Query.from(Users).pipe(Query.where(where))), names)
          expect(yield* q(Expr.startsWith(Users.c.name, "b"))).toEqual(["bob"])
          expect(yield* q(Expr.startsWith(Users.c.name, "B"))).toEqual([])
          expect(yield* q(Expr.iStartsWith(Users.c.name, "B"))).toEqual(["bob"])
          expect(yield* q(Expr.contains(Users.c.name, "NN"))).toEqual([])
          expect(yield* q(Expr.iContains(Users.c.name, "NN"))).toEqual(["Ann"])
          expect(yield* q(Expr.endsWith(Users.c.name, "e"))).toEqual(["Dee"])
          expect(yield* q(Expr.contains(Users.c.email, "100%_x"))).toEqual(["Cid"])
          expect(yield* q(Expr.contains(Users.c.email, "10%"))).toEqual([])
          expect(yield* q(Expr.contains(Users.c.email, "_"))).toEqual(["Cid"])
          expect(yield* q(Expr.like(Users.c.name, "A%"))).toEqual(["Ann"])
          expect(yield* q(Expr.like(Users.c.name, "a%"))).toEqual([])
          expect(yield* q(Expr.iLike(Users.c.name, "a%"))).toEqual(["Ann"])
          expect(yield* q(Expr.iEq(Users.c.name, "BOB"))).toEqual(["bob"])
        }))

      it.effect("text equality, IN, unique keys and ORDER BY go by code point on every dialect", () =>
        Effect.gen(function*() {
          yield* seed
          const q = (where: Expr.Predicate) => Effect.map(Query.all(Query.from(Users).pipe(Query.where(where))), names)
          expect(yield* q(Expr.eq(Users.c.name, "BOB"))).toEqual([])
          expect(yield* q(Expr.eq(Users.c.name, "bob"))).toEqual(["bob"])
          expect(yield* q(Expr.in(Users.c.name, ["ANN", "bob"]))).toEqual(["bob"])
          // MySQL's default collations would also equate accents and ignore case here
          expect(yield* q(Expr.eq(Users.c.name, "Ànn"))).toEqual([])
          // unique keys do not fold case either
          yield* Query.run(Query.insert(Users, newUser("Eve", { email: "eve@example.com" })))
          yield* Query.run(Query.insert(Users, newUser("EVE", { email: "EVE@example.com" })))
          // (PostgreSQL sorts by the database's collation: the test server's is C.UTF-8)
          const sorted = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.name)))
          expect(names(sorted)).toEqual(["Ann", "Cid", "Dee", "EVE", "Eve", "bob"])
        }))

      it.effect("column arithmetic and functions", () =>
        Effect.gen(function*() {
          yield* seed
          const older = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.gt(Expr.add(Users.c.age, 10), 50))))
          expect(names(older)).toEqual(["Dee"])
          const lower = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.eq(Expr.lower(Users.c.name), "ann"))))
          expect(names(lower)).toEqual(["Ann"])
          const coalesced = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.eq(Expr.coalesce(Users.c.age, 0), 0))))
          expect(names(coalesced)).toEqual(["bob"])
        }))

      it.effect("subqueries: IN (SELECT) and correlated EXISTS", () =>
        Effect.gen(function*() {
          yield* seed
          const authors = Query.from(Posts).pipe(Query.only("authorId"))
          const q = (where: Expr.Predicate) =>
            Effect.map(Query.all(Query.from(Users).pipe(Query.where(where), Query.orderBy(Users.c.id))), names)
          expect(yield* q(Expr.in(Users.c.id, authors))).toEqual(["Ann", "Cid"])
          expect(yield* q(Expr.notIn(Users.c.id, authors))).toEqual(["bob", "Dee"])
          const popular = Query.from(Posts).pipe(Query.where(Expr.eq(Posts.c.authorId, Users.c.id)), Query.where({ views: { gt: 6n } }))
          expect(yield* q(Expr.exists(popular))).toEqual(["Ann", "Cid"])
          expect(yield* q(Expr.notExists(popular))).toEqual(["bob", "Dee"])
        }))

      it.effect("raw SQL fragments and statements", () =>
        Effect.gen(function*() {
          yield* seed
          const even = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.sql<boolean>`${Users.c.age} % 2 = ${1}`)))
          expect(names(even).sort()).toEqual(["Ann", "Cid", "Dee"])
          const rows = yield* Query.all(
            Query.raw(Schema.Struct({ name: Schema.String }))`SELECT name FROM users WHERE age > ${40}`
          )
          expect(rows).toEqual([{ name: "Dee" }])
        }))
    })

    describe("ordering and slicing", () => {
      it.effect("NULLS FIRST / LAST (emulated on MySQL), LIMIT / OFFSET, DISTINCT", () =>
        Effect.gen(function*() {
          yield* seed
          const ages = (order: ReturnType<typeof Query.asc>) =>
            Effect.map(Query.all(Query.from(Users).pipe(Query.orderBy(order))), (rs) => rs.map((r) => r.age))
          expect(yield* ages(Query.asc(Users.c.age, { nulls: "first" }))).toEqual([null, 17, 31, 45])
          expect(yield* ages(Query.asc(Users.c.age, { nulls: "last" }))).toEqual([17, 31, 45, null])
          expect(yield* ages(Query.desc(Users.c.age, { nulls: "first" }))).toEqual([null, 45, 31, 17])
          expect(yield* ages(Query.desc(Users.c.age, { nulls: "last" }))).toEqual([45, 31, 17, null])
          const page = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id), Query.limit(2), Query.offset(1)))
          expect(names(page)).toEqual(["bob", "Cid"])
          const tail = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id), Query.offset(3)))
          expect(names(tail)).toEqual(["Dee"])
          const active = yield* Query.all(Query.from(Users).pipe(Query.only("active"), Query.distinct, Query.orderBy(Users.c.active)))
          expect(active).toEqual([{ active: false }, { active: true }])
        }))
    })

    describe("execution", () => {
      it.effect("get fails with NotFound / MultipleFound; first, last, count, exists", () =>
        Effect.gen(function*() {
          const { dee } = yield* seed
          expect(yield* Query.get(Query.from(Users).pipe(Query.where({ id: dee.id })))).toEqual(dee)
          const none = yield* Effect.flip(Query.get(Query.from(Users).pipe(Query.where({ name: "nobody" }))))
          expect(none._tag).toBe("NotFound")
          const many = yield* Effect.flip(Query.get(Query.from(Users)))
          expect(many._tag).toBe("MultipleFound")
          expect(Option.map(yield* Query.first(Query.from(Users)), (u) => u.name)).toEqual(Option.some("Ann"))
          expect(Option.map(yield* Query.last(Query.from(Users)), (u) => u.name)).toEqual(Option.some("Dee"))
          const byAge = (nulls: "first" | "last") => Query.from(Users).pipe(Query.orderBy(Query.asc(Users.c.age, { nulls })))
          expect(Option.map(yield* Query.last(byAge("last")), (u) => u.name)).toEqual(Option.some("bob"))
          expect(Option.map(yield* Query.last(byAge("first")), (u) => u.name)).toEqual(Option.some("Dee"))
          expect(Option.map(yield* Query.first(byAge("first")), (u) => u.name)).toEqual(Option.some("bob"))
          const sliced = Query.from(Users).pipe(Query.orderBy(Users.c.id), Query.limit(2))
          expect(Option.map(yield* Query.last(sliced), (u) => u.name)).toEqual(Option.some("bob"))
          expect(yield* Query.first(Query.from(Users).pipe(Query.where({ name: "nobody" })))).toEqual(Option.none())
          expect(yield* Query.count(Query.from(Users))).toBe(4)
          expect(yield* Query.count(Query.from(Users).pipe(Query.where({ active: true }), Query.limit(2)))).toBe(2)
          expect(yield* Query.count(Query.from(Users).pipe(Query.only("active"), Query.distinct))).toBe(2)
          expect(yield* Query.exists(Query.from(Users).pipe(Query.where({ name: "bob" })))).toBe(true)
          expect(yield* Query.exists(Query.from(Users).pipe(Query.where({ name: "nobody" })))).toBe(false)
        }))

      it.effect("aggregates decode to their declared types (PostgreSQL's text COUNT, MySQL's DECIMAL SUM)", () =>
        Effect.gen(function*() {
          yield* seed
          const stats = yield* Query.aggregate(Query.from(Users), {
            n: Expr.count(),
            withAge: Expr.count(Users.c.age),
            total: Expr.sum(Users.c.age),
            mean: Expr.avg(Users.c.age),
            youngest: Expr.min(Users.c.age),
            newest: Expr.max(Users.c.createdAt)
          })
          expect(stats).toEqual({
            n: 4,
            withAge: 3,
            total: 93,
            mean: 31,
            youngest: 17,
            newest: new Date("2024-01-02T03:04:05.678Z")
          })
          const empty = yield* Query.from(Users).pipe(Query.where({ age: 1000 }), Query.aggregate({ n: Expr.count(), total: Expr.sum(Users.c.age) }))
          expect(empty).toEqual({ n: 0, total: null })
          const views = yield* Query.aggregate(Query.from(Posts), { total: Expr.sum(Posts.c.views) })
          expect(views.total).toBe(9007199254741005n)
          const perAuthor = yield* Query.all(Query.from(Posts).pipe(
            Query.groupBy(Posts.c.authorId),
            Query.having(Expr.gt(Expr.count(), 1)),
            Query.select({ author: Posts.c.authorId, n: Expr.count() })
          ))
          expect(perAuthor.map((r) => r.n)).toEqual([2])
        }))

      it.effect("joins: inner and left, decoded per table, a missing left row is null", () =>
        Effect.gen(function*() {
          const { ann } = yield* seed
          const inner = yield* Query.all(Query.from(Users).pipe(
            Query.innerJoin(Posts, Expr.eq(Posts.c.authorId, Users.c.id)),
            Query.where({ id: ann.id }),
            Query.orderBy(Posts.c.id)
          ))
          expect(inner.map(([u, p]) => [u.name, p.title])).toEqual([["Ann", "a1"], ["Ann", "a2"]])
          expect(inner[0][1].views).toBe(9007199254740993n)
          const left = yield* Query.all(Query.from(Users).pipe(
            Query.only("name"),
            Query.leftJoin(Posts, Expr.eq(Posts.c.authorId, Users.c.id)),
            Query.orderBy(Users.c.id, Posts.c.title)
          ))
          expect(left.map(([u, p]) => [u.name, p?.title ?? null])).toEqual([
            ["Ann", "a1"],
            ["Ann", "a2"],
            ["bob", null],
            ["Cid", "c1"],
            ["Dee", null]
          ])
        }))

      it.effect("reads inside a transaction see its own uncommitted writes; other fibers do not", () =>
        Effect.gen(function*() {
          const { ann } = yield* seed
          const byName = Prepared.make(Query.from(Users).pipe(Query.where(Expr.eq(Users.c.name, Query.param("name")))))
          const outside = Effect.all([
            Query.count(Query.from(Users)),
            Effect.map(Query.first(Query.from(Users).pipe(Query.where({ name: "Eve" }))), Option.isSome)
          ])
          // a fiber forked inside the transaction would share it: this one starts before it
          const go = yield* Deferred.make<void>()
          const other = yield* Effect.fork(Effect.zipRight(Deferred.await(go), outside))
          const seen = yield* Database.transaction(Effect.gen(function*() {
            yield* Query.run(Query.insert(Users, newUser("Eve", { age: 50 })))
            yield* Query.run(Query.update(Users, { age: 32 }).pipe(Query.where({ id: ann.id })))
            const eve = yield* byName.get({ name: "Eve" })
            const inside = {
              count: yield* Query.count(Query.from(Users)),
              eve: eve.age,
              ann: (yield* Query.get(Query.from(Users).pipe(Query.where({ id: ann.id })))).age,
              all: (yield* Query.all(Query.from(Users).pipe(Query.orderBy(Users.c.id)))).map((u) => u.name),
              exists: yield* Query.exists(Query.from(Users).pipe(Query.where({ name: "Eve" })))
            }
            // another fiber, outside the transaction, still reads the committed state
            yield* Deferred.succeed(go, undefined)
            return { inside, other: yield* Fiber.join(other) }
          }))
          expect(seen.inside).toEqual({ count: 5, eve: 50, ann: 32, all: ["Ann", "bob", "Cid", "Dee", "Eve"], exists: true })
          expect(seen.other).toEqual([4, false])
          expect(yield* outside).toEqual([5, true])
        }))

      it.effect("functions: character lengths, trim, concat, float division (NULL by zero) and CASE", () =>
        Effect.gen(function*() {
          yield* seed
          const rows = yield* Query.all(Query.from(Users).pipe(
            Query.select({
              name: Users.c.name,
              chars: Expr.length(Expr.concat(Users.c.name, "é")),
              trimmed: Expr.trim(Expr.concat("  ", Users.c.name, " ")),
              half: Expr.div(Users.c.age, 2),
              byZero: Expr.div(Users.c.age, 0),
              band: Expr.caseWhen([[Expr.lt(Users.c.age, 18), "minor"], [Expr.lt(Users.c.age, 65), "adult"]], "unknown"),
              minor: Expr.caseWhen([[Expr.lt(Users.c.age, 18), Users.c.name]])
            }),
            Query.orderBy(Users.c.id)
          ))
          expect(rows).toEqual([
            { name: "Ann", chars: 4, trimmed: "Ann", half: 15.5, byZero: null, band: "adult", minor: null },
            { name: "bob", chars: 4, trimmed: "bob", half: null, byZero: null, band: "unknown", minor: null },
            { name: "Cid", chars: 4, trimmed: "Cid", half: 8.5, byZero: null, band: "minor", minor: "Cid" },
            { name: "Dee", chars: 4, trimmed: "Dee", half: 22.5, byZero: null, band: "adult", minor: null }
          ])
          // in conditions too, with bound values of the right type
          const long = yield* Query.all(Query.from(Users).pipe(
            Query.where(Expr.gt(Expr.length(Users.c.email), 20)),
            Query.only("name")
          ))
          expect(long.map((u) => u.name)).toEqual(["Cid"])
        }))

      it.effect("window functions: rankings per partition, ties, running and partition totals", () =>
        Effect.gen(function*() {
          yield* seed
          const rows = yield* Query.all(Query.from(Posts).pipe(
            Query.select({
              title: Posts.c.title,
              place: Expr.rowNumber({ partitionBy: [Posts.c.authorId], orderBy: [Query.desc(Posts.c.views)] }),
              rank: Expr.rank({ orderBy: [Posts.c.authorId] }),
              dense: Expr.denseRank({ orderBy: [Posts.c.authorId] }),
              authorViews: Expr.over(Expr.sum(Posts.c.views), { partitionBy: [Posts.c.authorId] }),
              running: Expr.over(Expr.count(), { orderBy: [Posts.c.id] })
            }),
            Query.orderBy(Posts.c.id)
          ))
          expect(rows).toEqual([
            { title: "a1", place: 1, rank: 1, dense: 1, authorViews: 9007199254740998n, running: 1 },
            { title: "a2", place: 2, rank: 1, dense: 1, authorViews: 9007199254740998n, running: 2 },
            { title: "c1", place: 1, rank: 3, dense: 2, authorViews: 7n, running: 3 }
          ])
          // ordering by a window function
          const byPlace = yield* Query.all(Query.from(Posts).pipe(
            Query.select({ title: Posts.c.title }),
            Query.orderBy(Query.desc(Expr.rowNumber({ orderBy: [Posts.c.title] })))
          ))
          expect(byPlace.map((r) => r.title)).toEqual(["c1", "a2", "a1"])
        }))

      it.effect("set operations: union (members ordered and sliced), union all, intersect, except, projections", () =>
        Effect.gen(function*() {
          yield* seed
          const byAge = Query.from(Users).pipe(Query.where({ age: { isNull: false } }))
          const ends = yield* Query.all(Query.union([
            byAge.pipe(Query.orderBy(Users.c.age), Query.limit(1)),
            byAge.pipe(Query.orderBy(Query.desc(Users.c.age)), Query.limit(1))
          ], { orderBy: ["name"] }))
          expect(ends.map((u) => u.name)).toEqual(["Cid", "Dee"])
          expect(ends[0]).toEqual(yield* Query.get(Query.from(Users).pipe(Query.where({ name: "Cid" }))))
          const active = Query.from(Users).pipe(Query.where({ active: true }))
          const adults = Query.from(Users).pipe(Query.where({ age: { gte: 18 } }))
          const both = yield* Query.all(Query.intersect([active, adults], { orderBy: [["name", "desc"]] }))
          expect(both.map((u) => u.name)).toEqual(["Dee", "Ann"])
          const notActive = yield* Query.all(Query.except([Query.from(Users), active]))
          expect(notActive.map((u) => u.name)).toEqual(["bob"])
          const twice = yield* Query.all(Query.unionAll([active.pipe(Query.only("name")), active.pipe(Query.only("name"))]))
          expect(twice.map((u) => u.name).sort()).toEqual(["Ann", "Ann", "Cid", "Cid", "Dee", "Dee"])
          // projections with the same keys, from different tables; paged; streamed; one row with get
          const labels = Query.union([
            Query.from(Users).pipe(Query.select({ label: Users.c.name })),
            Query.from(Posts).pipe(Query.select({ label: Posts.c.title }))
          ], { orderBy: ["label"], limit: 3, offset: 1 })
          expect((yield* Query.all(labels)).map((r) => r.label)).toEqual(["Cid", "Dee", "a1"])
          const streamed = yield* Stream.runCollect(Query.stream(labels))
          expect(Chunk.toReadonlyArray(streamed).map((r) => r.label)).toEqual(["Cid", "Dee", "a1"])
          const one = yield* Query.get(Query.union([active.pipe(Query.where({ name: "Ann" })), adults.pipe(Query.where({ name: "Ann" }))]))
          expect(one.name).toBe("Ann")
          // as a subquery: users who wrote a post, or are called Dee
          const ids = Query.union([
            Query.from(Posts).pipe(Query.select({ id: Posts.c.authorId })),
            Query.from(Users).pipe(Query.where({ name: "Dee" }), Query.select({ id: Users.c.id }))
          ])
          const chosen = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.in(Users.c.id, ids)), Query.orderBy(Users.c.name)))
          expect(chosen.map((u) => u.name)).toEqual(["Ann", "Cid", "Dee"])
          const rest = yield* Query.all(Query.from(Users).pipe(Query.where(Expr.notIn(Users.c.id, ids))))
          expect(rest.map((u) => u.name)).toEqual(["bob"])
        }))

      it.effect("stream reads rows in order", () =>
        Effect.gen(function*() {
          yield* seed
          const rows = yield* Stream.runCollect(Query.stream(Query.from(Users).pipe(Query.orderBy(Users.c.id))))
          expect(Chunk.toReadonlyArray(rows).map((u) => u.name)).toEqual(["Ann", "bob", "Cid", "Dee"])
        }))

      it.effect("prepared queries run many times with new arguments; a missing one is a typed failure", () =>
        Effect.gen(function*() {
          const { ann, dee } = yield* seed
          const byId: Prepared.Prepared<Query.Select<Query.Row<typeof q>, typeof Users>, { readonly id: number }> = Prepared.make(
            Query.from(Users).pipe(Query.where(Expr.eq(Users.c.id, Query.param("id"))))
          )
          const q = Query.from(Users)
          expect(yield* byId.get({ id: ann.id })).toEqual(ann)
          expect(yield* byId.get({ id: dee.id })).toEqual(dee)
          const page = Prepared.make(Query.from(Users).pipe(
            Query.where({ age: { gte: Query.param("min") } }),
            Query.orderBy(Users.c.age),
            Query.limit(Query.param("n"))
          ))
          expect(names(yield* page.all({ min: 18, n: 1 }))).toEqual(["Ann"])
          expect(names(yield* page.all({ min: 0, n: 5 }))).toEqual(["Cid", "Ann", "Dee"])
          const missing = yield* Effect.flip(page.all({ min: 1 }))
          expect(missing._tag).toBe("ValidationError")
          const wrong = yield* Effect.either(byId.get({ id: "x" as unknown as number }))
          expect(Either.isLeft(wrong) && wrong.left._tag).toBe("ValidationError")
        }))
    })
  })
}
