/**
 * The diff of two snapshots: first a matching (which tables and columns are
 * the same, renames included — never guessed), then the operations turning
 * one into the other, in an order every dialect accepts: renames, drops of
 * keys, new tables, column changes, new keys, dropped tables.
 *
 * @internal
 */
import { Effect } from "effect"
import { uniqueConstraints } from "../../schema/internal/ddl.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import * as MigrationError from "../MigrationError.js"
import type * as Operation from "../Operation.js"
import { applyTo, tableOf } from "./state.js"

type TableSnapshot = Snapshot.TableSnapshot
type Column = Snapshot.ColumnSnapshot

/** @internal */
export interface Hints {
  readonly tables?: ReadonlyArray<{ readonly from: string; readonly to: string }> | undefined
  readonly columns?: ReadonlyArray<{ readonly table: string; readonly from: string; readonly to: string }> | undefined
  readonly drops?: ReadonlyArray<string> | undefined
}

/** Which table / column of `to` is which of `from`: renames only (the rest match by name). @internal */
export interface Matching {
  /** New table name -> old table name. */
  readonly tables: ReadonlyMap<string, string>
  /** New table name -> (new column -> old column). */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>
}

const invertMap = <K, V>(m: ReadonlyMap<K, V>): Map<V, K> => new Map([...m].map(([k, v]) => [v, k]))

/** The matching seen from the other side (for `down`). @internal */
export const invert = (m: Matching): Matching => ({
  tables: invertMap(m.tables),
  columns: new Map([...m.columns].map(([table, cols]) => [m.tables.get(table) ?? table, invertMap(cols)]))
})

const names = <A extends { readonly name: string }>(xs: ReadonlyArray<A>) => new Set(xs.map((x) => x.name))

/** Pair what was with what is: renames from hints, the rest by name; a drop beside an add must be confirmed. */
const pair = (
  kind: "table" | "column",
  table: string | undefined,
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
  renames: ReadonlyArray<{ readonly from: string; readonly to: string }>,
  confirmed: (name: string) => boolean
): Effect.Effect<Map<string, string>, MigrationError.AmbiguousRename | MigrationError.InvalidHint> => {
  const where = (n: string) => (table === undefined ? n : `${table}.${n}`)
  for (const r of renames) {
    if (!before.has(r.from)) {
      return Effect.fail(new MigrationError.InvalidHint({ hint: `${where(r.from)} -> ${r.to}`, reason: `no ${kind} ${where(r.from)} before` }))
    }
    if (!after.has(r.to)) {
      return Effect.fail(new MigrationError.InvalidHint({ hint: `${where(r.from)} -> ${r.to}`, reason: `no ${kind} ${where(r.to)} after` }))
    }
  }
  const renamed = new Map(renames.map((r) => [r.to, r.from]))
  const renamedAway = new Set(renames.map((r) => r.from))
  const dropped = [...before].filter((n) => !renamedAway.has(n) && !after.has(n))
  const added = [...after].filter((n) => !renamed.has(n) && !before.has(n))
  const unconfirmed = dropped.filter((n) => !confirmed(n))
  if (unconfirmed.length > 0 && added.length > 0) {
    return Effect.fail(new MigrationError.AmbiguousRename({ kind, table, dropped: unconfirmed, added }))
  }
  return Effect.succeed(renamed)
}

/** @internal */
export const match = (
  from: Snapshot.Snapshot,
  to: Snapshot.Snapshot,
  hints: Hints | undefined
): Effect.Effect<Matching, MigrationError.AmbiguousRename | MigrationError.InvalidHint> =>
  Effect.gen(function*() {
    const drops = new Set(hints?.drops ?? [])
    const tables = yield* pair("table", undefined, names(from.tables), names(to.tables), hints?.tables ?? [], (n) => drops.has(n))
    const columns = new Map<string, Map<string, string>>()
    for (const t of to.tables) {
      const old = tables.get(t.name) ?? (from.tables.some((f) => f.name === t.name) ? t.name : undefined)
      if (old === undefined) continue
      const renames = (hints?.columns ?? []).filter((c) => c.table === t.name)
      const cols = yield* pair(
        "column",
        t.name,
        names(tableOf(from, old).columns),
        names(t.columns),
        renames,
        (n) => drops.has(`${t.name}.${n}`) || drops.has(`${old}.${n}`)
      )
      if (cols.size > 0) columns.set(t.name, cols)
    }
    return { tables, columns }
  })

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.length === b.length && a.every((x, i) => x === b[i])

const json = (u: unknown) => JSON.stringify(u)

/** What an ALTER COLUMN can change (keys have their own operations; `field` is TypeScript's business). */
const columnShape = (c: Column) =>
  json([c.kind, c.nullable, c.sqlType, c.default, c.defaultByDialect, c.check, c.checkByDialect])

const sameFk = (a: Operation.ForeignKey, b: Operation.ForeignKey) => json(a) === json(b)
const sameIndex = (a: Operation.Index, b: Operation.Index) => json(a) === json(b)
const sameCheck = (a: Operation.Check, b: Operation.Check) => json(a) === json(b)

/** Tables in the order they can be created: parents first (cycles keep their order). */
const creationOrder = (tables: ReadonlyArray<TableSnapshot>): ReadonlyArray<TableSnapshot> => {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const out: Array<TableSnapshot> = []
  const seen = new Set<string>()
  const visit = (t: TableSnapshot) => {
    if (seen.has(t.name)) return
    seen.add(t.name)
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.references.table)
      if (parent !== undefined) visit(parent)
    }
    out.push(t)
  }
  tables.forEach(visit)
  return out
}

