import { describe, expect, it } from "@effect/vitest"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Snapshot from "../../src/schema/Snapshot.js"
import * as F from "./fixtures.js"

const dialects = [Dialect.sqlite, Dialect.postgres, Dialect.mysql]

describe("Ddl", () => {
  // golden files side by side: test/schema/golden/ddl.<dialect>.sql
  for (const d of dialects) {
    it(`creates every column feature [${d.name}]`, async () => {
      const sql = Ddl.createTables(F.all, d).map((s) => s + ";\n").join("")
      await expect(sql).toMatchFileSnapshot(`./golden/ddl.${d.name}.sql`)
    })
  }

  it("orders tables parents first, drops children first", () => {
    expect(Ddl.sortByDependencies(F.all).map((t) => t.name)).toEqual(["authors", "posts", "post_tags"])
    expect(Ddl.dropTables(F.all, Dialect.postgres)).toEqual([
      `DROP TABLE IF EXISTS "post_tags"`,
      `DROP TABLE IF EXISTS "posts"`,
      `DROP TABLE IF EXISTS "authors"`
    ])
  })

  it("quotes identifiers and literals per dialect", () => {
    expect(Dialect.postgres.quote(`we"ird`)).toBe(`"we""ird"`)
    expect(Dialect.mysql.quote("we`ird")).toBe("`we``ird`")
    expect(Dialect.mysql.stringLiteral(`it's \\ ok`)).toBe(`'it''s \\\\ ok'`)
    expect(Dialect.sqlite.stringLiteral(`it's \\ ok`)).toBe(`'it''s \\ ok'`)
  })

  it("omits IF NOT EXISTS when asked", () => {
    const [create] = Ddl.createTable(F.Authors, Dialect.sqlite, { ifNotExists: false })
    expect(create.startsWith(`CREATE TABLE "authors"`)).toBe(true)
  })
})

describe("Snapshot", () => {
  it("is deterministic and independent of declaration order", () => {
    const a = Snapshot.toJson(Snapshot.make(F.all))
    const b = Snapshot.toJson(Snapshot.make([F.Authors, F.PostTags, F.Posts]))
    expect(a).toBe(b)
    expect(Snapshot.fromJson(a)).toEqual(JSON.parse(a))
  })

  it("records types per dialect, keys, defaults, checks and foreign keys", async () => {
    const snap = Snapshot.make(F.all)
    const posts = snap.tables.find((t) => t.name === "posts")!
    const views = posts.columns.find((c) => c.name === "views")!
    expect(views.sqlType).toEqual({ sqlite: "INTEGER", postgres: "bigint", mysql: "BIGINT" })
    expect(views.default).toBe("0")
    expect(posts.foreignKeys.map((fk) => [fk.column, fk.references.table, fk.onDelete])).toEqual([
      ["author_id", "authors", "cascade"],
      ["editor_id", "authors", "set null"]
    ])
    expect(posts.checks).toEqual([{
      name: "posts_rating_range",
      sql: `"rating" >= 0 AND "rating" <= 5`,
      sqlByDialect: {
        sqlite: `"rating" >= 0 AND "rating" <= 5`,
        postgres: `"rating" >= 0 AND "rating" <= 5`,
        mysql: "`rating` >= 0 AND `rating` <= 5"
      }
    }])
    // the DDL's defaults per dialect (booleans are 0/1 where stored as integers)
    const active = snap.tables.find((t) => t.name === "authors")!.columns.find((c) => c.name === "active")!
    expect(active.defaultByDialect).toEqual({ sqlite: "1", postgres: "TRUE", mysql: "1" })
    await expect(Snapshot.toJson(snap)).toMatchFileSnapshot("./golden/snapshot.json")
  })
})
