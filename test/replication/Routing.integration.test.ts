/**
 * Read routing, on each dialect: a primary with a shadow of its own dialect
 * (which serves reads) and one of another dialect (which never does). A row
 * planted on a shadow alone shows where a read ran. A write followed by a
 * read in the same fiber sees the write, even when the shadow is held back
 * (the read then waits, and falls back to the primary); transactions read
 * the primary.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { databaseLayer, on, Settings, shadowOf, tables } from "./fixtures.js"

const other: Record<DialectName, DialectName> = { sqlite: "postgres", postgres: "mysql", mysql: "sqlite" }

const keys = Effect.map(Query.all(Query.from(Settings)), (rows) => rows.map((r) => r.key).sort())

/** Hold (or give back) a shadow's lease as another process would: its shipper stands by meanwhile. */
const hold = (name: string, held: boolean) =>
  Effect.flatMap(shadowOf(name), (db) =>
    db.run({
      sql: `UPDATE quarry_replication_position SET owner = ${held ? "'someone else'" : "''"}, lease_until = ${held ? Date.now() + 600_000 : 0} WHERE shadow = '${name}'`,
      params: []
    }))

for (const primary of ["sqlite", "postgres", "mysql"] as const) {
  const layer = Replicated.layer({
    primary: databaseLayer(primary, `rr_${primary}`),
    shadows: {
      same: databaseLayer(primary, `rr_${primary}_same`),
      other: databaseLayer(other[primary], `rr_${primary}_other`)
    },
    tables,
    reads: "shadows",
    readYourWritesTimeout: "300 millis",
    pollInterval: "50 millis"
  })

  describe(`Read routing: ${primary} primary`, () => {
    it.live("reads go to the shadow of the primary's dialect, with read-your-writes; transactions read the primary", () =>
      Effect.gen(function*() {
        yield* Ddl.dropAll(tables)
        yield* Ddl.createAll(tables)
        yield* Query.run(Query.insert(Settings, { key: "a", value: "1", counter: 0 }))
        yield* Replication.caughtUp()
        yield* on(yield* shadowOf("same"), Query.run(Query.insert(Settings, { key: "on-same", value: "x", counter: 0 })))
        yield* on(yield* shadowOf("other"), Query.run(Query.insert(Settings, { key: "on-other", value: "x", counter: 0 })))

        // the layer says shadows: the shadow of the primary's dialect answers, never the other one
        expect(yield* keys).toEqual(["a", "on-same"])
        expect(yield* Replication.readFromPrimary(keys)).toEqual(["a"])
        expect(yield* Database.transaction(keys)).toEqual(["a"])
        const raw = yield* Effect.flatMap(Database.Database, (db) => db.all({ sql: "SELECT COUNT(*) AS n FROM repl_settings", params: [] }))
        expect(Number(raw[0].n)).toBe(2)

        // a write, then a read in the same fiber: it sees the write
        yield* Query.run(Query.insert(Settings, { key: "b", value: "2", counter: 0 }))
        expect(yield* keys).toEqual(["a", "b", "on-same"])

        // the shadow held back: the read waits for it, then reads the primary
        yield* hold("same", true)
        yield* Effect.sleep("200 millis")
        yield* Query.run(Query.insert(Settings, { key: "c", value: "3", counter: 0 }))
        expect(yield* keys).toEqual(["a", "b", "c"])
        yield* hold("same", false)
        yield* Replication.caughtUp()
        expect(yield* keys).toEqual(["a", "b", "c", "on-same"])
      }).pipe(Effect.provide(layer)), { timeout: 60_000 })
  })
}

describe("Read routing: a region asks for shadows over a layer that reads the primary", () => {
  it.live("readFromShadows", () =>
    Effect.gen(function*() {
      yield* Ddl.dropAll(tables)
      yield* Ddl.createAll(tables)
      yield* Replication.caughtUp()
      yield* on(yield* shadowOf("same"), Query.run(Query.insert(Settings, { key: "on-same", value: "x", counter: 0 })))
      expect(yield* keys).toEqual([])
      expect(yield* Replication.readFromShadows(keys)).toEqual(["on-same"])
    }).pipe(Effect.provide(Replicated.layer({
      primary: databaseLayer("sqlite", "rr_region"),
      shadows: { same: databaseLayer("sqlite", "rr_region_same") },
      tables
    }))), { timeout: 60_000 })
})