const unsupported = (table: string, reason: string) => new MigrationError.UnsupportedChange({ table, reason })

/** The operations turning `from` into `to`, given their matching. @internal */
export const plan = (
  from: Snapshot.Snapshot,
  to: Snapshot.Snapshot,
  m: Matching
): Effect.Effect<ReadonlyArray<Operation.Operation>, MigrationError.UnsupportedChange> =>
  Effect.gen(function*() {
    const ops: Array<Operation.Operation> = []
    let state = from
    const emit = (op: Operation.Operation) => {
      ops.push(op)
      state = applyTo(state, op)
    }
    // 1. renames
    for (const [now, was] of m.tables) emit({ _tag: "RenameTable", from: was, to: now })
    for (const [table, cols] of m.columns) {
      for (const [now, was] of cols) emit({ _tag: "RenameColumn", table, from: was, to: now })
    }
    const existed = new Set(state.tables.map((t) => t.name))
    const kept = to.tables.filter((t) => existed.has(t.name))
    const created = to.tables.filter((t) => !existed.has(t.name))
    const dropped = state.tables.filter((t) => !to.tables.some((n) => n.name === t.name))
    // 2. keys that go or change, before the columns they cover change
    for (const t of kept) {
      const s = tableOf(state, t.name)
      for (const fk of s.foreignKeys) {
        if (!t.foreignKeys.some((n) => sameFk(n, fk))) emit({ _tag: "DropForeignKey", table: t.name, name: fk.name })
      }
      for (const ix of s.indexes) {
        if (!t.indexes.some((n) => sameIndex(n, ix))) emit({ _tag: "DropIndex", table: t.name, index: ix.name })
      }
      for (const u of uniqueConstraints(s)) {
        if (!uniqueConstraints(t).some((n) => sameList(n, u))) emit({ _tag: "DropUnique", table: t.name, columns: u })
      }
      for (const ck of s.checks) {
        if (!t.checks.some((n) => sameCheck(n, ck))) emit({ _tag: "DropCheck", table: t.name, name: ck.name })
      }
    }
    // 3. new tables, parents first; a key to a table not there yet is added at the end
    const deferred: Array<Operation.AddForeignKey> = []
    for (const t of creationOrder(created)) {
      const ready = (fk: Operation.ForeignKey) =>
        fk.references.table === t.name || state.tables.some((s) => s.name === fk.references.table)
      for (const fk of t.foreignKeys.filter((fk) => !ready(fk))) deferred.push({ _tag: "AddForeignKey", table: t.name, foreignKey: fk })
      emit({ _tag: "CreateTable", table: { ...t, foreignKeys: t.foreignKeys.filter(ready) } })
    }
    // 4. columns
    for (const t of kept) {
      const s = tableOf(state, t.name)
      for (const c of t.columns) {
        const old = s.columns.find((o) => o.name === c.name)
        if (old === undefined) {
          if (c.autoIncrement) return yield* Effect.fail(unsupported(t.name, `a new auto-increment column ${c.name}`))
          emit({ _tag: "AddColumn", table: t.name, column: { ...c, unique: false, primaryKey: false } })
          continue
        }
        if (old.autoIncrement !== c.autoIncrement) {
          return yield* Effect.fail(unsupported(t.name, `auto-increment turned ${c.autoIncrement ? "on" : "off"} for ${c.name}`))
        }
        if (columnShape(old) !== columnShape(c)) emit({ _tag: "AlterColumn", table: t.name, column: c })
      }
      if (!sameList(s.primaryKey, t.primaryKey)) {
        if (s.columns.some((c) => c.autoIncrement) || t.columns.some((c) => c.autoIncrement)) {
          return yield* Effect.fail(unsupported(t.name, "a new primary key on a table with an auto-increment key"))
        }
        emit({ _tag: "SetPrimaryKey", table: t.name, columns: t.primaryKey })
      }
      for (const c of s.columns) {
        if (!t.columns.some((n) => n.name === c.name)) emit({ _tag: "DropColumn", table: t.name, column: c.name })
      }
    }
    // 5. keys that come or change
    for (const t of kept) {
      const s = tableOf(state, t.name)
      for (const u of uniqueConstraints(t)) {
        if (!uniqueConstraints(s).some((o) => sameList(o, u))) emit({ _tag: "AddUnique", table: t.name, columns: u })
      }
      for (const ix of t.indexes) {
        if (!s.indexes.some((o) => sameIndex(o, ix))) emit({ _tag: "CreateIndex", table: t.name, index: ix })
      }
      for (const ck of t.checks) {
        if (!s.checks.some((o) => sameCheck(o, ck))) emit({ _tag: "AddCheck", table: t.name, check: ck })
      }
      for (const fk of t.foreignKeys) {
        if (!s.foreignKeys.some((o) => sameFk(o, fk))) emit({ _tag: "AddForeignKey", table: t.name, foreignKey: fk })
      }
    }
    deferred.forEach(emit)
    // 6. dropped tables, children first
    for (const t of [...creationOrder(dropped)].reverse()) emit({ _tag: "DropTable", table: t.name })
    return ops
  })
