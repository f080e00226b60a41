/**
 * The in-memory store: entries by statement, then by parameters (so that a
 * lookup hashes the short parameters, not the SQL text), also on a list
 * in least-recently-used order (a hit moves its entry to the end with a few
 * pointer writes, no map operation; the front is evicted while the store is
 * over its bounds),
 * an index from each table to the entries depending on it, and a counter of
 * invalidations that refuses the `set` of a read older than an invalidation
 * of one of its tables. Its operations are synchronous: the cache service
 * calls them directly (see {@link Sync}); the `Store` methods wrap them.
 */
import { type Clock, Duration, Effect, Option } from "effect"
import type { Row } from "../../layers/Database.js"
import type { Entry, Options, Store } from "../QueryCache.js"
import * as metrics from "./metrics.js"

type Rows = ReadonlyArray<Row>

/** The key of the synchronous operations on a store that has them. */
export const Sync: unique symbol = Symbol.for("effect-quarry/QueryCache/Sync")

/** A store's operations, run now. */
export interface SyncStore {
  readonly get: (statement: string, params: string | number) => Rows | undefined
  readonly version: () => number
  readonly set: (
    statement: string,
    params: string | number,
    entry: Entry,
    ttl: Duration.Duration | undefined,
    version: number
  ) => void
  readonly invalidate: (tables: ReadonlyArray<string>) => void
  readonly clear: () => void
}

/** A store with synchronous operations. */
export interface CanSync {
  readonly [Sync]: SyncStore
}

interface Node {
  readonly statement: string
  readonly params: string | number
  readonly rows: Rows
  readonly tables: ReadonlyArray<string>
  readonly expires: number
  readonly size: number
  /** Neighbours on the use list (toward the least, the most recently used). */
  older: Node | undefined
  newer: Node | undefined
}

/** Approximate bytes of a driver value. */
const sizeOf = (v: unknown): number => {
  switch (typeof v) {
    case "string":
      return 16 + 2 * v.length
    case "number":
      return 8
    case "bigint":
      return 16
    case "boolean":
    case "undefined":
      return 4
    default:
      if (v === null) return 4
      if (v instanceof Uint8Array) return 64 + v.byteLength
      if (v instanceof Date) return 32
      try {
        return 64 + 2 * (JSON.stringify(v)?.length ?? 0)
      } catch {
        return 256
      }
  }
}

/** Approximate bytes of an entry: its key, rows and tables. */
const entrySize = (statement: string, params: string | number, entry: Entry): number => {
  let size = 96 + 2 * statement.length + (typeof params === "string" ? 2 * params.length : 8)
  for (const row of entry.rows) {
    size += 32
    for (const column in row) size += 8 + sizeOf(row[column])
  }
  for (const table of entry.tables) size += 8 + 2 * table.length
  return size
}

/** The synchronous store. */
export const makeSync = (
  options: Pick<Options, "maxEntries" | "maxBytes"> | undefined,
  clock: Clock.Clock
): SyncStore => {
  const maxEntries = Math.max(1, options?.maxEntries ?? 10_000)
  const maxBytes = Math.max(1, options?.maxBytes ?? 64 * 1024 * 1024)
  const entries = new Map<string, Map<string | number, Node>>()
  let count = 0
  const byTable = new Map<string, Set<Node>>()
  const invalidatedAt = new Map<string, number>()
  let bytes = 0
  let epoch = 0
  let cleared = 0
  let oldest: Node | undefined
  let newest: Node | undefined

  const unlink = (node: Node): void => {
    if (node.older === undefined) oldest = node.newer
    else node.older.newer = node.newer
    if (node.newer === undefined) newest = node.older
    else node.newer.older = node.older
    node.older = node.newer = undefined
  }

  const append = (node: Node): void => {
    node.older = newest
    if (newest === undefined) oldest = node
    else newest.newer = node
    newest = node
  }

  const remove = (node: Node): void => {
    const byParams = entries.get(node.statement)
    if (byParams?.get(node.params) !== node) return
    byParams.delete(node.params)
    if (byParams.size === 0) entries.delete(node.statement)
    count--
    unlink(node)
    bytes -= node.size
    for (const table of node.tables) {
      const nodes = byTable.get(table)
      if (nodes === undefined) continue
      nodes.delete(node)
      if (nodes.size === 0) byTable.delete(table)
    }
  }

  const get = (statement: string, params: string | number): Rows | undefined => {
    const node = entries.get(statement)?.get(params)
    if (node === undefined) return undefined
    if (node.expires !== Infinity && node.expires <= clock.unsafeCurrentTimeMillis()) {
      remove(node)
      return undefined
    }
    if (node !== newest) {
      unlink(node)
      append(node)
    }
    return node.rows
  }

  const refused = (entry: Entry, version: number): boolean => {
    if (version < cleared) return true
    for (const table of entry.tables) if ((invalidatedAt.get(table) ?? -1) > version) return true
    return false
  }

  const set = (
    statement: string,
    params: string | number,
    entry: Entry,
    ttl: Duration.Duration | undefined,
    version: number
  ): void => {
    if (refused(entry, version)) return
    const size = entrySize(statement, params, entry)
    if (size > maxBytes) return
    const previous = entries.get(statement)?.get(params)
    if (previous !== undefined) remove(previous)
    const expires = ttl === undefined ? Infinity : clock.unsafeCurrentTimeMillis() + Duration.toMillis(ttl)
    const node: Node = { statement, params, rows: entry.rows, tables: entry.tables, expires, size, older: undefined, newer: undefined }
    let byParams = entries.get(statement)
    if (byParams === undefined) entries.set(statement, byParams = new Map())
    byParams.set(params, node)
    count++
    append(node)
    bytes += size
    for (const table of entry.tables) {
      const nodes = byTable.get(table)
      if (nodes === undefined) byTable.set(table, new Set([node]))
      else nodes.add(node)
    }
    while (oldest !== undefined && (count > maxEntries || bytes > maxBytes)) {
      remove(oldest)
      metrics.add(metrics.evictions, 1)
    }
  }

  const invalidate = (tables: ReadonlyArray<string>): void => {
    const at = ++epoch
    for (const table of tables) {
      invalidatedAt.set(table, at)
      const nodes = byTable.get(table)
      if (nodes !== undefined) for (const node of Array.from(nodes)) remove(node)
    }
  }

  const clear = (): void => {
    cleared = ++epoch
    entries.clear()
    count = 0
    byTable.clear()
    oldest = newest = undefined
    bytes = 0
  }

  return { get, version: () => epoch, set, invalidate, clear }
}

/** The store's `Store` face over its synchronous operations. */
export const fromSync = (sync: SyncStore): Store & CanSync => ({
  [Sync]: sync,
  get: (key) => Effect.sync(() => Option.fromNullable(sync.get(key, ""))),
  version: () => Effect.sync(sync.version),
  set: (key, entry, options) => Effect.sync(() => sync.set(key, "", entry, options.ttl, options.version as number)),
  invalidate: (tables) => Effect.sync(() => sync.invalidate(tables)),
  clear: Effect.sync(sync.clear)
})

/** A new in-memory store on the current `Clock`. */
export const make = (options?: Pick<Options, "maxEntries" | "maxBytes">): Effect.Effect<Store> =>
  Effect.map(Effect.clock, (clock) => fromSync(makeSync(options, clock)))

/** The synchronous operations of a store, if it has them. */
export const syncOf = (store: Store): SyncStore | undefined => (Sync in store ? (store as Store & CanSync)[Sync] : undefined)
