import { Model } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { BigDecimal, DateTime, Effect, Option, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Column from "../../src/schema/Column.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import * as F from "./fixtures.js"

const Nested = Schema.Struct({
  a: Schema.Array(Schema.Union(Schema.Number, Schema.Struct({ b: Schema.String, c: Schema.NullOr(Schema.Boolean) }))),
  d: Schema.Boolean,
  e: Schema.String
})

/** Every supported column type, with its edge values. */
class Everything extends Model.Class<Everything>("Everything")({
  id: Model.Generated(Schema.Int),
  text: Schema.String,
  textOrNull: Schema.NullOr(Schema.String),
  short: Schema.String.pipe(Schema.maxLength(10)),
  int: Schema.Int,
  big: Schema.BigInt,
  bigSelf: Schema.BigIntFromSelf,
  float: Schema.Number,
  decimal: Column.Decimal(30, 10),
  decimalText: Column.DecimalString(30, 10),
  flag: Schema.Boolean,
  at: Schema.Date,
  atSelf: Schema.DateFromSelf,
  utc: Schema.DateTimeUtc,
  json: Column.Json(Nested),
  jsonText: Schema.parseJson(Nested),
  uuid: Schema.UUID,
  role: Schema.Literal("admin", "user"),
  bytes: Schema.Uint8ArrayFromSelf,
  point: F.Point,
  maybe: Model.FieldOption(Schema.Int)
}) {}

const Everythings = Table.make(Everything, { name: "everything" })

const nested = { a: [1, { b: "x ✓", c: null }, { b: "", c: true }], d: false, e: "é\"'\\" } as const

const rows: ReadonlyArray<Table.Insert<typeof Everythings>> = [
  {
    text: "unicode 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文 🎉 'quotes' \"double\" \\ back",
    textOrNull: "",
    short: "",
    int: 2147483647,
    big: 9223372036854775807n,
    bigSelf: -9223372036854775808n,
    float: 0.1,
    decimal: BigDecimal.unsafeFromString("12345678901234567890.1234567890"),
    decimalText: "-99999999999999999999.9999999999",
    flag: true,
    at: new Date(0),
    atSelf: new Date("9999-12-31T23:59:59.999Z"),
    utc: DateTime.unsafeMake("2024-02-29T12:34:56.789Z"),
    json: nested,
    jsonText: nested,
    uuid: "123e4567-e89b-42d3-a456-426614174000",
    role: "admin",
    bytes: new Uint8Array([0, 255, 1, 2, 128]),
    point: [1.5, -2],
    maybe: Option.some(-1)
  },
  {
    text: "",
    textOrNull: null,
    short: "0123456789",
    int: -2147483648,
    big: -9223372036854775808n,
    bigSelf: 9007199254740993n,
    float: -1.7976931348623157e308,
    decimal: BigDecimal.unsafeFromString("0.0000000001"),
    decimalText: "0",
    flag: false,
    at: new Date("2000-01-01T00:00:00.001Z"),
    atSelf: new Date(0),
    utc: DateTime.unsafeMake(0),
    json: { a: [], d: true, e: "" },
    jsonText: { a: [], d: true, e: "" },
    uuid: "00000000-0000-4000-8000-000000000000",
    role: "user",
    bytes: new Uint8Array([]),
    point: [0, 0],
    maybe: Option.none()
  }
]

const sameRow = Schema.equivalence(Everything)

for (const c of cases("roundtrip")) {
  layer(c.layer, { timeout: 120_000 })(`round trips [${c.name}]`, (it) => {
    it.effect("every supported type comes back equal, edge values included", () =>
      Effect.gen(function*() {
        yield* Ddl.dropAll([Everythings])
        yield* Ddl.createAll([Everythings])
        yield* Query.run(Query.insertMany(Everythings, rows))
        const back = yield* Query.all(Query.from(Everythings).pipe(Query.orderBy(Everythings.c.id)))
        expect(back.length).toBe(rows.length)
        back.forEach((row, i) => {
          const expected = Everything.make({ ...rows[i], id: row.id } as any)
          for (const field of Object.keys(Everything.fields) as Array<keyof Everything>) {
            const eq = Schema.equivalence(Schema.Struct({ [field]: (Everything.fields as any)[field] }) as any)
            expect(eq({ [field]: row[field] }, { [field]: expected[field] }), `${c.name} row ${i} ${String(field)}`)
              .toBe(true)
          }
          expect(sameRow(row, expected)).toBe(true)
        })
        // empty string and NULL stay distinct
        expect(back.map((r) => r.textOrNull)).toEqual(["", null])
        // exact beyond 2^53, both directions
        expect(back.map((r) => r.big)).toEqual([9223372036854775807n, -9223372036854775808n])
        expect(back[1].bigSelf).toBe(9007199254740993n)
        // filters bind values through the column's codec too
        const found = yield* Query.all(Query.from(Everythings).pipe(Query.where({
          big: 9223372036854775807n,
          flag: true,
          at: new Date(0),
          role: "admin"
        })))
        expect(found.map((r) => r.id)).toEqual([back[0].id])
      }))

    it.effect("aggregates decode to the declared types (PostgreSQL returns COUNT/SUM as text)", () =>
      Effect.gen(function*() {
        const totals = yield* Query.aggregate(Query.from(Everythings), {
          n: Expr.count(),
          ints: Expr.sum(Everythings.c.int),
          floats: Expr.avg(Everythings.c.int),
          firstAt: Expr.min(Everythings.c.at),
          anyFlag: Expr.max(Everythings.c.int)
        })
        expect(totals.n).toBe(2)
        expect(totals.ints).toBe(-1)
        expect(typeof totals.floats).toBe("number")
        expect(totals.floats).toBeCloseTo(-0.5)
        expect(totals.firstAt).toEqual(new Date(0))
        expect(totals.anyFlag).toBe(2147483647)
        const flagged = yield* Query.count(Query.from(Everythings).pipe(Query.where({ flag: false })))
        expect(flagged).toBe(1)
      }))

    it.effect("the DDL of every column feature runs, and its constraints hold", () =>
      Effect.gen(function*() {
        yield* Ddl.dropAll(F.all)
        yield* Ddl.createAll(F.all)
        const author = yield* Query.get(Query.insert(F.Authors, {
          email: "ada@example.com",
          displayName: "Ada",
          role: "admin",
          active: true,
          karma: 3
        }).pipe(Query.returning()))
        const post = {
          authorId: author.id,
          editorId: null,
          slug: "hello",
          title: "Hello",
          body: null,
          views: 0n,
          rating: 4.5,
          price: BigDecimal.unsafeFromString("1.5"),
          publishedAt: null,
          meta: { tags: ["a"] },
          externalId: "123e4567-e89b-42d3-a456-426614174000",
          location: [1, 2] as const
        }
        yield* Query.run(Query.insert(F.Posts, post))
        // composite unique (author, slug)
        expect((yield* Effect.flip(Query.run(Query.insert(F.Posts, post))))._tag).toBe("UniqueViolation")
        // the table-level check on rating
        expect((yield* Effect.flip(Query.run(Query.insert(F.Posts, { ...post, slug: "x", rating: 9 }))))._tag)
          .toBe("CheckViolation")
        // a foreign key to a missing author
        expect((yield* Effect.flip(Query.run(Query.insert(F.Posts, { ...post, slug: "y", authorId: 999 }))))._tag)
          .toBe("ForeignKeyViolation")
        // the enum's CHECK, bypassing the schema with raw SQL
        const db = yield* Database.Database
        const q = db.dialect.quote
        const rawRole = yield* Effect.flip(db.run({
          sql: `UPDATE ${q("authors")} SET ${q("role")} = ${db.dialect.placeholder(1)}`,
          params: ["nobody"]
        }))
        expect(rawRole._tag).toBe("CheckViolation")
        // SQL defaults fill what the insert leaves out
        yield* db.run({
          sql: `INSERT INTO ${q("authors")} (${q("email")}, ${q("display_name")}, ${q("role")}) VALUES (${
            db.dialect.placeholder(1)
          }, ${db.dialect.placeholder(2)}, ${db.dialect.placeholder(3)})`,
          params: ["b@example.com", "B", "reader"]
        })
        const b = yield* Query.get(Query.from(F.Authors).pipe(Query.where({ email: "b@example.com" })))
        expect([b.active, b.karma]).toEqual([true, 0])
        // ON DELETE CASCADE through posts to post_tags
        const [p] = yield* Query.all(Query.from(F.Posts))
        yield* Query.run(Query.insert(F.PostTags, { postId: p.id, tag: "t", weight: 1 }))
        yield* Query.run(Query.delete(F.Authors).pipe(Query.where({ id: author.id })))
        expect(yield* Query.count(Query.from(F.Posts))).toBe(0)
        expect(yield* Query.count(Query.from(F.PostTags))).toBe(0)
        yield* Ddl.dropAll(F.all)
      }))
  })
}
