/**
 * Faults between processes and shadows: a shadow that rejects an entry stops
 * alone (the others go on) and resumes once fixed; two processes writing to
 * one primary ship to a shadow one at a time, the other taking over when the
 * first closes; a process killed with SIGKILL in the middle of shipping
 * leaves nothing lost and nothing applied twice for the next one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schedule, Scope, Stream } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import * as Database from "../../src/layers/Database.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import * as Query from "../../src/query/Query.js"
import * as Replicated from "../../src/replication/Replicated.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { serverDatabase, sqliteFile } from "../support/dialects.js"
import { account, Accounts, databaseLayer, emails, shadowOf, snapshot, tables } from "./fixtures.js"

const fresh = Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))
const retry = Schedule.spaced("100 millis")
const shadowState = (name: string) =>
  Effect.map(Replication.status, (s) => s.shadows.find((x) => x.name === name)!)

describe("Replication: a shadow that rejects an entry", () => {
  it.live("stops only that shadow, naming the position and the table; the others go on; resume after the fix", () =>
    Effect.gen(function*() {
      yield* Effect.gen(function*() {
        yield* fresh
        yield* Query.run(Query.insert(Accounts, account(1)))
        yield* Replication.caughtUp()
        // a constraint the primary does not have
        const strict = yield* shadowOf("strict")
        yield* strict.run({ sql: "CREATE UNIQUE INDEX strict_name ON repl_accounts (name)", params: [] })
        yield* Query.run(Query.insert(Accounts, { ...account(2), name: "Account 1" }))
        yield* Query.run(Query.insert(Accounts, account(3)))
        const head = (yield* Replication.status).head
        const stopped = yield* Replication.changes.pipe(
          Stream.map((s) => s.shadows.find((x) => x.name === "strict")!),
          Stream.filter((s) => s.state === "stopped"),
          Stream.runHead,
          Effect.map(Option.getOrThrow),
          Effect.timeout("30 seconds")
        )
        expect(stopped.lastError?.reason).toBe("Rejected")
        expect(stopped.lastError?.shadow).toBe("strict")
        expect(stopped.lastError?.table).toBe("repl_accounts")
        expect(stopped.lastError?.position).toBe(head - 1)
        expect(stopped.position).toBe(head - 2)
        // the other shadow is not held back
        yield* Effect.repeat(shadowState("loose"), { until: (s) => s.position === head, schedule: Schedule.spaced("50 millis") }).pipe(
          Effect.timeout("30 seconds")
        )
        const primaryEmails = yield* Effect.flatMap(Database.Database, emails)
        expect(primaryEmails).toEqual(["a1@example.com", "a2@example.com", "a3@example.com"])
        expect(yield* Effect.flatMap(shadowOf("loose"), emails)).toEqual(primaryEmails)
        expect(yield* emails(strict)).toEqual(["a1@example.com"])
        // a stopped shadow stays stopped (no retry loop) until resumed
        expect((yield* shadowState("strict")).state).toBe("stopped")
        yield* strict.run({ sql: "DROP INDEX strict_name", params: [] })
        yield* Replication.resume("strict")
        yield* Replication.caughtUp({ timeout: "60 seconds" })
        expect(yield* emails(strict)).toEqual(primaryEmails)
      }).pipe(Effect.provide(Replicated.layer({
        primary: databaseLayer("postgres", "rp_reject"),
        shadows: { strict: databaseLayer("sqlite", "rp_reject_strict"), loose: databaseLayer("mysql", "rp_reject_loose") },
        tables,
        retry
      })))
    }), 120_000)
})

describe("Replication: several processes", () => {
  it.live("two processes writing to one primary: one ships to the shadow at a time, the other takes over", () =>
    Effect.gen(function*() {
      const primaryUrl = yield* serverDatabase("postgres", "rp_two")
      const shadowUrl = yield* serverDatabase("mysql", "rp_two_s")
      // each process opens its own pools on the same databases
      const processLayer = (owner: string) =>
        Replicated.layer({
          primary: Postgres.layer({ url: primaryUrl }),
          shadows: { s: Mysql.layer({ url: shadowUrl }) },
          tables,
          owner,
          lease: "1 second",
          pollInterval: "50 millis",
          retry
        })
      const open = (owner: string) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const context = yield* Layer.buildWithScope(processLayer(owner), scope)
          return { scope, run: <A, E>(effect: Effect.Effect<A, E, Replication.Replication | Database.Database>) => Effect.provide(effect, context) }
        })
      const a = yield* open("A")
      const b = yield* open("B")
      yield* a.run(fresh)
      yield* a.run(Query.run(Query.insertMany(Accounts, [account(1), account(2)])))
      yield* b.run(Query.run(Query.insertMany(Accounts, [account(3), account(4)])))
      yield* a.run(Query.run(Query.insert(Accounts, account(5))))
      yield* b.run(Replication.caughtUp({ timeout: "30 seconds" }))
      yield* a.run(Replication.caughtUp({ timeout: "30 seconds" }))
      const shippingA = (yield* a.run(shadowState("s"))).shipping
      const shippingB = (yield* b.run(shadowState("s"))).shipping
      expect([shippingA, shippingB].filter(Boolean)).toHaveLength(1)
      const [leader, follower] = shippingA ? [a, b] : [b, a]
      const expected = ["a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com", "a5@example.com"]
      expect(yield* follower.run(Effect.flatMap(shadowOf("s"), emails))).toEqual(expected)
      // the leader closes: the follower takes the lease and ships what it writes next
      yield* Scope.close(leader.scope, Exit.void)
      yield* follower.run(Query.run(Query.insert(Accounts, account(6))))
      yield* follower.run(Replication.caughtUp({ timeout: "30 seconds" }))
      expect((yield* follower.run(shadowState("s"))).shipping).toBe(true)
      expect(yield* follower.run(Effect.flatMap(shadowOf("s"), emails))).toEqual([...expected, "a6@example.com"])
      yield* Scope.close(follower.scope, Exit.void)
    }).pipe(Effect.scoped), 120_000)

  it.live("a process killed with SIGKILL mid-shipping: the next start ships the rest, nothing lost or doubled", () =>
    Effect.gen(function*() {
      const primaryFile = sqliteFile("rp_kill")
      const shadowUrl = yield* serverDatabase("postgres", "rp_kill_s")
      // node itself, not the tsx wrapper (whose own child would outlive the kill)
      const child = spawn(process.execPath, ["--import", "tsx", "test/replication/support/writer-child.ts"], {
        env: { ...process.env, QUARRY_PRIMARY: primaryFile, QUARRY_SHADOW: shadowUrl },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      child.stderr.on("data", (d) => (stderr += String(d)))
      const acknowledged: Array<string> = []
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (/^a\d+@example\.com$/.test(line)) acknowledged.push(line)
      })
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)))
      // wait until the child has shipped part of what it wrote, then kill it
      const shadow = Postgres.layer({ url: shadowUrl })
      const accountRows = Effect.flatMap(Database.Database, (db) =>
        Effect.orElseSucceed(
          Effect.map(db.all({ sql: "SELECT COUNT(*) AS n FROM repl_accounts", params: [] }), (r) => Number(r[0].n)),
          () => 0
        ))
      yield* Effect.repeat(accountRows, {
        until: (n) => n >= 20 || child.exitCode !== null,
        schedule: Schedule.spaced("50 millis")
      }).pipe(Effect.provide(shadow), Effect.timeout("60 seconds"))
      expect(child.exitCode, stderr).toBeNull()
      child.kill("SIGKILL")
      expect(yield* Effect.promise(() => exited)).toBe("SIGKILL")
      // killed mid-shipping: the primary holds rows the shadow does not have yet
      const onPrimary = yield* accountRows.pipe(Effect.provide(Sqlite.layer({ filename: primaryFile })))
      const onShadowAtKill = yield* accountRows.pipe(Effect.provide(shadow))
      expect(onPrimary).toBeGreaterThan(onShadowAtKill)
      expect(onShadowAtKill).toBeGreaterThan(0)
      expect(acknowledged.length).toBeGreaterThan(0)
      // the next start: another owner, after the dead one's lease expires
      yield* Effect.gen(function*() {
        yield* Replication.caughtUp({ timeout: "60 seconds" })
        const r = yield* Replication.Replication
        const primaryRows = yield* snapshot(r.primary)
        const shadowRows = yield* snapshot(yield* shadowOf("s"))
        expect(shadowRows).toEqual(primaryRows)
        // every insert the child acknowledged is on the primary and on the shadow, once
        const onShadow = yield* emails(yield* shadowOf("s"))
        expect(new Set(onShadow).size).toBe(onShadow.length)
        for (const email of acknowledged) expect(onShadow).toContain(email)
        const status = yield* Replication.status
        expect(status.shadows[0].position).toBe(status.head)
      }).pipe(Effect.provide(Replicated.layer({
        primary: Sqlite.layer({ filename: primaryFile }),
        shadows: { s: shadow },
        tables,
        owner: "restart",
        retry
      })))
    }).pipe(Effect.scoped), 120_000)
})
