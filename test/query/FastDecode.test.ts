import { Model } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Equal, Option, Schema } from "effect"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import { selectPlan } from "../../src/query/internal/plan.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"

class Person extends Model.Class<Person>("Person")({
  id: Schema.Int,
  name: Schema.String.pipe(Schema.maxLength(5)),
  role: Schema.Literal("a", "b"),
  nick: Schema.NullOr(Schema.String),
  score: Schema.Number,
  flag: Schema.Boolean,
  seen: Model.DateTimeFromDate,
  maybe: Model.FieldOption(Schema.Int)
}) {}
const People = Table.make(Person, { name: "people" })

const decodeRow = (query: Query.Select<any, any, any>, row: Record<string, unknown>) =>
  selectPlan(query.ast, "all", Dialect.postgres).decodeRow(row)

const good = {
  id: 1,
  name: "Ada",
  role: "a",
  nick: null,
  score: 1.5,
  flag: true,
  seen: new Date("2020-01-02T03:04:05.678Z"),
  maybe: 7
}

// the fast path must agree with the schema: same values, same instances, same failures
describe("row decoding", () => {
  it("decodes whole rows to model instances equal to the schema's", () => {
    const fast = decodeRow(Query.from(People), good)
    const slow = Schema.decodeUnknownEither(Person)(good)
    expect(Either.isRight(fast) && Either.isRight(slow)).toBe(true)
    const a = Either.getOrThrow(fast) as Person
    const b = Either.getOrThrow(slow)
    expect(a).toBeInstanceOf(Person)
    expect(Equal.equals(a, b)).toBe(true)
    expect(DateTime.isDateTime(a.seen)).toBe(true)
    expect(a.maybe).toEqual(Option.some(7))
  })

  it("decodes subsets to plain records", () => {
    const row = Either.getOrThrow(decodeRow(Query.from(People).pipe(Query.only("id", "nick")), { id: 2, nick: "x" }))
    expect(row).toEqual({ id: 2, nick: "x" })
  })

  for (
    const [field, value] of [
      ["id", 1.5],
      ["name", "too long"],
      ["role", "c"],
      ["nick", 3],
      ["score", "one"],
      ["flag", "yes"],
      ["seen", "not a date"],
      ["maybe", "x"]
    ] as const
  ) {
    it(`rejects a bad ${field} with the schema's own error`, () => {
      const fast = decodeRow(Query.from(People), { ...good, [field]: value })
      expect(Either.isLeft(fast)).toBe(true)
      if (Either.isLeft(fast)) {
        expect(fast.left._tag).toBe("ValidationError")
        expect(fast.left.column).toBe(field)
      }
    })
  }
})

describe("projection decoding", () => {
  const projection = () =>
    Query.from(People).pipe(
      Query.select({ who: People.c.name, when: People.c.seen, maybe: People.c.maybe, n: Expr.count() })
    )
  const row = { who: "Ada", when: new Date("2020-01-02T03:04:05.678Z"), maybe: null, n: "3" }

  it("decodes each entry with its own schema", () => {
    const decoded = Either.getOrThrow(decodeRow(projection(), row)) as Record<string, unknown>
    expect(Object.keys(decoded)).toEqual(["who", "when", "maybe", "n"])
    expect(decoded.who).toBe("Ada")
    expect(DateTime.isDateTime(decoded.when)).toBe(true)
    expect(DateTime.toEpochMillis(decoded.when as DateTime.Utc)).toBe(row.when.getTime())
    expect(decoded.maybe).toEqual(Option.none())
    expect(decoded.n).toBe(3)
  })

  it("rejects a bad value with the schema's own error", () => {
    for (const bad of [{ who: "too long" }, { when: "not a date" }, { maybe: "x" }]) {
      const decoded = decodeRow(projection(), { ...row, ...bad })
      expect(Either.isLeft(decoded)).toBe(true)
      if (Either.isLeft(decoded)) {
        expect(decoded.left._tag).toBe("ValidationError")
        expect(decoded.left.column).toBe(Object.keys(bad)[0])
      }
    }
  })

  it("a projection built anew reuses the same decoder", () => {
    const a = selectPlan(projection().ast, "all", Dialect.postgres).decodeRow
    const b = selectPlan(projection().ast, "all", Dialect.postgres).decodeRow
    expect(a).toBe(b)
    expect(selectPlan(projection().ast, "all", Dialect.mysql).decodeRow).not.toBe(a)
  })
})

describe("insert encoding", () => {
  const row = { ...good, seen: DateTime.unsafeMake(good.seen), maybe: Option.some(7) }

  it("encodes a valid row as the schema does", () => {
    const compiled = Query.compile(Query.insert(People, row as any), Dialect.sqlite)
    expect(Either.isRight(compiled)).toBe(true)
    if (Either.isRight(compiled)) {
      expect(compiled.right.params).toEqual([1, "Ada", "a", null, 1.5, 1, "2020-01-02T03:04:05.678Z", 7])
    }
  })

  for (const [field, value] of [["id", 1.5], ["name", "too long"], ["role", "c"], ["flag", 1], ["maybe", 7]] as const) {
    it(`rejects a bad ${field} before any SQL, with the schema's own error`, () => {
      const compiled = Query.compile(Query.insert(People, { ...row, [field]: value } as any), Dialect.sqlite)
      expect(Either.isLeft(compiled)).toBe(true)
      if (Either.isLeft(compiled)) {
        expect(compiled.left._tag).toBe("ValidationError")
        expect((compiled.left as { column?: string }).column).toBe(field)
      }
    })
  }
})
