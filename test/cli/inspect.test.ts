import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Database from "../../src/layers/Database.js"
import type { DialectName } from "../../src/dialect/Dialect.js"
import { databaseUrl, layerAt } from "../support/dialects.js"
import { lines, project, quarry } from "./support.js"

const ddl: { readonly [D in DialectName]: ReadonlyArray<string> } = {
  sqlite: [
    "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(120) NOT NULL UNIQUE, name TEXT, karma BIGINT)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT NOT NULL)"
  ],
  postgres: [
    "CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE, name TEXT, karma BIGINT)",
    "CREATE TABLE posts (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT NOT NULL)"
  ],
  mysql: [
    "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE, name TEXT, karma BIGINT)",
    "CREATE TABLE posts (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title TEXT NOT NULL, " +
    "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE)"
  ]
}

const seed = (name: DialectName, url: string) =>
  Effect.gen(function*() {
    for (const sql of ddl[name]) yield* Database.run({ sql, params: [] })
    yield* Database.run({
      sql: "INSERT INTO users (email, name, karma) VALUES ('ann@x.io', 'Ann, \"A\"', 9007199254740993), ('bob@x.io', NULL, -3)",
      params: []
    })
    yield* Database.run({ sql: "INSERT INTO posts (user_id, title) VALUES (1, 'Hello')", params: [] })
  }).pipe(Effect.provide(Layer.fresh(layerAt(name, url))))

for (const name of ["sqlite", "postgres", "mysql"] as const) {
  describe(`quarry inspect on ${name}`, () => {
    const withDb = <A>(body: (url: string) => Promise<A>) =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const url = yield* databaseUrl(name, `cli_inspect_${name}`)
        yield* seed(name, url)
        return yield* Effect.promise(() => body(url))
      })))

    it("tables, schema, rows in every format; one-line errors", () =>
      withDb(async (url) => {
        const [tables, tablesJsonOut] = await Promise.all([quarry(["inspect", url, "tables"]), quarry(["inspect", url, "tables", "--json"])])
        expect(tables.code).toBe(0)
        expect(tables.stderr).toBe("")
        expect(lines(tables.stdout)[0]).toMatch(/^table\s+rows\s+size$/)
        expect(tables.stdout).toMatch(/^users\s+2\b/m)
        expect(tables.stdout).toMatch(/^posts\s+1\b/m)
        const tablesJson = JSON.parse(tablesJsonOut.stdout)
        expect(tablesJson.map((t: { name: string; rows: number }) => [t.name, t.rows])).toEqual([["posts", 1], ["users", 2]])

        const [schema, usersOut] = await Promise.all([
          quarry(["inspect", url, "schema", "posts"]),
          quarry(["inspect", url, "schema", "users", "--json"])
        ])
        expect(schema.code).toBe(0)
        expect(schema.stdout).toMatch(/^user_id\s+int\S*\s+no\s+FK → users\(id\)$/m)
        expect(schema.stdout).toMatch(/foreign key.*user_id → users\(id\) on delete cascade/)
        const users = JSON.parse(usersOut.stdout)
        expect(users[0].columns.map((c: { name: string }) => c.name)).toEqual(["id", "email", "name", "karma"])
        expect(users[0].primaryKey).toEqual(["id"])
        expect(users[0].unique).toEqual([["email"]])

        // rows: bigints past 2^53 exact in JSON, NDJSON and CSV
        const [json, nd, csv, table] = await Promise.all([
          quarry(["inspect", url, "rows", "users", "--json", "--order", "id"]),
          quarry(["inspect", url, "rows", "users", "--ndjson", "--where", "email=bob@x.io"]),
          quarry(["inspect", url, "rows", "users", "--csv", "--order", "karma:desc", "--limit", "1"]),
          quarry(["inspect", url, "rows", "users", "--order", "id"])
        ])
        expect(json.code).toBe(0)
        expect(json.stdout).toContain(`"karma":9007199254740993`)
        expect(JSON.parse(json.stdout).map((r: { email: string; name: string | null }) => [r.email, r.name])).toEqual([
          ["ann@x.io", "Ann, \"A\""],
          ["bob@x.io", null]
        ])
        expect(lines(nd.stdout).map((l) => JSON.parse(l))).toEqual([{ id: 2, email: "bob@x.io", name: null, karma: -3 }])
        expect(csv.stdout).toBe(`id,email,name,karma\n1,ann@x.io,"Ann, ""A""",9007199254740993\n`)
        expect(lines(table.stdout)).toEqual([
          "id  email     name      karma",
          " 1  ann@x.io  Ann, \"A\"  9007199254740993",
          " 2  bob@x.io  NULL                    -3",
          "(2 rows)"
        ])

        const [missing, column, verbose] = await Promise.all([
          quarry(["inspect", url, "rows", "nope"]),
          quarry(["inspect", url, "rows", "users", "--where", "mail=x"]),
          quarry(["inspect", url, "rows", "users", "--where", "mail=x", "--verbose"])
        ])
        expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, "", "quarry: no table named nope\n"])
        expect(column.code).toBe(1)
        expect(column.stderr).toBe("quarry: --where: no column mail in users (columns: id, email, name, karma)\n")
        expect(lines(verbose.stderr).length).toBeGreaterThan(1)
      }), 400_000)

    it("schema --as-model writes a model Quarry loads, with the table's columns and keys", () =>
      withDb(async (url) => {
        const out = await quarry(["inspect", url, "schema", "--as-model"])
        expect(out.code).toBe(0)
        expect(out.stdout).toContain(`export class User extends Model.Class<User>("User")({`)
        expect(out.stdout).toContain("karma: Schema.NullOr(Schema.BigInt)")
        expect(out.stdout).toContain("references: { table: () => Users")
        const dir = project({})
        const file = path.join(dir, "models.ts")
        writeFileSync(file, out.stdout.replace(`from "effect-quarry"`, `from ${JSON.stringify(path.resolve("src/index.ts"))}`))
        const models = await import(file)
        expect(models.Users.name).toBe("users")
        expect(models.Users.primaryKey.map((c: { name: string }) => c.name)).toEqual(["id"])
        expect(models.Posts.columns.map((c: { name: string }) => c.name)).toEqual(["id", "user_id", "title"])
      }), 120_000)
  })
}

describe("quarry inspect failures", () => {
  it("a wrong password is one line and exit 1, on PostgreSQL and MariaDB", async () => {
    for (const kind of ["postgres", "mysql"] as const) {
      const url = await Effect.runPromise(Effect.scoped(databaseUrl(kind, `cli_pw_${kind}`).pipe(
        Effect.tap((u) => Effect.promise(() => quarry(["inspect", u.replace(/\/\/([^:@]+)(:[^@]*)?@/, "//$1:wrong@"), "tables"])
          .then((r) => {
            expect(r.code).toBe(1)
            expect(r.stdout).toBe("")
            expect(r.stderr).toMatch(/^quarry: cannot connect: .*(password|Access denied)[^\n]*\n$/)
          })))
      )))
      expect(url).toBeTruthy()
    }
  }, 120_000)

  it("a SQLite file that is not there is not created", async () => {
    const dir = project({})
    const r = await quarry(["inspect", "none.db", "tables"], { cwd: dir })
    expect([r.code, r.stderr]).toEqual([1, "quarry: no SQLite file none.db\n"])
  })
})
