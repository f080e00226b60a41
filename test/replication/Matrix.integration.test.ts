/**
 * The cross-dialect matrix: each dialect as primary with the other two as
 * shadows. After the workload (every kind of write, rolled-back transactions
 * included) every shadow's tables equal the primary's, row by row.
 */
import { expect, layer } from "@effect/vitest"
import { Effect, TestServices } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { compareAll, databaseLayer, tables, workload } from "./fixtures.js"

const dialects: ReadonlyArray<DialectName> = ["sqlite", "postgres", "mysql"]

for (const primary of dialects) {
  const others = dialects.filter((d) => d !== primary)
  const Db = Replicated.layer({
    primary: databaseLayer(primary, `repl_matrix_${primary}`),
    shadows: Object.fromEntries(others.map((d) => [d, databaseLayer(d, `repl_matrix_${primary}_${d}`)])),
    tables
  })
  layer(Db, { timeout: 180_000 })(`Replication matrix: ${primary} → ${others.join(" + ")}`, (it) => {
    it.effect("every shadow equals the primary after the workload", () =>
      TestServices.provideLive(Effect.gen(function*() {
        yield* Ddl.dropAll(tables)
        yield* Ddl.createAll(tables)
        yield* workload
        const { primary: rows, shadows, status } = yield* compareAll
        expect(rows[0].length).toBeGreaterThan(30)
        expect(rows[1].length).toBe(3)
        for (const d of others) {
          expect(shadows[d], `shadow ${d}`).toEqual(rows)
        }
        for (const s of status.shadows) {
          expect(s.state).toBe("streaming")
          expect(s.lag.entries).toBe(0)
          expect(s.lastError).toBeUndefined()
        }
      })))
  })
}
