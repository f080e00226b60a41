/**
 * Migrations on a replicated set: each dialect as primary with the other two
 * as shadows. The ten model revisions are applied (and rolled back) through
 * the replicated database, one app deploy each (a new `Replicated.layer`
 * with that revision's models); after each, every shadow's schema matches
 * the revision's snapshot (`check --live` on the shadow) and its rows equal
 * the primary's. The migrations table lives on the primary only.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { mkdirSync, rmSync } from "node:fs"
import * as path from "node:path"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Migration from "../../src/migrations/Migration.js"
import * as Migrations from "../../src/migrations/Migrations.js"
import * as Operation from "../../src/migrations/Operation.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import { databaseLayer, on } from "../replication/fixtures.js"
import { revisions } from "./revisions.js"

const importFrom = path.resolve("src/index.js")
const dialects: ReadonlyArray<DialectName> = ["sqlite", "postgres", "mysql"]
const table = "replicated_migrations"

const authorRows = (authors: (typeof revisions)[number]["authors"]) =>
  Query.all(Query.from(authors).pipe(Query.orderBy((authors.c as any).id))) as Effect.Effect<
    ReadonlyArray<Record<string, unknown>>,
    unknown,
    Database.Database
  >

const open = (dialect: DialectName, suite: string) =>
  Effect.map(Layer.build(databaseLayer(dialect, suite)), (ctx) => Context.get(ctx, Database.Database))

for (const primaryDialect of dialects) {
  const others = dialects.filter((d) => d !== primaryDialect)
  describe(`Migrations on a replicated set: ${primaryDialect} → ${others.join(" + ")}`, () => {
    it.live("ten revisions applied and rolled back through the log reach every shadow, rows kept", () =>
      Effect.gen(function*() {
        const primary = yield* open(primaryDialect, `mig_repl_${primaryDialect}`)
        const shadows = new Map<DialectName, Database.Database>()
        for (const d of others) shadows.set(d, yield* open(d, `mig_repl_${primaryDialect}_${d}`))
        const dir = path.resolve(".tmp", `migrations-replicated-${primaryDialect}-${process.pid}`)
        rmSync(dir, { recursive: true, force: true })
        mkdirSync(dir, { recursive: true })

        /** One deploy: a replicated set over the same databases, with this revision's models. */
        const deploy = <A, E>(rev: (typeof revisions)[number], effect: Effect.Effect<A, E, Database.Database | Replication.Replication>) =>
          Effect.scoped(Effect.gen(function*() {
            const ctx = yield* Layer.build(Replicated.layer({
              primary: Layer.succeed(Database.Database, primary),
              shadows: Object.fromEntries(others.map((d) => [d, Layer.succeed(Database.Database, shadows.get(d)!)])),
              tables: rev.tables
            }))
            const out = yield* Effect.provide(effect, ctx)
            yield* Effect.provide(Replication.caughtUp({ timeout: "60 seconds" }), ctx)
            return out
          }))

        /** Every shadow matches the revision: its schema (live check) and its rows. */
        const same = (rev: (typeof revisions)[number], migrations: ReadonlyArray<Migration.Migration>) =>
          Effect.gen(function*() {
            const rows = yield* on(primary, authorRows(rev.authors))
            expect(rows.map((r) => r.fullName ?? r.name)).toEqual(["Ann", "Bob"])
            for (const [d, db] of shadows) {
              yield* on(db, Migrations.check({ tables: rev.tables, migrations, live: true, table }))
              expect(yield* on(db, authorRows(rev.authors)), `${d} after ${rev.name}`).toEqual(rows)
            }
          })

        for (const [i, rev] of revisions.entries()) {
          yield* Migrations.make(rev.name, { directory: dir, tables: rev.tables, hints: rev.hints, importFrom })
          const migrations = yield* Migrations.load(dir)
          const applied = yield* deploy(rev, Effect.gen(function*() {
            const done = yield* Migrations.apply({ migrations, table, allowDestructive: true })
            if (i === 0) {
              yield* Query.run(Query.insertMany(rev.authors as any, [{ name: "Ann", score: 1 }, { name: "Bob", score: 2 }]))
              yield* Query.run(Query.insertMany(rev.tables[1] as any, [{ authorId: 1, title: "A" }, { authorId: 2, title: "B" }]))
            }
            return done
          }))
          expect(applied).toEqual([migrations[i].id])
          yield* same(rev, migrations)
        }
        const migrations = yield* Migrations.load(dir)
        // a data migration runs on the replicated database: the rows it writes travel as rows
        const last = revisions[revisions.length - 1]
        const bump = Migration.make({
          id: "99990101000000_bump_scores",
          up: [Operation.run("bump scores", Query.run(Query.update(last.authors as any, { score: Expr.add((last.authors.c as any).score, 10n) })))],
          down: [],
          snapshot: migrations[migrations.length - 1].snapshot
        })
        expect(yield* deploy(last, Migrations.apply({ migrations: [...migrations, bump], table }))).toEqual([bump.id])
        expect((yield* on(primary, authorRows(last.authors))).map((r) => r.score)).toEqual([11n, 12n])
        yield* same(last, migrations)
        expect(yield* deploy(last, Migrations.rollback({ migrations: [...migrations, bump], table }))).toEqual([bump.id])
        // the migrations table is the primary's alone
        const status = yield* on(primary, Migrations.status({ migrations, table }))
        expect(status.every((s) => s.state === "applied")).toBe(true)
        for (const db of shadows.values()) {
          const found = yield* on(db, Migrations.status({ migrations, table }))
          expect(found.every((s) => s.state === "pending")).toBe(true)
        }
        for (let i = revisions.length - 1; i > 0; i--) {
          const rev = revisions[i - 1]
          const undone = yield* deploy(rev, Migrations.rollback({ migrations, table, allowDestructive: true }))
          expect(undone).toEqual([migrations[i].id])
          yield* same(rev, migrations.slice(0, i))
        }
        rmSync(dir, { recursive: true, force: true })
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)), { timeout: 240_000 })
  })
}
