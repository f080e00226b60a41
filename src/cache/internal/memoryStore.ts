/**
 * The in-memory store: a `Map` in least-recently-used order (a hit moves its
 * entry to the end; the front is evicted while the store is over its bounds),
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
  readonly get: (key: string) => Rows | undefined
  readonly version: () => number
  readonly set: (key: string, entry: Entry, ttl: Duration.Duration | undefined, version: number) => void
  readonly invalidate: (tables: ReadonlyArray<string>) => void
  readonly clear: () => void
}

/** A store with synchronous operations. */
export interface CanSync {
  readonly [Sync]: SyncStore
}

interface Node {
  readonly key: string
  readonly rows: Rows
  readonly tables: ReadonlyArray<string>
  readonly expires: number
  readonly size: number
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
const entrySize = (key: string, entry: Entry): number => {
  let size = 96 + 2 * key.length
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
  const entries = new Map<string, Node>()
  const byTable = new Map<string, Set<Node>>()
  const invalidatedAt = new Map<string, number>()
  let bytes = 0
  let epoch = 0
  let cleared = 0

  const remove = (node: Node): void => {
    entries.delete(node.key)
    bytes -= node.size
    for (const table of node.tables) {
      const nodes = byTable.get(table)
      if (nodes === undefined) continue
      nodes.delete(node)
      if (nodes.size === 0) byTable.delete(table)
    }
  }

  const get = (key: string): Rows | undefined => {
    const node = entries.get(key)
    if (node === undefined) return undefined
    if (node.expires !== Infinity && node.expires <= clock.unsafeCurrentTimeMillis()) {
      remove(node)
      return undefined
    }
    // the most recently used go last
    entries.delete(key)
    entries.set(key, node)
    return node.rows
  }

  const refused = (entry: Entry, version: number): boolean => {
    if (version < cleared) return true
    for (const table of entry.tables) if ((invalidatedAt.get(table) ?? -1) > version) return true
    return false
  }

  const set = (key: string, entry: Entry, ttl: Duration.Duration | undefined, version: number): void => {
    if (refused(entry, version)) return
    const size = entrySize(key, entry)
    if (size > maxBytes) return
    const previous = entries.get(key)
    if (previous !== undefined) remove(previous)
    const expires = ttl === undefined ? Infinity : clock.unsafeCurrentTimeMillis() + Duration.toMillis(ttl)
    const node: Node = { key, rows: entry.rows, tables: entry.tables, expires, size }
    entries.set(key, node)
    bytes += size
    for (const table of entry.tables) {
      const nodes = byTable.get(table)
      if (nodes === undefined) byTable.set(table, new Set([node]))
      else nodes.add(node)
    }
    while (entries.size > maxEntries || bytes > maxBytes) {
      const oldest = entries.values().next().value as Node
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
    byTable.clear()
    bytes = 0
  }

  return { get, version: () => epoch, set, invalidate, clear }
}

/** The store's `Store` face over its synchronous operations. */
export const fromSync = (sync: SyncStore): Store & CanSync => ({
  [Sync]: sync,
  get: (key) => Effect.sync(() => Option.fromNullable(sync.get(key))),
  version: () => Effect.sync(sync.version),
  set: (key, entry, options) => Effect.sync(() => sync.set(key, entry, options.ttl, options.version as number)),
  invalidate: (tables) => Effect.sync(() => sync.invalidate(tables)),
  clear: Effect.sync(sync.clear)
})

/** A new in-memory store on the current `Clock`. */
export const make = (options?: Pick<Options, "maxEntries" | "maxBytes">): Effect.Effect<Store> =>
  Effect.map(Effect.clock, (clock) => fromSync(makeSync(options, clock)))

/** The synchronous operations of a store, if it has them. */
export const syncOf = (store: Store): SyncStore | undefined => (Sync in store ? (store as Store & CanSync)[Sync] : undefined)
