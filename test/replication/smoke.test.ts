import { Model } from "@effect/sql"
import { expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { tempDbFile } from "../support/tempDir.js"

class Item extends Model.Class<Item>("Item")({
  id: Model.Generated(Schema.Int),
  name: Schema.String,
  n: Schema.Int
}) {}
const Items = Table.make(Item, { name: "smoke_items" })

it.live("smoke", () =>
  Effect.gen(function*() {
    const p = tempDbFile("smoke-p"), s = tempDbFile("smoke-s")
    const program = Effect.gen(function*() {
      yield* Ddl.createAll([Items])
      yield* Query.run(Query.insert(Items, { name: "a", n: 1 }))
      yield* Query.run(Query.insertMany(Items, [{ name: "b", n: 2 }, { name: "c", n: 3 }]))
      yield* Query.run(Query.update(Items, { n: 10 }).pipe(Query.where({ name: "b" })))
      yield* Query.run(Query.delete(Items).pipe(Query.where({ name: "c" })))
      yield* Replication.caughtUp({ timeout: "10 seconds" })
      const st = yield* Replication.status
      console.log(JSON.stringify(st))
      const r = yield* Replication.Replication
      const shadow = (yield* r.shadow("s"))
      const rows = yield* Effect.provideService(Query.all(Query.from(Items)), Database.Database, (shadow as any).value)
      return rows
    })
    const rows = yield* program.pipe(Effect.provide(Replicated.layer({
      primary: Sqlite.layer({ filename: p }),
      shadows: { s: Sqlite.layer({ filename: s }) },
      tables: [Items]
    })))
    console.log(rows)
    expect(rows.map((r) => [r.name, r.n])).toEqual([["a", 1], ["b", 10]])
  }))
