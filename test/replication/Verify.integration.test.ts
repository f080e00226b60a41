/**
 * Verify and repair, on cross-dialect pairs. Planted divergences on the
 * shadow (a row deleted, an extra row, a changed value, a changed value in a
 * 10k-row table found by its key range) are reported with their exact keys;
 * repair fixes them and verify then says equal. Values of every column kind
 * compare equal across dialects. Verify while a writer keeps writing reports
 * equal.
 */
import { Model } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { BigDecimal, Effect, Fiber, Schema } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Column from "../../src/schema/Column.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { account, Accounts, databaseLayer, Notes, on, Settings, shadowOf, snapshot, tables } from "./fixtures.js"

/** A value of every column kind, including the awkward ones. */
class Kind extends Model.Class<Kind>("Kind")({
  id: Schema.Int,
  big: Schema.NullOr(Schema.BigInt),
  amount: Schema.NullOr(Column.Decimal(30, 10)),
  flag: Schema.NullOr(Schema.Boolean),
  at: Schema.NullOr(Schema.Date),
  doc: Schema.NullOr(Column.Json(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  bytes: Schema.NullOr(Schema.Uint8ArrayFromSelf),
  text: Schema.NullOr(Schema.String),
  ratio: Schema.NullOr(Schema.Number)
}) {}

const Kinds = Table.make(Kind, { name: "repl_kinds", primaryKey: ["id"] })

const all = [...tables, Kinds]

const kinds: ReadonlyArray<typeof Kind.insert.Type> = [
  {
    id: 1,
    big: 2n ** 62n + 3n,
    amount: BigDecimal.unsafeFromString("12345678901234567890.0123456789"),
    flag: true,
    at: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
    doc: { z: 1, a: { y: [1, "x", null], b: "é" }, m: 1.5 },
    bytes: new Uint8Array([0, 255, 1, 128]),
    text: "Zürich — 東京 🎉",
    ratio: -0.1
  },
  { id: 2, big: -(2n ** 63n) + 1n, amount: BigDecimal.unsafeFromString("-0.5"), flag: false, at: new Date(0), doc: {}, bytes: new Uint8Array([]), text: "", ratio: 0 },
  { id: 3, big: null, amount: null, flag: null, at: null, doc: null, bytes: null, text: null, ratio: null }
]

const NOTES = 10_000

/** Through the replicated database: tables, 200 accounts, 10k notes, settings, the kinds. */
const seed = Effect.gen(function*() {
  yield* Ddl.dropAll(all)
  yield* Ddl.createAll(all)
  yield* Query.run(Query.insertMany(Accounts, Array.from({ length: 200 }, (_, i) => account(i + 1))))
  for (let i = 0; i < NOTES; i += 1000) {
    yield* Query.run(Query.insertMany(Notes, Array.from({ length: 1000 }, (_, k) => ({ accountId: 1 + ((i + k) % 50), body: `note ${i + k}` }))))
  }
  yield* Query.run(Query.insertMany(Settings, [{ key: "a", value: "1", counter: 0 }, { key: "B", value: "2", counter: 0 }, { key: "é", value: "3", counter: 0 }]))
  yield* Query.run(Query.insertMany(Kinds, kinds))
  yield* Replication.caughtUp({ timeout: "60 seconds" })
})

const pairs: ReadonlyArray<readonly [DialectName, DialectName]> = [
  ["postgres", "sqlite"],
  ["mysql", "postgres"],
  ["sqlite", "mysql"],
  ["postgres", "mysql"]
]

const byName = (v: Replication.Verification, name: string) => v.tables.find((t) => t.table === name)!

for (const [primary, shadow] of pairs) {
  const set = (suite: string) =>
    Replicated.layer({
      primary: databaseLayer(primary, `rv_${suite}_${primary}_${shadow}`),
      shadows: { dr: databaseLayer(shadow, `rv_${suite}_${primary}_${shadow}_s`) },
      tables: all,
      pollInterval: "50 millis"
    })

  describe(`Verify and repair: ${primary} → ${shadow}`, () => {
    it.live("equal tables of every column kind verify equal; planted divergences are found by key, repaired, then equal", () =>
      Effect.gen(function*() {
        yield* seed
        const clean = yield* Replication.verify("dr", { chunkSize: 500 })
        expect(clean.tables.filter((t) => !t.equal)).toEqual([])
        expect(clean.equal).toBe(true)
        expect(byName(clean, "repl_notes")).toMatchObject({ rows: { primary: NOTES, shadow: NOTES }, ranges: NOTES / 500 + 1 })
        expect(byName(clean, "repl_kinds").rows).toEqual({ primary: 3, shadow: 3 })

        // planted on the shadow directly: deleted, extra, changed, and a change deep in the 10k-row table
        const db = yield* shadowOf("dr")
        yield* db.run({ sql: "DELETE FROM repl_accounts WHERE id = 150", params: [] })
        yield* on(db, Query.run(Query.insert(Settings, { key: "zz-extra", value: "x", counter: 1 })))
        yield* db.run({ sql: "UPDATE repl_accounts SET name = 'tampered' WHERE id = 42", params: [] })
        yield* db.run({ sql: "UPDATE repl_notes SET body = 'tampered' WHERE id = 7777", params: [] })

        const found = yield* Replication.verify("dr", { chunkSize: 500 })
        expect(found.equal).toBe(false)
        const accounts = byName(found, "repl_accounts")
        expect(accounts.differing.flatMap((d) => d.rows.map((r) => [r._tag, r.key]))).toEqual([
          ["Different", { id: 42 }],
          ["Missing", { id: 150 }]
        ])
        const changed = accounts.differing.flatMap((d) => d.rows).find((r) => r._tag === "Different")
        expect(changed).toMatchObject({ fields: ["name"], primary: { name: "Account 42" }, shadow: { name: "tampered" } })
        const notes = byName(found, "repl_notes")
        expect(notes.ranges).toBe(NOTES / 500 + 1)
        // one range of 500 keys holds the change: (7500, 8000]
        expect(notes.differing.map((d) => d.range)).toEqual([{ after: { id: 7500 }, upTo: { id: 8000 } }])
        expect(notes.differing[0].rows).toMatchObject([{ _tag: "Different", key: { id: 7777 }, fields: ["body"] }])
        expect(byName(found, "repl_settings").differing.flatMap((d) => d.rows)).toMatchObject([
          { _tag: "Extra", key: { key: "zz-extra" }, shadow: { value: "x" } }
        ])
        expect(found.tables.filter((t) => !t.equal).map((t) => t.table).sort()).toEqual(["repl_accounts", "repl_notes", "repl_settings"])

        const repaired = yield* Replication.repair("dr", { chunkSize: 500 })
        expect([...repaired.tables].sort((a, b) => a.table.localeCompare(b.table))).toEqual([
          { table: "repl_accounts", upserted: 2, deleted: 0 },
          { table: "repl_notes", upserted: 1, deleted: 0 },
          { table: "repl_settings", upserted: 0, deleted: 1 }
        ])
        expect((yield* Replication.verify("dr")).equal).toBe(true)
        const r = yield* Replication.Replication
        expect(yield* snapshot(db)).toEqual(yield* snapshot(r.primary))
        // shipping goes on after a repair
        yield* Query.run(Query.update(Accounts, { name: "after repair" }).pipe(Query.where({ id: 42 })))
        yield* Replication.caughtUp()
        expect((yield* Replication.verify("dr", { tables: ["repl_accounts"] })).equal).toBe(true)
      }).pipe(Effect.provide(set("plant"))), { timeout: 120_000 })

    it.live("verify while a writer keeps writing reports equal; an unknown table or shadow is a typed error", () =>
      Effect.gen(function*() {
        yield* seed
        const writer = Effect.gen(function*() {
          for (let n = 1; ; n++) {
            yield* Query.run(Query.insert(Accounts, account(1000 + n)))
            yield* Query.run(Query.update(Notes, { body: `w${n}` }).pipe(Query.where({ id: 1 + ((n * 37) % NOTES) })))
            yield* Query.run(Query.delete(Accounts).pipe(Query.where({ id: 51 + (n % 150) })))
            yield* Effect.sleep("2 millis")
          }
        })
        const running = yield* Effect.fork(writer)
        yield* Effect.sleep("200 millis")
        const during = yield* Replication.verify("dr", { chunkSize: 500 })
        yield* Fiber.interrupt(running)
        expect(during.tables.filter((t) => !t.equal)).toEqual([])
        const r = yield* Replication.Replication
        yield* Replication.caughtUp()
        expect(yield* snapshot(yield* shadowOf("dr"))).toEqual(yield* snapshot(r.primary))

        const unknown = yield* Effect.flip(Replication.verify("dr", { tables: ["nope"] }))
        expect(unknown).toMatchObject({ _tag: "ReplicationError", reason: "NotReplicated" })
        const noShadow = yield* Effect.flip(Replication.repair("nobody"))
        expect(noShadow).toMatchObject({ _tag: "ReplicationError", reason: "NotReplicated" })
      }).pipe(Effect.provide(set("live"))), { timeout: 120_000 })
  })
}
