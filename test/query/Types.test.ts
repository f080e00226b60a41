/**
 * Type tests: `tsc` checks the `@ts-expect-error` lines (a line that compiles
 * is an error), vitest runs the `expectTypeOf` assertions.
 */
import { describe, expectTypeOf, it } from "@effect/vitest"
import type { Effect, Option } from "effect"
import type { RunResult } from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import { newUser, type Post, Posts, type Tag, Tags, type User, Users } from "./fixtures.js"

const ann = newUser("Ann")

describe("Types", () => {
  it("rows: full model, only / defer, joins, projections", () => {
    expectTypeOf<Query.Row<ReturnType<typeof Query.from<typeof Users>>>>().toEqualTypeOf<User>()
    const some = Query.from(Users).pipe(Query.only("id", "name"))
    expectTypeOf<Query.Row<typeof some>>().toEqualTypeOf<Pick<User, "id" | "name">>()
    const rest = Query.from(Users).pipe(Query.defer("createdAt"))
    expectTypeOf<Query.Row<typeof rest>>().toEqualTypeOf<Omit<User, "createdAt">>()
    const joined = Query.from(Users).pipe(
      Query.innerJoin(Posts, Expr.eq(Posts.c.authorId, Users.c.id)),
      Query.leftJoin(Tags, Expr.eq(Tags.c.postId, Posts.c.id))
    )
    expectTypeOf<Query.Row<typeof joined>>().toEqualTypeOf<readonly [User, Post, Tag | null]>()
    const projected = Query.from(Posts).pipe(
      Query.groupBy(Posts.c.authorId),
      Query.select({ author: Posts.c.authorId, n: Expr.count(), views: Expr.sum(Posts.c.views), top: Expr.max(Posts.c.publishedAt) })
    )
    expectTypeOf<Query.Row<typeof projected>>().toEqualTypeOf<
      { readonly author: number; readonly n: number; readonly views: bigint | null; readonly top: Date | null }
    >()
  })

  it("functions: lengths, texts, division and CASE keep NULL where it can come", () => {
    const q = Query.from(Users).pipe(Query.select({
      nameLength: Expr.length(Users.c.name),
      trimmed: Expr.trim(Users.c.name),
      label: Expr.concat(Users.c.name, " <", Users.c.email, ">"),
      perYear: Expr.div(Users.c.age, 2),
      band: Expr.caseWhen([[Expr.lt(Users.c.age, 18), "minor"], [Expr.lt(Users.c.age, 65), "adult"]], "senior"),
      maybe: Expr.caseWhen([[Expr.lt(Users.c.age, 18), "minor"]])
    }))
    expectTypeOf<Query.Row<typeof q>>().toEqualTypeOf<{
      readonly nameLength: number
      readonly trimmed: string
      readonly label: string
      readonly perYear: number | null
      readonly band: string
      readonly maybe: string | null
    }>()
    // @ts-expect-error: text functions take text
    Expr.length(Users.c.age)
    const windows = Query.from(Posts).pipe(Query.select({
      place: Expr.rowNumber({ partitionBy: [Posts.c.authorId] }),
      total: Expr.over(Expr.sum(Posts.c.views), { orderBy: [Posts.c.id] })
    }))
    expectTypeOf<Query.Row<typeof windows>>().toEqualTypeOf<{ readonly place: number; readonly total: bigint | null }>()
    const combined = Query.union([Query.from(Users), Query.from(Users).pipe(Query.where({ active: true }))], { orderBy: ["name"] })
    expectTypeOf<Query.Row<typeof combined>>().toEqualTypeOf<User>()
    // @ts-expect-error: the compound is ordered by its result keys
    Query.union([Query.from(Users), Query.from(Users)], { orderBy: ["nope"] })
  })

  it("execution results", () => {
    const q = Query.from(Users).pipe(Query.only("name"))
    expectTypeOf(Query.all(q)).toMatchTypeOf<Effect.Effect<ReadonlyArray<{ readonly name: string }>, any, any>>()
    expectTypeOf(Query.get(q)).toMatchTypeOf<Effect.Effect<{ readonly name: string }, any, any>>()
    expectTypeOf(Query.first(q)).toMatchTypeOf<Effect.Effect<Option.Option<{ readonly name: string }>, any, any>>()
    expectTypeOf(Query.count(q)).toMatchTypeOf<Effect.Effect<number, any, any>>()
    expectTypeOf(Query.run(Query.insert(Users, ann))).toMatchTypeOf<Effect.Effect<RunResult, any, any>>()
    expectTypeOf(Query.get(Query.insert(Users, ann).pipe(Query.returning("id"))))
      .toMatchTypeOf<Effect.Effect<{ readonly id: number }, any, any>>()
    expectTypeOf(Query.aggregate(q, { n: Expr.count(), avg: Expr.avg(Users.c.age) }))
      .toMatchTypeOf<Effect.Effect<{ readonly n: number; readonly avg: number | null }, any, any>>()
    const byId: Prepared.Prepared<typeof q, { readonly id: number }> = Prepared.make(q)
    expectTypeOf(byId.get({ id: 1 })).toMatchTypeOf<Effect.Effect<{ readonly name: string }, any, any>>()
  })

  it("what must not compile (checked by tsc, never run)", () => {
    const neverRun = () => {
      // @ts-expect-error: an insert missing a required field
      Query.insert(Users, { name: "x" })
      // @ts-expect-error: an insert with a wrong-typed value
      Query.insert(Users, { ...ann, age: "old" })
      // @ts-expect-error: a generated field is not insertable... nor is a field the model lacks
      Query.insert(Users, { ...ann, nope: 1 })
      // @ts-expect-error: comparing a number column with a string
      Expr.eq(Users.c.age, "x")
      // @ts-expect-error: a pattern on a non-text column
      Expr.startsWith(Users.c.age, "1")
      // @ts-expect-error: a lookup naming an unknown field (data-last)
      Query.from(Users).pipe(Query.where({ nope: 1 }))
      // @ts-expect-error: a lookup with a wrong-typed value
      Query.from(Users).pipe(Query.where({ age: { gte: "x" } }))
      // @ts-expect-error: a text operator on a number field
      Query.from(Users).pipe(Query.where({ age: { startsWith: "x" } }))
      // @ts-expect-error: a lookup naming an unknown field (data-first)
      Query.where(Query.from(Users), { nope: 1 })
      // @ts-expect-error: a non-boolean expression as a condition
      Query.from(Users).pipe(Query.where(Users.c.age))
      // @ts-expect-error: only an unknown field
      Query.from(Users).pipe(Query.only("nope"))
      // @ts-expect-error: update of an unknown field
      Query.update(Users, { nope: 1 })
      // @ts-expect-error: update with a wrong-typed value
      Query.update(Users, { age: "x" })
      // @ts-expect-error: returning an unknown field
      Query.insert(Users, ann).pipe(Query.returning("nope"))
      // @ts-expect-error: WHERE on an insert
      Query.insert(Users, ann).pipe(Query.where({ id: 1 }))
      // @ts-expect-error: running a SELECT as a write
      Query.run(Query.from(Users))
      // @ts-expect-error: reading rows from a write without returning
      Query.all(Query.insert(Users, ann))
    }
    expectTypeOf(neverRun).toBeFunction()
  })

  it("what compiles", () => {
    Query.from(Users).pipe(Query.where({ age: { gte: 18 }, name: { startsWith: "J" }, email: "a" }))
    Query.from(Users).pipe(Query.where({ age: null, id: { in: [1, 2] } }))
    Query.from(Users).pipe(Query.where(Expr.eq(Users.c.age, Query.param("age"))))
    Query.update(Users, { age: Expr.add(Users.c.age, 1), name: Expr.upper(Users.c.name) })
    Expr.eq(Posts.c.authorId, Users.c.id)
    Expr.gt(Users.c.id, Users.c.age)
  })
})
