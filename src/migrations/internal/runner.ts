/**
 * apply / rollback / status / check over the current database.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Database from "../../layers/Database.js"
import type * as DatabaseError from "../../layers/DatabaseError.js"
import * as Snapshot from "../../schema/Snapshot.js"
import type * as Table from "../../schema/Table.js"
import * as Migration from "../Migration.js"
import * as MigrationError from "../MigrationError.js"
import type * as Operation from "../Operation.js"
import { before, dialect, load, locked, type Options, ordered, refuseDestructive, runOperations, verify } from "./apply.js"
import { introspect } from "./catalog.js"
import * as internalDiff from "./diff.js"
import { drift } from "./drift.js"
import * as History from "./history.js"
import * as Recording from "./recording.js"

type E = MigrationError.MigrationError | DatabaseError.DatabaseError

/** @internal */
export interface ApplyOptions extends Options {
  readonly allowOutOfOrder?: boolean | undefined
  readonly resume?: boolean | undefined
  readonly to?: string | undefined
}

/** @internal */
export const apply = (options: ApplyOptions): Effect.Effect<ReadonlyArray<string>, E, Database.Database> =>
  Effect.gen(function*() {
    const dd = yield* dialect
    const t = yield* Recording.target
    const plan = yield* load(options)
    yield* verify(plan)
    const rows = new Map(plan.rows.map((r) => [r.id, r]))
    const pending = plan.sorted.filter((m) =>
      rows.get(m.id)?.state !== "applied" && (options.to === undefined || m.id <= options.to)
    )
    const latest = plan.rows.filter((r) => r.state === "applied").reduce<string | undefined>(
      (max, r) => (max === undefined || r.id > max ? r.id : max),
      undefined
    )
    const early = latest === undefined ? undefined : pending.find((m) => m.id < latest)
    if (early !== undefined && latest !== undefined && options.allowOutOfOrder !== true) {
      return yield* Effect.fail(new MigrationError.OutOfOrder({ migration: early.id, applied: latest }))
    }
    for (const m of pending) yield* refuseDestructive(m, m.up, before(plan.sorted, m), dd, options.allowDestructive)
    if (pending.length === 0) return []
    yield* locked(dd, pending[0].id, options, Recording.unrecorded(t, History.ensure(plan.history)))
    const done: Array<string> = []
    for (const m of pending) {
      const applied = yield* locked(
        dd,
        m.id,
        options,
        Recording.unrecorded(t, Effect.gen(function*() {
          // under the lock: another migrator may have applied it meanwhile
          const row = yield* History.find(plan.history, m.id)
          if (row?.state === "applied") return false
          if (row !== undefined && row.checksum !== m.checksum) {
            return yield* Effect.fail(new MigrationError.ChecksumMismatch({ migration: m.id, applied: row.checksum, current: m.checksum }))
          }
          // read under the lock: a partial row seen before it may be another migrator's migration in progress
          if (row?.state === "partial" && options.resume !== true) {
            return yield* Effect.fail(new MigrationError.PartiallyApplied({ migration: m.id, step: row.step }))
          }
          // where DDL commits as it goes, progress is recorded after each operation
          const progress = !dd.transactionalDdl
          if (row === undefined && progress) yield* History.insert(plan.history, { id: m.id, checksum: m.checksum, state: "partial" })
          yield* Effect.logInfo(`migrations: applying ${m.id}`)
          yield* runOperations(m, "up", before(plan.sorted, m), row?.step ?? 0, dd, options, plan.history, t)
          if (row === undefined && !progress) {
            yield* History.insert(plan.history, { id: m.id, checksum: m.checksum, state: "applied" })
          } else yield* History.update(plan.history, m.id, { state: "applied", step: m.up.length })
          return true
        }))
      )
      if (applied) done.push(m.id)
    }
    return done
  }).pipe(Effect.annotateLogs("quarry", "migrations"))

/** @internal */
export interface RollbackOptions extends Options {
  readonly steps?: number | undefined
}

