/**
 * One better-sqlite3 connection with its LRU cache of prepared statements,
 * and the synchronous execution of a statement in each of the shapes callers
 * ask for. Everything here is plain synchronous code that may throw; the
 * callers turn throws into classified errors.
 *
 * @internal
 */
import Sqlite from "better-sqlite3"
import type { RunResult } from "../Database.js"

/**
 * What a caller wants back from a statement: rows (`All`; a write without
 * RETURNING gives none), a `RunResult` (`Run`), rows for a reader statement or
 * better-sqlite3's run info otherwise (`Raw`, `@effect/sql`'s `raw`), rows as
 * arrays of values (`Values`), the first row only (`One`: a statement that
 * cannot return two, read without stepping to the end).
 *
 * @internal
 */
export const Mode = { All: 0, Run: 1, Raw: 2, Values: 3, One: 4 } as const

/** @internal */
export type Mode = typeof Mode[keyof typeof Mode]

/** @internal */
export type Params = ReadonlyArray<unknown>

/** A cached prepared statement. @internal */
export interface Prepared {
  readonly stmt: Sqlite.Statement
  /** Only reads: safe on a read-only connection (`stmt.reader && stmt.readonly`, asked once). */
  readonly read: boolean
  /** The cache's clock at the last use. */
  used: number
}

/** @internal */
export class Connection {
  private readonly cache = new Map<string, Prepared>()
  private clock = 0

  constructor(readonly db: Sqlite.Database, private readonly capacity: number) {}

  /**
   * The prepared statement for `sql`, from the cache when there. A hit only
   * stamps the entry; the least recently used entry is found (by a scan) when
   * a new statement needs room, which keeps the hit path free of map writes.
   */
  prepare(sql: string): Prepared {
    const cache = this.cache
    let entry = cache.get(sql)
    if (entry !== undefined) {
      entry.used = ++this.clock
      return entry
    }
    const stmt = this.db.prepare(sql)
    entry = { stmt, read: stmt.reader && stmt.readonly, used: ++this.clock }
    if (this.capacity > 0) {
      if (cache.size >= this.capacity) this.evict()
      cache.set(sql, entry)
    }
    return entry
  }

  private evict(): void {
    let oldest: string | undefined
    let used = Infinity
    for (const [sql, entry] of this.cache) {
      if (entry.used < used) {
        used = entry.used
        oldest = sql
      }
    }
    if (oldest !== undefined) this.cache.delete(oldest)
  }

  close(): void {
    this.cache.clear()
    if (this.db.open) this.db.close()
  }
}

/** @internal */
export interface OpenOptions {
  readonly readonly: boolean
  readonly busyTimeoutMillis: number
  readonly statementCache: number
}

/** Open a connection (throws on failure). @internal */
export const open = (filename: string, options: OpenOptions): Connection => {
  const db = new Sqlite(filename, { readonly: options.readonly })
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMillis))}`)
  } catch (cause) {
    db.close()
    throw cause
  }
  return new Connection(db, options.statementCache)
}

/** Whether a prepared statement only reads (safe on a read-only connection). @internal */
export const isRead = (stmt: Sqlite.Statement): boolean => stmt.reader && stmt.readonly

const toRunResult = (info: Sqlite.RunResult): RunResult => ({
  rowsAffected: info.changes,
  lastInsertId: info.lastInsertRowid
})

/** Run a prepared statement in the shape `mode` asks for (throws on failure). @internal */
export const execute = (stmt: Sqlite.Statement, params: Params, mode: Mode): unknown => {
  const args = params as Array<unknown>
  switch (mode) {
    case Mode.All:
      if (stmt.reader) return stmt.all(args)
      stmt.run(args)
      return []
    case Mode.Run:
      return toRunResult(stmt.run(args))
    case Mode.Raw:
      return stmt.reader ? stmt.all(args) : stmt.run(args)
    case Mode.Values: {
      if (!stmt.reader) {
        stmt.run(args)
        return []
      }
      stmt.raw(true)
      try {
        return stmt.all(args)
      } finally {
        stmt.raw(false)
      }
    }
    case Mode.One: {
      if (!stmt.reader) {
        stmt.run(args)
        return []
      }
      // one step, then the statement is reset (better-sqlite3's `get`)
      const row = stmt.get(args)
      return row === undefined ? [] : [row]
    }
  }
}
