/**
 * `Replication.addShadow` / `removeShadow`. A shadow of another dialect is
 * added to a running set (a primary of a few thousand related rows, one
 * shadow already streaming, the log pruned) while a writer keeps inserting,
 * updating and deleting: it is backfilled, ships from the snapshot's
 * position without ever meeting a pruned gap, verifies equal and equals the
 * primary row by row, shows in the status streaming, refuses a name already
 * in the set, and is drained and closed with the set. On a set started with
 * no shadow in sync mode: an added shadow holds writes until it applied them,
 * a removed one no longer does, it is closed and keeps its position, and the
 * name can be added again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Ref, Stream } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { account, Accounts, counts, databaseLayer, emails, seedRows, shadowOf, snapshot, tables, writer } from "./fixtures.js"

const pairs: ReadonlyArray<readonly [primary: DialectName, added: DialectName]> = [
  ["postgres", "sqlite"],
  ["sqlite", "mysql"],
  ["mysql", "postgres"]
]

const ROWS = 2000 // per table: accounts, notes, note links (+ 10 labels)

/** Tables and rows written through the replicated database (so the first shadow has them too). */
const seed = Effect.zipRight(Ddl.createAll(tables), seedRows(ROWS))

const rawCount = (db: Database.Database, sql: string) => Effect.map(db.all({ sql, params: [] }), (rows) => Number(rows[0].n))

/** The log's head on the primary (SQLite: its AUTOINCREMENT counter; else the sequence row). */
const head = (db: Database.Database) =>
  Effect.map(
    db.all({
      sql: db.dialect.name === "sqlite"
        ? "SELECT seq AS n FROM sqlite_sequence WHERE name = 'quarry_replication_log'"
        : "SELECT position AS n FROM quarry_replication_sequence WHERE id = 1",
      params: []
    }),
    (rows) => Number(rows[0].n)
  )

/** A shadow's stored position, read in the shadow. */
const storedPosition = (db: Database.Database, name: string) =>
  Effect.map(
    db.all({ sql: `SELECT ${db.dialect.quote("position")} AS n FROM quarry_replication_position WHERE shadow = '${name}'`, params: [] }),
    (rows) => Number(rows[0].n)
  )

/** A layer that notes when the set closes it (its finalizer runs in the scope the set built it in). */
const watched = (layer: Layer.Layer<Database.Database, unknown>, closed: Ref.Ref<boolean>) =>
  Layer.merge(layer, Layer.scopedDiscard(Effect.addFinalizer(() => Ref.set(closed, true))))

/** A layer that must never be built. */
const neverBuilt = (built: Ref.Ref<boolean>) =>
  Layer.effect(Database.Database, Effect.zipRight(Ref.set(built, true), Effect.dieMessage("must not be built")))

const expectEqual = (primary: Database.Database, shadow: Database.Database) =>
  Effect.gen(function*() {
    const rows = yield* snapshot(primary)
    const shadowRows = yield* snapshot(shadow)
    for (let t = 0; t < rows.length; t++) expect(shadowRows[t], tables[t].name).toEqual(rows[t])
    // and the raw row counts, read with plain SQL on each side
    expect(yield* counts(shadow)).toEqual(yield* counts(primary))
    return rows
  })