/** @internal */
export const rollback = (options: RollbackOptions): Effect.Effect<ReadonlyArray<string>, E, Database.Database> =>
  Effect.gen(function*() {
    const dd = yield* dialect
    const t = yield* Recording.target
    const plan = yield* load(options)
    yield* verify(plan)
    const targets = [...plan.rows].sort((a, b) => b.seq - a.seq).slice(0, Math.max(0, options.steps ?? 1))
    const found: Array<Migration.Migration> = []
    for (const row of targets) {
      if (row.state === "partial") return yield* Effect.fail(new MigrationError.PartiallyApplied({ migration: row.id, step: row.step }))
      const m = plan.sorted.find((x) => x.id === row.id)!
      yield* refuseDestructive(m, m.down, m.snapshot, dd, options.allowDestructive)
      found.push(m)
    }
    const done: Array<string> = []
    for (const m of found) {
      const undone = yield* locked(
        dd,
        m.id,
        options,
        Recording.unrecorded(t, Effect.gen(function*() {
          const row = yield* History.find(plan.history, m.id)
          if (row === undefined) return false
          yield* Effect.logInfo(`migrations: rolling back ${m.id}`)
          yield* runOperations(m, "down", m.snapshot, 0, dd, options, plan.history, t)
          yield* History.remove(plan.history, m.id)
          return true
        }))
      )
      if (undone) done.push(m.id)
    }
    return done
  }).pipe(Effect.annotateLogs("quarry", "migrations"))

/** @internal */
export interface Entry {
  readonly id: string
  readonly state: "applied" | "pending" | "partial" | "missing" | "edited"
  readonly appliedAt: Date | undefined
  /** Pending, but sorts before an applied migration. */
  readonly outOfOrder: boolean
}

/** @internal */
export const status = (options: Options): Effect.Effect<ReadonlyArray<Entry>, E, Database.Database> =>
  Effect.gen(function*() {
    const plan = yield* load(options)
    const rows = new Map(plan.rows.map((r) => [r.id, r]))
    const latest = plan.rows.reduce<string>((max, r) => (r.id > max ? r.id : max), "")
    const entries: Array<Entry> = plan.sorted.map((m) => {
      const row = rows.get(m.id)
      const state = row === undefined
        ? "pending"
        : row.checksum !== m.checksum
        ? "edited"
        : row.state
      return { id: m.id, state, appliedAt: row?.appliedAt, outOfOrder: row === undefined && m.id < latest }
    })
    for (const row of plan.rows) {
      if (!plan.sorted.some((m) => m.id === row.id)) {
        entries.push({ id: row.id, state: "missing", appliedAt: row.appliedAt, outOfOrder: false })
      }
    }
    return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  })

/** @internal */
export interface CheckOptions {
  readonly tables: ReadonlyArray<Table.Any>
  readonly migrations: ReadonlyArray<Migration.Migration>
  readonly table?: string | undefined
}

/** @internal */
export interface Report {
  readonly changes: ReadonlyArray<Operation.Operation>
  readonly drift: ReadonlyArray<string>
}

const noRenames: internalDiff.Matching = { tables: new Map(), columns: new Map() }

/** What a new migration would do (renames read as drop + add: only whether anything differs matters). @internal */
export const changes = (options: CheckOptions) =>
  Effect.gen(function*() {
    const sorted = yield* ordered(options.migrations)
    const latest = sorted.at(-1)?.snapshot ?? Migration.empty
    return { latest, changes: yield* internalDiff.plan(latest, Snapshot.make(options.tables), noRenames) }
  })

/** @internal */
export const check = (options: CheckOptions, live: boolean) =>
  Effect.gen(function*() {
    const { changes: ops, latest } = yield* changes(options)
    let found: ReadonlyArray<string> = []
    if (live) {
      const dd = yield* dialect
      const tables = yield* introspect(new Set([options.table ?? "quarry_migrations"]))
      found = drift(dd.dialect.name, tables, latest)
    }
    if (ops.length > 0 || found.length > 0) {
      return yield* Effect.fail(new MigrationError.OutOfSync({ changes: ops, drift: found }))
    }
    return { changes: ops, drift: found } satisfies Report
  })
