import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import * as path from "node:path"
import * as Database from "../../src/layers/Database.js"
import * as Migrations from "../../src/migrations/Migrations.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"
import { revisions } from "./revisions.js"

const importFrom = path.resolve("src/index.js")

/** A fresh migrations folder under the worktree (vitest imports its TypeScript). */
const folder = (name: string) => {
  const dir = path.resolve(".tmp", `migrations-${name}-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}

const authorRows = (authors: (typeof revisions)[number]["authors"]) =>
  Query.all(Query.from(authors).pipe(Query.orderBy((authors.c as any).id))) as Effect.Effect<
    ReadonlyArray<Record<string, unknown>>,
    unknown,
    Database.Database
  >

for (const c of cases("migrations")) {
  layer(c.layer, { timeout: 240_000 })(`migrations [${c.name}]`, (it) => {
    it.effect("ten model revisions: generated, applied over rows, rolled back to the start", () =>
      Effect.gen(function*() {
        const dir = folder(`revisions-${c.name}`)
        const table = "revisions_migrations"
        for (const [i, rev] of revisions.entries()) {
          const made = yield* Migrations.make(rev.name, { directory: dir, tables: rev.tables, hints: rev.hints, importFrom })
          expect(Option.isSome(made)).toBe(true)
          const migrations = yield* Migrations.load(dir)
          expect(migrations.length).toBe(i + 1)
          const applied = yield* Migrations.apply({ migrations, table, allowDestructive: true })
          expect(applied).toEqual([migrations[i].id])
          if (i === 0) {
            yield* Database.run({ sql: `INSERT INTO authors (name, score) VALUES ('Ann', 1), ('Bob', 2)`, params: [] })
            yield* Database.run({ sql: `INSERT INTO books (author_id, title) VALUES (1, 'A'), (2, 'B')`, params: [] })
          }
          const rows = yield* authorRows(rev.authors)
          expect(rows.length).toBe(2)
          expect(rows.map((r) => r.fullName ?? r.name)).toEqual(["Ann", "Bob"])
          expect(rows.map((r) => BigInt(r.score as number))).toEqual([1n, 2n])
          if ("active" in rows[0]) expect(rows.map((r) => r.active)).toEqual([true, true])
          // nothing left to generate: the models match the latest snapshot
          expect(Option.isNone(yield* Migrations.make(rev.name, { directory: dir, tables: rev.tables, importFrom }))).toBe(true)
          yield* Migrations.check({ tables: rev.tables, migrations, live: true, table })
        }
        const migrations = yield* Migrations.load(dir)
        const status = yield* Migrations.status({ migrations, table })
        expect(status.map((s) => s.state)).toEqual(migrations.map(() => "applied"))
        for (let i = revisions.length - 1; i > 0; i--) {
          const undone = yield* Migrations.rollback({ migrations, table, allowDestructive: true })
          expect(undone).toEqual([migrations[i].id])
          const rev = revisions[i - 1]
          yield* Migrations.check({ tables: rev.tables, migrations: migrations.slice(0, i), live: true, table })
          const rows = yield* authorRows(rev.authors)
          expect(rows.map((r) => r.fullName ?? r.name)).toEqual(["Ann", "Bob"])
        }
        const last = yield* Migrations.status({ migrations, table })
        expect(last.map((s) => s.state)).toEqual(["applied", ...migrations.slice(1).map(() => "pending")])
        // the generated files are stable: same models, same clock, same text
        const again = yield* Migrations.generate(revisions[0].name, { tables: revisions[0].tables, migrations: [], importFrom })
        expect(Option.getOrThrow(again).source).toBe(readFileSync(path.join(dir, `${migrations[0].id}.ts`), "utf8"))
        rmSync(dir, { recursive: true, force: true })
      }).pipe(Effect.provide(NodeContext.layer)))
  })
}
