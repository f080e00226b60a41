/**
 * Property tests without a database: whatever the values, they are bound as
 * parameters and never change the SQL text.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import { Posts, Tags, Users } from "./fixtures.js"
import { hostileString } from "./arbitraries.js"
import { dialects, sqlOf } from "./support.js"

const shape = (q: Query.Any, d: Dialect.Dialect) => sqlOf(q, d)[0]

describe("Properties: values never change the SQL", () => {
  it("string filters and patterns bind the value as data", () =>
    fc.assert(fc.property(hostileString, (s) => {
      for (const d of dialects) {
        const queries = [
          [false, (v: string) => Query.from(Users).pipe(Query.where({ name: v }))],
          [true, (v: string) => Query.from(Users).pipe(Query.where(Expr.contains(Users.c.name, v)))],
          [true, (v: string) => Query.from(Users).pipe(Query.where(Expr.iStartsWith(Users.c.email, v)))],
          [false, (v: string) => Query.from(Users).pipe(Query.where(Expr.in(Users.c.name, [v, v])))],
          [false, (v: string) => Query.update(Users, { name: v }).pipe(Query.where({ email: v }))],
          [false, (v: string) => Query.insert(Tags, { postId: 1, tag: v, weight: 1 })]
        ] as const
        for (const [pattern, make] of queries) {
          const compiled = Query.compile(make(s), d)
          if (s.includes("\u0000") && (!d.textNul || (pattern && !d.patternNul))) {
            // PostgreSQL text cannot hold NUL, SQLite patterns stop at it: a typed failure, never different SQL
            expect(Either.isLeft(compiled) && compiled.left._tag).toBe("Unsupported")
            continue
          }
          expect(Either.isRight(compiled)).toBe(true)
          if (Either.isRight(compiled)) {
            expect(compiled.right.sql).toBe(shape(make("x"), d))
            expect(compiled.right.params.length).toBe(sqlOf(make("x"), d)[1].length)
          }
        }
      }
    }), { numRuns: 300 }))

  it("equality binds the exact string", () =>
    fc.assert(fc.property(hostileString.filter((s) => !s.includes("\u0000")), (s) => {
      for (const d of dialects) {
        expect(sqlOf(Query.from(Users).pipe(Query.where({ name: s })), d)[1]).toEqual([s])
      }
    }), { numRuns: 200 }))

  it("numbers and 64-bit integers bind exactly, whatever their size", () =>
    fc.assert(fc.property(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      (x, n) => {
        for (const d of dialects) {
          const q = Query.from(Tags).pipe(Query.where({ weight: { lt: x } }))
          expect(sqlOf(q, d)).toEqual([shape(Query.from(Tags).pipe(Query.where({ weight: { lt: 0 } })), d), [x]])
          const big = sqlOf(Query.from(Posts).pipe(Query.where({ views: n })), d)
          expect(big[1]).toEqual([d.bigintParam === "bigint" ? n : String(n)])
        }
      }
    ), { numRuns: 200 }))
})
