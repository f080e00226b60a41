/**
 * PostgreSQL statements outside a transaction run as named (server-side
 * prepared) statements, parsed once per connection; inside a transaction
 * they run unnamed through `@effect/sql-pg`. Both paths give the same rows,
 * errors and decoded values on the same inputs; a named statement whose
 * result columns changed under it (DDL) runs again instead of failing.
 */
import { Model } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Schema } from "effect"
import { Database } from "../../src/layers/Database.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"
import { exec, failure, freshUrl, layerAt, sql } from "./PoolSupport.js"

class Item extends Model.Class<Item>("Item")({
  id: Schema.Int,
  name: Schema.String,
  price: Schema.Number,
  tag: Schema.NullOr(Schema.String)
}) {}
const Items = Table.make(Item, { name: "items" })

const prepared = (url: string) =>
  // one connection: every statement of the test meets the same session's prepared statements
  Effect.map(Layer.build(layerAt("postgres", url, { maxConnections: 1 })), Context.get(Database))

const named = (db: Database) =>
  Effect.map(
    db.all({ sql: "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'quarry%'", params: [] }),
    (rows) => rows.map((r) => String(r.statement))
  )

describe("PostgreSQL named statements", () => {
  it.scopedLive("the named path and the transaction's unnamed path agree on rows, errors and decoded values", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl("postgres", "pg_named"), prepared)
      yield* exec(db, "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price double precision NOT NULL, tag text)")
      yield* exec(db, "INSERT INTO items VALUES (1, 'a', 1.5, NULL), (2, 'b', 2.25, 'x'), (3, 'c', -1, 'y')")
      const byId = Prepared.make(Query.from(Items).pipe(Query.where(Expr.eq(Items.c.id, Query.param("id")))))
      const cheaper = Prepared.make(Query.from(Items).pipe(Query.where(Expr.lt(Items.c.price, Query.param("p")))))
      const outcome = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E, Database>) =>
        Effect.match(Effect.provideService(effect, Database, db), {
          onSuccess: (value) => ({ value }),
          onFailure: (e) => ({ failure: e._tag })
        })
      const reads = Effect.all([
        outcome(byId.get({ id: 2 })),
        outcome(byId.get({ id: 9 })),
        outcome(cheaper.all({ p: 2 })),
        outcome(Query.all(Query.from(Items).pipe(Query.where({ tag: null }))))
      ])
      // a statement the server refuses (it aborts a transaction, so it runs alone there)
      const refused = outcome(Query.all(Query.raw(Item)`SELECT * FROM items WHERE id = ${"not a number"}`))
      // twice outside: the second run finds the statements prepared
      const first = yield* reads
      const second = yield* reads
      const inside = yield* db.transaction(reads)
      expect(second).toEqual(first)
      expect(inside).toEqual(first)
      expect(first[0]).toEqual({ value: new Item({ id: 2, name: "b", price: 2.25, tag: "x" }) })
      expect(first[1]).toEqual({ failure: "NotFound" })
      expect(first[2]).toEqual({ value: [new Item({ id: 1, name: "a", price: 1.5, tag: null }), new Item({ id: 3, name: "c", price: -1, tag: "y" })] })
      expect(yield* refused).toEqual({ failure: "DatabaseFailure" })
      expect(yield* Effect.flip(db.transaction(Effect.flatMap(refused, Effect.fail)))).toEqual({ failure: "DatabaseFailure" })
      // what ran outside a transaction is prepared on the connection, once per text
      const statements = yield* named(db)
      expect(statements.filter((s) => s.includes("FROM \"items\"")).length).toBe(3)
      expect(new Set(statements).size).toBe(statements.length)
      // turned off (a pooler that does not keep them): the same reads, nothing prepared
      const url = yield* freshUrl("postgres", "pg_named_off")
      const off = yield* Effect.map(Layer.build(Postgres.layer({ url, maxConnections: 1, preparedStatements: false })), Context.get(Database))
      yield* exec(off, "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price double precision NOT NULL, tag text)")
      yield* exec(off, "INSERT INTO items VALUES (2, 'b', 2.25, 'x')")
      expect(yield* Effect.provideService(byId.get({ id: 2 }), Database, off)).toEqual(new Item({ id: 2, name: "b", price: 2.25, tag: "x" }))
      expect(yield* named(off)).toEqual([])
    }))

  it.scopedLive("a named statement whose result columns changed runs again instead of failing", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl("postgres", "pg_named_ddl"), prepared)
      yield* exec(db, "CREATE TABLE things (id integer PRIMARY KEY, n integer NOT NULL)")
      yield* exec(db, "INSERT INTO things VALUES (1, 10)")
      const read = db.all(sql(db)`SELECT * FROM things WHERE id = ${1}`)
      expect(yield* read).toEqual([{ id: 1, n: 10 }])
      expect(yield* read).toEqual([{ id: 1, n: 10 }])
      // the prepared plan's result type changes: PostgreSQL refuses to run it as it is (0A000)
      yield* exec(db, "ALTER TABLE things ALTER COLUMN n TYPE text")
      expect(yield* read).toEqual([{ id: 1, n: "10" }])
      yield* exec(db, "ALTER TABLE things ADD COLUMN extra boolean NOT NULL DEFAULT true")
      expect(yield* read).toEqual([{ id: 1, n: "10", extra: true }])
      expect(yield* read).toEqual([{ id: 1, n: "10", extra: true }])
      // other errors are not retried
      const error = yield* failure(db.all(sql(db)`SELECT * FROM things WHERE id = ${"x"}`))
      expect(error._tag).toBe("DatabaseFailure")
    }))
})
