/**
 * What a replicated database promises, each on every dialect as primary
 * (with a shadow of another dialect): commit-order positions, nothing of a
 * rolled-back or interrupted transaction shipped, sync mode, raw writes
 * refused unless declared, unreplicated tables refused, keyless tables
 * refused at build, status and its stream, draining shutdown, pruning, and
 * the gap a shadow added after pruning reports.
 */
import { Model } from "@effect/sql"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Logger, Option, Schema, Stream } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import { account, Accounts, databaseLayer, emails, logEntries, on, shadowOf, tables } from "./fixtures.js"

const pairs: ReadonlyArray<readonly [DialectName, DialectName]> = [
  ["sqlite", "postgres"],
  ["postgres", "mysql"],
  ["mysql", "sqlite"]
]

const fresh = Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))

for (const [primary, shadow] of pairs) {
  const set = (suite: string, options?: Partial<Replicated.ReplicatedConfig>) =>
    Replicated.layer({
      primary: databaseLayer(primary, `rs_${suite}_${primary}`),
      shadows: { s: databaseLayer(shadow, `rs_${suite}_${primary}_s`) },
      tables,
      ...options
    })

  describe(`Replication semantics: ${primary} → ${shadow}`, () => {
    it.live("positions follow commit order: a transaction that began first but commits last is not skipped", () =>
      Effect.gen(function*() {
        yield* fresh
        const wrote = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const first = yield* Effect.fork(Database.transaction(Effect.gen(function*() {
          yield* Query.run(Query.insert(Accounts, account(1)))
          yield* Deferred.succeed(wrote, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(wrote)
        // SQLite: a transaction holds the writer, so the second one commits after the first
        const second = yield* Effect.fork(Query.run(Query.insert(Accounts, account(2))))
        if (primary !== "sqlite") {
          yield* Fiber.join(second)
          yield* Replication.caughtUp()
          expect(yield* Effect.flatMap(shadowOf("s"), emails)).toEqual(["a2@example.com"])
        }
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(first)
        yield* Fiber.join(second)
        yield* Replication.caughtUp()
        expect(yield* Effect.flatMap(shadowOf("s"), emails)).toEqual(["a1@example.com", "a2@example.com"])
        const entries = yield* logEntries
        const at = (email: string) => entries.find((e) => e.payload.includes(email))!.position
        if (primary === "sqlite") expect(at("a1@example.com")).toBeLessThan(at("a2@example.com"))
        else expect(at("a2@example.com")).toBeLessThan(at("a1@example.com"))
      }).pipe(Effect.provide(set("order"))))

    it.live("a rolled-back or interrupted transaction logs and ships nothing", () =>
      Effect.gen(function*() {
        yield* fresh
        yield* Query.run(Query.insert(Accounts, account(1)))
        yield* Replication.caughtUp()
        const before = (yield* logEntries).length
        const failed = yield* Effect.exit(Database.transaction(Effect.zipRight(
          Query.run(Query.insertMany(Accounts, [account(2), account(3)])),
          Effect.fail("no" as const)
        )))
        expect(Exit.isFailure(failed)).toBe(true)
        const inserted = yield* Deferred.make<void>()
        const hanging = yield* Effect.fork(Database.transaction(Effect.gen(function*() {
          yield* Query.run(Query.insert(Accounts, account(4)))
          yield* Deferred.succeed(inserted, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(inserted)
        yield* Fiber.interrupt(hanging)
        // a constraint violation inside a captured write rolls its own capture back too
        const duplicate = yield* Effect.flip(Query.run(Query.insert(Accounts, account(1))))
        expect(duplicate._tag).toBe("UniqueViolation")
        expect((yield* logEntries).length).toBe(before)
        yield* Query.run(Query.insert(Accounts, account(5)))
        yield* Replication.caughtUp()
        expect(yield* Effect.flatMap(shadowOf("s"), emails)).toEqual(["a1@example.com", "a5@example.com"])
        expect(yield* Effect.flatMap(Database.Database, emails)).toEqual(["a1@example.com", "a5@example.com"])
      }).pipe(Effect.provide(set("rollback"))))

    it.live("sync mode: a write completes once the shadow has applied it", () =>
      Effect.gen(function*() {
        yield* fresh
        const s = yield* shadowOf("s")
        for (let i = 1; i <= 5; i++) {
          yield* Query.run(Query.insert(Accounts, account(i)))
          expect((yield* emails(s)).length).toBe(i)
        }
        yield* Query.run(Query.delete(Accounts).pipe(Query.where({ email: "a1@example.com" })))
        expect((yield* emails(s)).length).toBe(4)
        expect((yield* Replication.status).mode).toBe("sync")
      }).pipe(Effect.provide(set("sync", { mode: "sync" }))))

    it.live("raw writes are refused unless declared with Replication.touching; raw reads pass", () =>
      Effect.gen(function*() {
        yield* fresh
        const q = (yield* Database.Database).dialect.quote
        const ada = yield* Query.get(Query.insert(Accounts, account(1)).pipe(Query.returning()))
        yield* Query.run(Query.insert(Accounts, account(2)))
        const raw = { sql: `UPDATE ${q("repl_accounts")} SET ${q("name")} = 'raw' WHERE ${q("id")} = ${ada.id}`, params: [] }
        const refused = yield* Effect.flip(Database.run(raw))
        expect(refused._tag).toBe("ReplicationError")
        expect(refused._tag === "ReplicationError" && refused.reason).toBe("Uncapturable")
        const sql = yield* SqlClient.SqlClient
        const viaTemplate = yield* Effect.flip(sql`DELETE FROM ${sql("repl_accounts")}`)
        expect((viaTemplate.cause as { reason?: string }).reason).toBe("Uncapturable")
        const counted = yield* sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM ${sql("repl_accounts")}`
        expect(Number(counted[0].n)).toBe(2)
        expect((yield* Database.all({ sql: `SELECT ${q("name")} FROM ${q("repl_accounts")}`, params: [] })).length).toBe(2)

        yield* Replication.touching(Accounts, [ada.id])(Database.run(raw))
        const gone = { sql: `DELETE FROM ${q("repl_accounts")} WHERE ${q("email")} = 'a2@example.com'`, params: [] }
        const bob = (yield* Query.get(Query.from(Accounts).pipe(Query.where({ email: "a2@example.com" })))).id
        yield* Replication.touching(Accounts, [{ id: bob }])(Database.run(gone))
        yield* Replication.caughtUp()
        const rows = yield* on(yield* shadowOf("s"), Query.all(Query.from(Accounts)))
        expect(rows.map((r) => [r.email, r.name])).toEqual([["a1@example.com", "raw"]])
        const badKey = yield* Effect.flip(Replication.touching(Accounts, ["not a number"])(Database.run(raw)))
        expect(badKey._tag).toBe("ValidationError")
      }).pipe(Effect.provide(set("raw"))))

    it.live("status: positions, lag, states; its stream; a log line at each change of state", () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const logger = Logger.make(({ message }) => {
          lines.push(String(Array.isArray(message) ? message.join(" ") : message))
        })
        yield* Effect.gen(function*() {
          yield* fresh
          yield* Query.run(Query.insertMany(Accounts, [account(1), account(2)]))
          const seen = yield* Effect.fork(Replication.changes.pipe(
            Stream.filter((s) => s.shadows[0].position >= s.head && s.head > 0 && s.shadows[0].state === "streaming"),
            Stream.runHead
          ))
          yield* Replication.caughtUp()
          const status = yield* Replication.status
          expect(status.head).toBeGreaterThan(0)
          expect(status.shadows).toEqual([{
            name: "s",
            dialect: shadow,
            state: "streaming",
            position: status.head,
            lag: { entries: 0, seconds: 0 },
            shipping: true,
            lastError: undefined
          }])
          expect(Option.isSome(yield* Fiber.join(seen))).toBe(true)
        }).pipe(Effect.provide(set("status")), Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
        expect(lines).toContain("replication: shadow s is streaming")
      }))

    it.live("writes and DDL on a table the set does not replicate fail before any SQL", () =>
      Effect.gen(function*() {
        class Other extends Model.Class<Other>("Other")({ id: Model.Generated(Schema.Int), x: Schema.Int }) {}
        const Others = Table.make(Other, { name: "repl_others" })
        const ddl = yield* Effect.flip(Ddl.createAll([Others]))
        expect(ddl._tag === "ReplicationError" && ddl.reason).toBe("NotReplicated")
        const write = yield* Effect.flip(Query.run(Query.insert(Others, { x: 1 })))
        expect(write._tag === "ReplicationError" && write.reason).toBe("NotReplicated")
      }).pipe(Effect.provide(set("unknown"))))

    it.live("closing the scope drains what is committed into the shadow, then closes", () =>
      Effect.gen(function*() {
        const shadowLayer = yield* Layer.memoize(databaseLayer(shadow, `rs_drain_${primary}_s`))
        const writes = Effect.gen(function*() {
          yield* fresh
          yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => account(i)), (a) => Query.run(Query.insert(Accounts, a)), {
            concurrency: 8,
            discard: true
          })
        })
        yield* writes.pipe(Effect.provide(Replicated.layer({
          primary: databaseLayer(primary, `rs_drain_${primary}`),
          shadows: { s: shadowLayer },
          tables
        })))
        const left = yield* Effect.flatMap(Database.Database, emails).pipe(Effect.provide(shadowLayer))
        expect(left.length).toBe(200)
      }).pipe(Effect.scoped))
  })
}

describe("Replication: building the layer", () => {
  it.live("a table without a primary key is refused when the layer is built, before any database opens", () =>
    Effect.gen(function*() {
      class Keyless extends Model.Class<Keyless>("Keyless")({ a: Schema.String }) {}
      const Keyless_ = Table.make(Keyless, { name: "repl_keyless" })
      const error = yield* Effect.flip(Layer.launch(Replicated.layer({
        primary: databaseLayer("sqlite", "rs_keyless"),
        shadows: {},
        tables: [Keyless_]
      })))
      expect(error._tag === "ReplicationError" && error.reason).toBe("NoPrimaryKey")
      expect(error._tag === "ReplicationError" && error.table).toBe("repl_keyless")
    }))

  it.live("entries every shadow has applied are pruned; a shadow added after that finds the gap and is backfilled", () =>
    Effect.gen(function*() {
      const primaryLayer = yield* Layer.memoize(databaseLayer("sqlite", "rs_prune"))
      const a = yield* Layer.memoize(databaseLayer("postgres", "rs_prune_a"))
      yield* Effect.gen(function*() {
        yield* fresh
        yield* Query.run(Query.insertMany(Accounts, [account(1), account(2)]))
        yield* Replication.caughtUp()
        yield* Effect.repeat(logEntries, { until: (entries) => entries.length === 0 })
        yield* Query.run(Query.insert(Accounts, account(3)))
        yield* Replication.caughtUp()
        expect(yield* Effect.flatMap(shadowOf("a"), emails)).toEqual(["a1@example.com", "a2@example.com", "a3@example.com"])
      }).pipe(Effect.provide(Replicated.layer({ primary: primaryLayer, shadows: { a }, tables, pruneInterval: "50 millis" })))
      yield* Effect.gen(function*() {
        yield* Query.run(Query.insert(Accounts, account(4)))
        // b finds the gap, and is backfilled from a snapshot instead of stopping
        const gap = yield* Replication.changes.pipe(
          Stream.filter((s) => s.shadows.find((x) => x.name === "b")!.lastError?.reason === "Gap"),
          Stream.runHead,
          Effect.map(Option.getOrThrow)
        )
        expect(gap.shadows.find((x) => x.name === "b")!.state).not.toBe("stopped")
        yield* Replication.caughtUp()
        const emailsOf = (name: string) => Effect.flatMap(shadowOf(name), emails)
        expect(yield* emailsOf("b")).toEqual(["a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com"])
        expect(yield* emailsOf("a")).toEqual(yield* emailsOf("b"))
        const status = yield* Replication.status
        expect(status.shadows.map((x) => x.position)).toEqual([status.head, status.head])
      }).pipe(Effect.provide(Replicated.layer({
        primary: primaryLayer,
        shadows: { a, b: databaseLayer("mysql", "rs_prune_b") },
        tables,
        pruneInterval: "50 millis"
      })))
    }).pipe(Effect.scoped))
})