for (const [primary, added] of pairs) {
  describe(`Replication.addShadow: ${primary} primary, ${added} shadow added`, () => {
    it.live("added while a writer runs: backfilled, shipped from the snapshot, equal, in the status, drained and closed with the set", () =>
      Effect.gen(function*() {
        const primaryDb = Context.get(yield* Layer.build(databaseLayer(primary, `ra_${primary}`)), Database.Database)
        const lateLayer = yield* Layer.memoize(databaseLayer(added, `ra_${primary}_${added}`))
        const lateDb = Context.get(yield* Layer.build(lateLayer), Database.Database)
        const closed = yield* Ref.make(false)
        const dupBuilt = yield* Ref.make(false)
        const troubles = yield* Ref.make<Array<string>>([])
        const seen = yield* Ref.make(false)

        yield* Effect.gen(function*() {
          yield* seed
          yield* Replication.caughtUp({ timeout: "60 seconds" })
          const r = yield* Replication.Replication
          // the first shadow has applied everything and the pruner emptied the log: only a backfill can fill the new one
          while ((yield* rawCount(r.primary, "SELECT COUNT(*) AS n FROM quarry_replication_log")) > 0) yield* Effect.sleep("50 millis")

          // every status of the new shadow with an error (a pruned gap, a rejection) is noted
          const watcher = yield* Effect.fork(Replication.changes.pipe(
            Stream.runForEach((s) =>
              Effect.forEach(s.shadows.filter((x) => x.name === "late"), (x) =>
                Effect.zipRight(
                  Ref.set(seen, true),
                  x.lastError === undefined
                    ? Effect.void
                    : Ref.update(troubles, (a) => [...a, `${x.state}: ${x.lastError!.reason} ${x.lastError!.message}`])
                ))
            )
          ))
          const running = yield* Effect.fork(writer(ROWS))
          yield* Effect.sleep("100 millis")
          const progress = yield* Replication.addShadow("late", watched(lateLayer, closed), { backfillChunkSize: 500 }).pipe(
            Stream.runCollect
          )
          const last = new Map([...progress].map((p) => [p.table, p]))
          expect([...last.keys()].sort()).toEqual(tables.map((t) => t.name).sort())
          expect([...last.values()].every((p) => p.done)).toBe(true)
          expect(last.get("repl_notes")!.copied).toBeGreaterThan(ROWS / 2)
          expect(last.get("repl_note_labels")!.copied).toBeGreaterThan(ROWS / 2)
          // it ships while the writer goes on
          yield* Effect.sleep("300 millis")
          yield* Fiber.interrupt(running)

          yield* Replication.caughtUp({ timeout: "60 seconds" })
          const verified = yield* Replication.verify("late")
          expect(verified.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([])
          expect(verified.equal).toBe(true)
          const rows = yield* expectEqual(r.primary, lateDb)
          expect(rows[0].length).toBeGreaterThan(ROWS / 2)
          expect(yield* Effect.flatMap(shadowOf("first"), emails)).toEqual(yield* emails(r.primary))

          const status = yield* Replication.status
          const lateStatus = status.shadows.find((s) => s.name === "late")
          expect(lateStatus).toMatchObject({ dialect: added, state: "streaming", position: status.head, shipping: true })
          expect(status.shadows.map((s) => s.name)).toEqual(["first", "late"])
          yield* Fiber.interrupt(watcher)
          // `changes` showed it; never a gap: pruning kept the entries written during the copy
          expect(yield* Ref.get(seen)).toBe(true)
          expect(yield* Ref.get(troubles)).toEqual([])

          // a name already in the set: typed, and its layer is not built
          for (const name of ["late", "first"]) {
            const error = yield* Effect.flip(Stream.runDrain(Replication.addShadow(name, neverBuilt(dupBuilt))))
            expect(error).toMatchObject({ _tag: "ReplicationError", reason: "Invalid", shadow: name })
          }
          expect(yield* Ref.get(dupBuilt)).toBe(false)

          // writes right before closing: the set's shutdown drains them to the added shadow
          yield* Effect.forEach(
            Array.from({ length: 100 }, (_, i) => ROWS + 5000 + i),
            (n) => Query.run(Query.insert(Accounts, account(n))),
            { concurrency: 4, discard: true }
          )
          expect(yield* Ref.get(closed)).toBe(false)
        }).pipe(
          Effect.provide(Replicated.layer({
            primary: Layer.succeed(Database.Database, primaryDb),
            shadows: { first: databaseLayer("sqlite", `ra_${primary}_first`) },
            tables,
            pollInterval: "50 millis",
            pruneInterval: "100 millis",
            batchSize: 10
          }))
        )

        expect(yield* Ref.get(closed)).toBe(true)
        expect(yield* storedPosition(lateDb, "late")).toBe(yield* head(primaryDb))
        yield* expectEqual(primaryDb, lateDb)
      }).pipe(Effect.scoped), { timeout: 180_000 })
  })
}

describe("Replication.removeShadow (a set started with no shadow, sync mode)", () => {
  it.live("an added shadow holds sync writes until applied; removed, it is closed, keeps its position, and can be added again", () =>
    Effect.gen(function*() {
      const xLayer = yield* Layer.memoize(databaseLayer("sqlite", "ra_remove_x"))
      const xDb = Context.get(yield* Layer.build(xLayer), Database.Database)
      const closed = yield* Ref.make(false)
      yield* Effect.gen(function*() {
        yield* Ddl.createAll(tables)
        yield* Query.run(Query.insertMany(Accounts, Array.from({ length: 50 }, (_, k) => account(k + 1))))
        yield* Replication.caughtUp()
        expect((yield* Replication.status).shadows).toEqual([])

        yield* Stream.runDrain(Replication.addShadow("x", watched(xLayer, closed)))
        // sync mode: the write completes once x has applied it
        yield* Query.run(Query.insert(Accounts, account(100)))
        expect(yield* emails(xDb)).toContain("a100@example.com")
        expect((yield* Replication.status).shadows.map((s) => [s.name, s.state])).toEqual([["x", "streaming"]])

        yield* Replication.removeShadow("x")
        expect(yield* Ref.get(closed)).toBe(true)
        expect((yield* Replication.status).shadows).toEqual([])
        const r = yield* Replication.Replication
        const removedAt = yield* head(r.primary)
        // no longer waited for: these sync writes complete, and do not reach x
        yield* Query.run(Query.insert(Accounts, account(101)))
        yield* Replication.caughtUp()
        expect(yield* storedPosition(xDb, "x")).toBe(removedAt)
        expect(yield* emails(xDb)).not.toContain("a101@example.com")
        expect(yield* Effect.flip(Replication.removeShadow("x"))).toMatchObject({ reason: "NotReplicated", shadow: "x" })

        // a layer that cannot be built: typed, and the name stays free
        const unreachable = yield* Effect.flip(Stream.runDrain(
          Replication.addShadow("x", Layer.fail(new Error("no such server")) as Layer.Layer<Database.Database, Error>)
        ))
        expect(unreachable).toMatchObject({ _tag: "ReplicationError", reason: "Unreachable", shadow: "x" })
        // interrupted after its first chunk: what it opened is closed, the name is free, it is not in the set
        const reopened = yield* Ref.make(false)
        const first = yield* Replication.addShadow("x", watched(xLayer, reopened), { backfillChunkSize: 10 }).pipe(
          Stream.take(1),
          Stream.runCollect
        )
        expect([...first]).toEqual([{ table: "repl_accounts", copied: 10, estimated: 52, done: false }])
        expect(yield* Ref.get(reopened)).toBe(true)
        expect((yield* Replication.status).shadows).toEqual([])
        // added again under the same name: copied, then shipped to
        yield* Stream.runDrain(Replication.addShadow("x", xLayer))
        yield* Query.run(Query.insert(Accounts, account(102)))
        expect((yield* Replication.verify("x")).equal).toBe(true)
        expect(yield* emails(xDb)).toEqual(yield* emails(r.primary))
      }).pipe(
        Effect.provide(Replicated.layer({
          primary: databaseLayer("sqlite", "ra_remove_primary"),
          shadows: {},
          tables,
          mode: "sync",
          syncTimeout: "20 seconds",
          pollInterval: "50 millis"
        }))
      )
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
