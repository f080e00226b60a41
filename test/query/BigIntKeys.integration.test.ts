/**
 * 64-bit integers past 2^53 stay exact in filters and writes on every
 * dialect: a bound BIGINT is compared as an integer, never through a double
 * (where 9007199254740993 = 9007199254740992).
 */
import { Model } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import { resetTables } from "./support.js"

/** A BIGINT key (text on the encoded side) and a BIGINT column (bigint on both sides). */
class Big extends Model.Class<Big>("Big")({
  id: Schema.BigInt,
  ref: Schema.BigIntFromSelf,
  label: Schema.String.pipe(Schema.maxLength(40))
}) {}
const Bigs = Table.make(Big, { name: "bigs", primaryKey: "id" })

const two53 = 2n ** 53n
const max = 2n ** 63n - 1n
const min = -(2n ** 63n)
// 2^53 + 1 has no double of its own: as a double it is 2^53
const keys = [two53, two53 + 1n, two53 + 2n, max - 1n, max, min] as const
const rows = keys.map((id, i) => ({ id, ref: id, label: `r${i}` }))

const ordered = Query.from(Bigs).pipe(Query.orderBy(Bigs.c.id))
const labels = (found: ReadonlyArray<Big>) => found.map((r) => r.label)

for (const c of cases("query_bigint")) {
  layer(c.layer, { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    it.effect("BIGINT values past 2^53: insert, equality, IN, update by key and read back exact", () =>
      Effect.gen(function*() {
        yield* resetTables([Bigs])
        yield* Query.run(Query.insertMany(Bigs, rows))
        const back = yield* Query.all(ordered)
        expect(back.map((r) => [r.id, r.ref, r.label])).toEqual(
          [...rows].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => [r.id, r.ref, r.label])
        )

        // equality on the key and on a plain column, built per call and prepared
        expect((yield* Query.get(Query.from(Bigs).pipe(Query.where({ id: two53 + 1n })))).label).toBe("r1")
        expect(labels(yield* Query.all(Query.from(Bigs).pipe(Query.where({ ref: two53 + 1n }))))).toEqual(["r1"])
        const byRef = Prepared.make(Query.from(Bigs).pipe(Query.where({ ref: Query.param("ref") })))
        expect(labels(yield* byRef.all({ ref: max - 1n }))).toEqual(["r3"])
        const byId = Prepared.make(Query.from(Bigs).pipe(Query.where({ id: Query.param("id") })))
        expect((yield* byId.get({ id: two53 })).label).toBe("r0")
        expect((yield* byId.get({ id: min })).label).toBe("r5")

        // IN lists
        expect(labels(yield* Query.all(ordered.pipe(Query.where({ id: { in: [two53 + 1n, max] } }))))).toEqual(["r1", "r4"])
        expect(labels(yield* Query.all(ordered.pipe(Query.where({ ref: { in: [two53 + 2n, min] } }))))).toEqual(["r5", "r2"])

        // update by key: exactly one row
        const updated = yield* Query.run(
          Query.update(Bigs, { ref: max, label: "u1" }).pipe(Query.where({ id: two53 + 1n }))
        )
        expect(updated.rowsAffected).toBe(1)
        const after = yield* Query.all(ordered)
        expect(after.map((r) => [r.id, r.ref, r.label])).toEqual([
          [min, min, "r5"],
          [two53, two53, "r0"],
          [two53 + 1n, max, "u1"],
          [two53 + 2n, two53 + 2n, "r2"],
          [max - 1n, max - 1n, "r3"],
          [max, max, "r4"]
        ])
        // inside a transaction and streamed, the same
        const byMax = Query.from(Bigs).pipe(Query.where({ ref: max }), Query.orderBy(Bigs.c.id))
        expect(labels(yield* Database.transaction(Query.all(byMax)))).toEqual(["u1", "r4"])
        expect(labels(Chunk.toReadonlyArray(yield* Stream.runCollect(Query.stream(byMax))))).toEqual(["u1", "r4"])

        // arithmetic with a bound BIGINT, in a filter and an assignment (on rows where it cannot overflow)
        const gone = yield* Query.run(Query.delete(Bigs).pipe(Query.where({ id: { in: [min, two53 + 1n, max - 1n, max] } })))
        expect(gone.rowsAffected).toBe(4)
        const plusOne = Expr.add(Bigs.c.ref, 1n)
        expect(labels(yield* Query.all(Query.from(Bigs).pipe(Query.where(Expr.eq(plusOne, two53 + 1n)))))).toEqual(["r0"])
        expect(labels(yield* Query.all(Query.from(Bigs).pipe(Query.where(Expr.eq(Expr.sub(Bigs.c.ref, two53), 2n))))))
          .toEqual(["r2"])
        yield* Query.run(Query.update(Bigs, { ref: plusOne }).pipe(Query.where({ id: two53 })))
        expect((yield* byId.get({ id: two53 })).ref).toBe(two53 + 1n)
        yield* Query.run(Query.update(Bigs, { ref: two53 }).pipe(Query.where({ id: two53 })))
        expect((yield* Query.all(ordered)).map((r) => [r.id, r.ref, r.label])).toEqual([
          [two53, two53, "r0"],
          [two53 + 2n, two53 + 2n, "r2"]
        ])
      }))
  })
}
