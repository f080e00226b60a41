/**
 * Backfill. A late shadow of each dialect, added to a primary of another
 * dialect whose log was pruned, while a writer keeps inserting, updating
 * and deleting: it reports the gap, is backfilled from a snapshot, ships from
 * the snapshot's position, and ends equal to the primary row by row. An
 * explicit `Replication.backfill` interrupted after a few chunks resumes from
 * its last chunk and ends equal.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Effect, Fiber, Layer, Ref, Stream } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { account, Accounts, databaseLayer, on, seedRows, shadowOf, snapshot, tables, writer } from "./fixtures.js"

const pairs: ReadonlyArray<readonly [primary: DialectName, shadow: DialectName]> = [
  ["postgres", "sqlite"],
  ["mysql", "postgres"],
  ["sqlite", "mysql"]
]

const ROWS = 3000 // per table: accounts, notes, note links (+ 10 labels) — ~9k rows

/** Tables and rows written on the primary directly (not through the log: as if the log had been pruned). */
const seed = (db: Database.Database) =>
  on(db, Effect.gen(function*() {
    yield* Ddl.dropAll(tables)
    yield* Ddl.createAll(tables)
    yield* seedRows(ROWS)
  }))

const replicated = (primary: Context.Context<Database.Database>, shadow: Layer.Layer<Database.Database, unknown>) =>
  Replicated.layer({
    primary: Layer.succeedContext(primary),
    shadows: { late: shadow },
    tables,
    pollInterval: "50 millis",
    backfillChunkSize: 500
  })

const equal = Effect.gen(function*() {
  yield* Replication.caughtUp({ timeout: "60 seconds" })
  const r = yield* Replication.Replication
  const rows = yield* snapshot(r.primary)
  const shadowRows = yield* snapshot(yield* shadowOf("late"))
  expect(rows[0].length).toBeGreaterThan(ROWS / 2)
  expect(rows[1].length).toBeGreaterThan(ROWS / 2)
  expect(rows[3].length).toBeGreaterThan(ROWS / 2)
  for (let t = 0; t < rows.length; t++) expect(shadowRows[t], tables[t].name).toEqual(rows[t])
})

for (const [primary, shadow] of pairs) {
  describe(`Backfill: ${primary} → late ${shadow} shadow`, () => {
    it.live("a late shadow behind a pruned log is backfilled while a writer runs, and ends equal", () =>
      Effect.gen(function*() {
        const primaryDb = yield* Layer.build(databaseLayer(primary, `rb_late_${primary}`))
        const shadowLayer = yield* Layer.memoize(databaseLayer(shadow, `rb_late_${primary}_${shadow}`))
        yield* seed(Context.get(primaryDb, Database.Database))
        yield* Effect.gen(function*() {
          // entries the shadow never saw, then pruned: the shipper finds a gap
          yield* Query.run(Query.insert(Accounts, account(ROWS + 1)))
          const r = yield* Replication.Replication
          yield* r.primary.run({ sql: "DELETE FROM quarry_replication_log", params: [] })
          const running = yield* Effect.fork(writer(ROWS))
          // the shipper backfills on its own: wait for it to stream again, the writer still running
          yield* Replication.changes.pipe(
            Stream.filter((s) => s.shadows[0].state === "streaming" && s.shadows[0].position > 0),
            Stream.runHead
          )
          yield* Effect.sleep("300 millis")
          yield* Fiber.interrupt(running)
          yield* equal
        }).pipe(Effect.provide(replicated(primaryDb, shadowLayer)))
      }).pipe(Effect.scoped), { timeout: 120_000 })

    it.live("an interrupted backfill resumes from its last chunk and ends equal", () =>
      Effect.gen(function*() {
        const primaryDb = yield* Layer.build(databaseLayer(primary, `rb_resume_${primary}`))
        const shadowLayer = yield* Layer.memoize(databaseLayer(shadow, `rb_resume_${primary}_${shadow}`))
        yield* seed(Context.get(primaryDb, Database.Database))
        yield* Effect.gen(function*() {
          // interrupted after 3 chunks of the first table (accounts)
          const firstRun = yield* Replication.backfill("late").pipe(Stream.take(3), Stream.runCollect)
          expect(Chunk.toReadonlyArray(firstRun).map((p) => [p.table, p.copied])).toEqual([
            ["repl_accounts", 500],
            ["repl_accounts", 1000],
            ["repl_accounts", 1500]
          ])
          const running = yield* Effect.fork(writer(ROWS))
          const seen = yield* Ref.make<Array<Replication.BackfillProgress>>([])
          yield* Replication.backfill("late").pipe(Stream.runForEach((p) => Ref.update(seen, (a) => [...a, p])))
          const second = yield* Ref.get(seen)
          // it went on after the 1500 rows copied before: the first chunk of this run ends at 2000
          expect(second[0]).toMatchObject({ table: "repl_accounts", copied: 2000 })
          expect(second.filter((p) => p.done).map((p) => p.table).sort()).toEqual(tables.map((t) => t.name).sort())
          yield* Effect.sleep("300 millis")
          yield* Fiber.interrupt(running)
          yield* equal
        }).pipe(Effect.provide(replicated(primaryDb, shadowLayer)))
      }).pipe(Effect.scoped), { timeout: 120_000 })
  })
}
