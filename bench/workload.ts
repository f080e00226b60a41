/**
 * What a workload file declares: the same SQL work implemented once per
 * library, per dialect, plus how to time it.
 */
import type { SqliteDataset, Synchronous } from "./data/sqlite.js"
import type { Measurement, Plan, Subject } from "./harness.js"

export type Dialect = "sqlite" | "postgres" | "mysql"

export type SqliteLibrary = "better-sqlite3" | "quarry" | "@effect/sql" | "drizzle" | "kysely"
export type PgLibrary = "pg" | "quarry" | "@effect/sql-pg" | "pgbench"
export type MysqlLibrary = "mysql2" | "quarry" | "@effect/sql-mysql2" | "drizzle" | "kysely"
/** Replication workloads: Quarry with a replicated set, against Quarry doing the same work without one. */
export type ReplicationLibrary = "quarry" | "quarry (replicated)"
export type Library = SqliteLibrary | PgLibrary | MysqlLibrary | ReplicationLibrary

/** Every dialect, in run and report order. */
export const DIALECTS: ReadonlyArray<Dialect> = ["sqlite", "postgres", "mysql"]

/** The raw driver every ratio is computed against. */
export const RAW: Record<Dialect, Library> = { sqlite: "better-sqlite3", postgres: "pg", mysql: "mysql2" }

/** Display order (raw driver first). */
export const ORDER: Record<Dialect, ReadonlyArray<Library>> = {
  sqlite: ["better-sqlite3", "quarry", "@effect/sql", "drizzle", "kysely"],
  postgres: ["pg", "quarry", "@effect/sql-pg", "pgbench"],
  mysql: ["mysql2", "quarry", "@effect/sql-mysql2", "drizzle", "kysely"]
}

export const TITLE: Record<Dialect, string> = { sqlite: "SQLite", postgres: "PostgreSQL", mysql: "MySQL / MariaDB" }

export interface SqliteEnv {
  /** A fresh copy of the dataset for this library and workload. */
  readonly file: string
  readonly sync: Synchronous
}

/** A database server (PostgreSQL, MariaDB). */
export interface ServerEnv {
  /** The benchmark database (data loaded once, write tables emptied per workload). */
  readonly url: string
  /** Pool size used by every library. */
  readonly pool: number
}

export type PgEnv = ServerEnv
export type MysqlEnv = ServerEnv

/** One library's implementation, or the honest reason there is none. */
export type Entry<Env> =
  | { readonly open: (env: Env) => Promise<Subject>; readonly note?: string }
  | { readonly notMeasured: string }

export interface BatchWorkload {
  readonly kind: "batch"
  readonly id: string
  readonly title: string
  /** The SQL work one operation does, as stated in the report. */
  readonly work: string
  readonly unit: string
  readonly plan: Plan
  readonly sqlite?: {
    readonly dataset: SqliteDataset
    readonly sync: Synchronous
    /** SQL run (untimed, on a separate raw connection) before every timed call. */
    readonly reset?: string
    readonly libs: Partial<Record<SqliteLibrary, Entry<SqliteEnv>>>
  }
  readonly postgres?: {
    /** SQL run (untimed, on a separate connection) before every timed call. */
    readonly reset?: string
    readonly libs: Partial<Record<PgLibrary, Entry<PgEnv>>>
  }
  readonly mysql?: {
    /** SQL run (untimed, on a separate connection) before every timed call. */
    readonly reset?: string
    readonly libs: Partial<Record<MysqlLibrary, Entry<MysqlEnv>>>
  }
}

/** Peak memory of one library's child process. */
export interface Memory {
  /** Kernel high-water mark of the child's resident set (includes start-up). */
  readonly peakRssMB: number
  /** Resident set just before the stream started. */
  readonly baseRssMB: number
  /** Highest live V8 heap (heapUsed right after a forced GC, every 100k rows of an untimed run). */
  readonly peakHeapMB: number
  readonly baseHeapMB: number
}

/** One line of the result tables. */
export interface Result {
  readonly workload: string
  readonly title: string
  readonly work: string
  readonly dialect: Dialect
  readonly library: Library
  readonly unit: string
  readonly status: "ok" | "not measured" | "failed"
  readonly measurement?: Measurement | undefined
  /** Median throughput relative to the raw driver's median in the same run. */
  readonly ratio?: number | undefined
  readonly memory?: Memory | undefined
  readonly note?: string | undefined
  /** Why there is no number (not measured / failed). */
  readonly reason?: string | undefined
  /**
   * Replication workloads: the primary and shadow ("PostgreSQL → SQLite"). Such rows are reported in their own
   * section, and their ratio is to the same work without replication, not to the raw driver.
   */
  readonly pair?: string | undefined
  /** Replication lag under load: the distribution behind the median. */
  readonly lag?: Lag | undefined
}

/** Shadow lag under a steady write load (commit on the primary → applied on the shadow). */
export interface Lag {
  readonly p95Ms: number
  readonly maxMs: number
  /** Writes measured, and the rate they were committed at. */
  readonly writes: number
  readonly writesPerSecond: number
}
