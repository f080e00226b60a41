/**
 * A shadow behind a TCP proxy that the test cuts: in async mode the primary
 * never fails, the shadow's status says `down` with the last error, and once
 * the network is back it catches up and equals the primary; in sync mode a
 * write whose shadow is cut fails with `ReplicationError` ("Timeout") naming
 * the shadow, the primary keeps it, and the shadow gets it after. Each
 * dialect is the primary once. A shadow added later (while the log still
 * holds everything) gets the tables and the rows.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schedule, Stream } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { serverDatabase } from "../support/dialects.js"
import * as Proxy from "../support/proxy.js"
import { account, Accounts, databaseLayer, emails, shadowOf, tables } from "./fixtures.js"

const pairs: ReadonlyArray<readonly [DialectName, "postgres" | "mysql"]> = [
  ["sqlite", "postgres"],
  ["postgres", "mysql"],
  ["mysql", "postgres"]
]

/** A shadow on a server, reached through a proxy the test can cut. */
const proxied = (dialect: "postgres" | "mysql", suite: string) =>
  Effect.gen(function*() {
    const url = yield* serverDatabase(dialect, suite)
    const target = new URL(url)
    const proxy = yield* Proxy.make({ host: target.hostname, port: Number(target.port) })
    const through = Proxy.through(url, proxy)
    const layer = dialect === "postgres" ? Postgres.layer({ url: through }) : Mysql.layer({ url: through })
    return { proxy, layer: yield* Layer.memoize(layer) }
  })

const fresh = Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))
const retry = Schedule.spaced("100 millis")

for (const [primary, shadow] of pairs) {
  describe(`Replication faults: ${primary} → ${shadow} behind a proxy`, () => {
    it.live("async: a cut shadow never fails the primary, is down with its error, then catches up", () =>
      Effect.gen(function*() {
        const { layer, proxy } = yield* proxied(shadow, `rf_async_${primary}_s`)
        yield* Effect.gen(function*() {
          yield* fresh
          yield* Query.run(Query.insert(Accounts, account(0)))
          yield* Replication.caughtUp()
          yield* proxy.cut
          // a steady write load for the 30 s the shadow is cut: every write succeeds on the primary
          let written = 0
          const write = Effect.suspend(() => Query.run(Query.insert(Accounts, account(++written))))
          yield* Effect.repeat(write, Schedule.spaced("50 millis").pipe(Schedule.upTo(Duration.seconds(30))))
          yield* Query.run(Query.update(Accounts, { name: "renamed" }).pipe(Query.where({ email: "a1@example.com" })))
          yield* Query.run(Query.delete(Accounts).pipe(Query.where({ email: "a2@example.com" })))
          const down = yield* Replication.changes.pipe(
            Stream.map((s) => s.shadows[0]),
            Stream.filter((s) => s.state === "down" && s.lastError !== undefined),
            Stream.runHead
          )
          const seen = down._tag === "Some" ? down.value : undefined
          expect(seen?.lastError?.reason).toBe("Unreachable")
          expect(seen?.lastError?.shadow).toBe("s")
          const status = yield* Replication.status
          expect(status.shadows[0].lag.entries).toBeGreaterThan(0)
          yield* proxy.restore
          yield* Replication.caughtUp({ timeout: "60 seconds" })
          const primaryRows = yield* Effect.flatMap(Database.Database, emails)
          expect(primaryRows.length).toBe(written) // with account 0, less the one deleted
          expect(yield* Effect.flatMap(shadowOf("s"), emails)).toEqual(primaryRows)
          const renamed = yield* Query.get(Query.from(Accounts).pipe(Query.where({ email: "a1@example.com" }))).pipe(
            Effect.provideServiceEffect(Database.Database, shadowOf("s"))
          )
          expect(renamed.name).toBe("renamed")
          const after = (yield* Replication.status).shadows[0]
          expect(after.state).toBe("streaming")
          expect(after.lastError).toBeUndefined()
        }).pipe(Effect.provide(Replicated.layer({
          primary: databaseLayer(primary, `rf_async_${primary}`),
          shadows: { s: layer },
          tables,
          retry
        })))
      }).pipe(Effect.scoped), 120_000)

    it.live("sync: a write whose shadow is cut fails with ReplicationError naming it; the primary keeps it, the shadow gets it", () =>
      Effect.gen(function*() {
        const { layer, proxy } = yield* proxied(shadow, `rf_sync_${primary}_s`)
        yield* Effect.gen(function*() {
          yield* fresh
          yield* Query.run(Query.insert(Accounts, account(1)))
          yield* proxy.cut
          const failed = yield* Effect.flip(Query.run(Query.insert(Accounts, account(2))))
          expect(failed._tag).toBe("ReplicationError")
          expect(failed._tag === "ReplicationError" && failed.reason).toBe("Timeout")
          expect(failed._tag === "ReplicationError" && failed.shadow).toBe("s")
          expect(yield* Effect.flatMap(Database.Database, emails)).toEqual(["a1@example.com", "a2@example.com"])
          yield* proxy.restore
          yield* Replication.caughtUp({ timeout: "60 seconds" })
          expect(yield* Effect.flatMap(shadowOf("s"), emails)).toEqual(["a1@example.com", "a2@example.com"])
        }).pipe(Effect.provide(Replicated.layer({
          primary: databaseLayer(primary, `rf_sync_${primary}`),
          shadows: { s: layer },
          tables,
          mode: "sync",
          syncTimeout: "3 seconds", // long enough for the write before the cut on a loaded machine
          retry
        })))
      }).pipe(Effect.scoped), 120_000)
  })
}

describe("Replication: a shadow added later", () => {
  for (const [primary, shadow] of [["postgres", "sqlite"], ["sqlite", "mysql"], ["mysql", "postgres"]] as const) {
    it.live(`${primary} → ${shadow}: a shadow added to a running set gets the tables and every row from the log`, () =>
      Effect.gen(function*() {
        const primaryLayer = yield* Layer.memoize(databaseLayer(primary, `rf_later_${primary}`))
        const first = yield* Layer.memoize(databaseLayer("sqlite", `rf_later_${primary}_a`))
        const keep = { retention: "1 hour", pruneInterval: "50 millis" } as const
        yield* Effect.gen(function*() {
          yield* fresh
          yield* Query.run(Query.insertMany(Accounts, [account(1), account(2), account(3)]))
          yield* Query.run(Query.delete(Accounts).pipe(Query.where({ email: "a2@example.com" })))
          yield* Replication.caughtUp()
        }).pipe(Effect.provide(Replicated.layer({ primary: primaryLayer, shadows: { a: first }, tables, ...keep })))
        yield* Effect.gen(function*() {
          yield* Query.run(Query.insert(Accounts, account(4)))
          yield* Replication.caughtUp({ timeout: "60 seconds" })
          const expected = ["a1@example.com", "a3@example.com", "a4@example.com"]
          expect(yield* Effect.flatMap(Database.Database, emails)).toEqual(expected)
          expect(yield* Effect.flatMap(shadowOf("a"), emails)).toEqual(expected)
          expect(yield* Effect.flatMap(shadowOf("b"), emails)).toEqual(expected)
        }).pipe(Effect.provide(Replicated.layer({
          primary: primaryLayer,
          shadows: { a: first, b: databaseLayer(shadow, `rf_later_${primary}_b`) },
          tables,
          ...keep
        })))
      }).pipe(Effect.scoped), 120_000)
  }
})
