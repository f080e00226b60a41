/**
 * `quarry replicate verify` and `repair` on real replicated sets (two SQLite
 * files; PostgreSQL → MariaDB): after a backfill verify says equal; a
 * divergence planted on the shadow directly (a row deleted, a value changed,
 * an extra row) makes verify exit 1 naming each key, repair re-copies just
 * those rows and says what it wrote, and verify exits 0 again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import { databaseUrl, layerAt } from "../support/dialects.js"
import { project, quarry } from "./support.js"

const config = `import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Mysql, Postgres, Replicated, Sqlite, Table } from "effect-quarry"

class Item extends Model.Class<Item>("Item")({ id: Model.Generated(Schema.Int), label: Schema.String }) {}
class Setting extends Model.Class<Setting>("Setting")({ key: Schema.String.pipe(Schema.maxLength(40)), value: Schema.String }) {}
const Items = Table.make(Item, { name: "items" })
const Settings = Table.make(Setting, { name: "settings", primaryKey: ["key"] })

const at = (url: string) =>
  url.startsWith("postgres") ? Postgres.layer({ url }) : url.startsWith("mysql") ? Mysql.layer({ url }) : Sqlite.layer({ filename: url })

export default {
  database: Replicated.layer({
    primary: at(process.env.PRIMARY_URL!),
    shadows: { dr: at(process.env.SHADOW_URL!) },
    tables: [Items, Settings]
  })
}
`

const ddl: { readonly [D in DialectName]: ReadonlyArray<string> } = {
  sqlite: [
    "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL)",
    "CREATE TABLE settings (key VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)"
  ],
  postgres: [
    "CREATE TABLE items (id SERIAL PRIMARY KEY, label TEXT NOT NULL)",
    "CREATE TABLE settings (key VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)"
  ],
  mysql: [
    "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, label TEXT NOT NULL)",
    "CREATE TABLE settings (`key` VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)"
  ]
}

/** Run statements on one database directly (not through the replicated set). */
const sql = (name: DialectName, url: string, statements: ReadonlyArray<string>) =>
  Effect.runPromise(
    Effect.forEach(statements, (s) => Database.run({ sql: s, params: [] }), { discard: true }).pipe(
      Effect.provide(Layer.fresh(layerAt(name, url)))
    )
  )

const values = (n: number) => Array.from({ length: n }, (_, i) => `('item ${i + 1}')`).join(", ")

for (const [primary, shadow] of [["sqlite", "sqlite"], ["postgres", "mysql"]] as const) {
  describe(`quarry replicate verify / repair: ${primary} → ${shadow}`, () => {
    it("verify says equal; finds a planted divergence by key (exit 1); repair fixes it; verify exits 0", () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const primaryUrl = yield* databaseUrl(primary, `cli_rv_${primary}_p`)
        const shadowUrl = yield* databaseUrl(shadow, `cli_rv_${shadow}_s`)
        yield* Effect.promise(async () => {
          const settings = "settings (key, value)"
          await sql(primary, primaryUrl, [
            ...ddl[primary],
            `INSERT INTO items (label) VALUES ${values(300)}`,
            `INSERT INTO ${settings} VALUES ('a', '1'), ('b', '2')`
          ])
          const dir = project({ "quarry.config.ts": config })
          const q = (...args: Array<string>) => quarry(args, { cwd: dir, env: { PRIMARY_URL: primaryUrl, SHADOW_URL: shadowUrl } })

          const backfilled = await q("replicate", "backfill", "dr")
          expect(backfilled.code).toBe(0)
          expect(backfilled.stdout).toBe("backfilled dr: 2 table(s), 302 row(s)\n")
          const clean = await q("replicate", "verify", "dr", "--chunk-size", "100")
          expect([clean.code, clean.stderr]).toEqual([0, ""])
          expect(clean.stdout).toMatch(/^items: equal \(300 rows on the primary, 300 rows on the shadow, 4 ranges\)$/m)
          expect(clean.stdout).toMatch(/^dr equals the primary at log position \d+ \(2 tables\)\n$/m)

          // planted on the shadow directly
          const extra = shadow === "mysql" ? "INSERT INTO settings (`key`, value) VALUES ('zz', 'x')" : "INSERT INTO settings (key, value) VALUES ('zz', 'x')"
          await sql(shadow, shadowUrl, [
            "DELETE FROM items WHERE id = 150",
            "UPDATE items SET label = 'tampered' WHERE id = 42",
            extra
          ])

          const found = await q("replicate", "verify", "dr", "--chunk-size", "100")
          expect([found.code, found.stderr]).toEqual([1, ""])
          expect(found.stdout).toContain(
            "items: differs, 2 rows in 2 ranges (300 rows on the primary, 299 rows on the shadow, 4 ranges)\n" +
              "  range (-∞ .. id=100]\n" +
              "    different  id=42\n" +
              "               label: primary \"item 42\", shadow \"tampered\"\n" +
              "  range (id=100 .. id=200]\n" +
              "    missing    id=150  (on the primary, not on the shadow)\n"
          )
          expect(found.stdout).toContain("settings: differs, 1 row in 1 range")
          expect(found.stdout).toContain("    extra      key=zz  (on the shadow, not on the primary)\n")
          expect(found.stdout).toMatch(/^dr differs from the primary at log position \d+: 3 rows in 2 tables/m)

          const json = await q("replicate", "verify", "dr", "--json", "--table", "items")
          expect(json.code).toBe(1)
          const parsed = JSON.parse(json.stdout)
          expect(parsed.equal).toBe(false)
          expect(parsed.tables.map((t: { table: string }) => t.table)).toEqual(["items"])
          expect(parsed.tables[0].differing[0].range).toEqual({ after: null, upTo: null })
          expect(parsed.tables[0].differing[0].rows.map((r: { _tag: string; key: unknown }) => [r._tag, r.key])).toEqual([
            ["Different", { id: 42 }],
            ["Missing", { id: 150 }]
          ])

          const repaired = await q("replicate", "repair", "dr")
          expect([repaired.code, repaired.stderr]).toEqual([0, ""])
          expect(repaired.stdout).toMatch(
            /^table\s+upserted\s+deleted\nitems\s+2\s+0\nsettings\s+0\s+1\nrepaired dr from the primary at log position \d+: 3 rows written\n$/
          )
          const again = await q("replicate", "verify", "dr")
          expect([again.code, again.stderr]).toEqual([0, ""])
          expect(again.stdout).toMatch(/^dr equals the primary/m)
          const nothing = await q("replicate", "repair", "dr", "--json")
          expect(JSON.parse(nothing.stdout).tables).toEqual([])
        })
      }))), 300_000)
  })
}

describe("quarry replicate add-shadow", () => {
  it("creates the tables of a new shadow, copies the rows from a snapshot and applies the log after it", async () => {
    const dir = project({ "quarry.config.ts": config })
    const primaryUrl = `${dir}/p.db`
    await sql("sqlite", primaryUrl, [...ddl.sqlite, `INSERT INTO items (label) VALUES ${values(120)}`, "INSERT INTO settings (key, value) VALUES ('a', '1')"])
    const q = (...args: Array<string>) => quarry(args, { cwd: dir, env: { PRIMARY_URL: primaryUrl, SHADOW_URL: `${dir}/dr.db` } })
    const added = await q("replicate", "add-shadow", "late", "late.db")
    expect(added.code).toBe(0)
    expect(added.stderr).toContain("items  [########################]  120/120") // plain progress lines when not a terminal
    expect(added.stdout).toMatch(/^added late: 2 table\(s\), 121 row\(s\) copied, at position \d+ of \d+\n/)
    const tables = await q("inspect", `${dir}/late.db`, "tables", "--json")
    expect(tables.stderr).toBe("")
    expect(JSON.parse(tables.stdout).map((t: { name: string; rows: number }) => [t.name, t.rows])).toEqual(
      expect.arrayContaining([["items", 120], ["settings", 1]])
    )
    const again = await q("replicate", "add-shadow", "dr", "other.db")
    expect([again.code, again.stdout]).toEqual([1, ""])
    expect(again.stderr).toMatch(/^quarry: .*dr/)
  }, 300_000)
})

describe("quarry replicate verify: failures", () => {
  it("an unknown shadow is one line and exit 1", async () => {
    const dir = project({ "quarry.config.ts": config })
    const r = await quarry(["replicate", "verify", "nope"], {
      cwd: dir,
      env: { PRIMARY_URL: `${dir}/p.db`, SHADOW_URL: `${dir}/s.db` }
    })
    expect([r.code, r.stdout, r.stderr]).toEqual([1, "", "quarry: no shadow named nope\n"])
  }, 120_000)
})
