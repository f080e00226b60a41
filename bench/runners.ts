/**
 * Running a workload on one dialect: open every library on its own copy of
 * the data, measure them side by side, close them, and turn the measurements
 * into result rows (ratio to the raw driver, checksum check).
 */
import Database from "better-sqlite3"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import mysql from "mysql2/promise"
import pg from "pg"
import { STREAM_ROWS } from "./data/dataset.js"
import { execute, TPCB_DATABASE } from "./data/postgres.js"
import { freshFile, removeFile } from "./data/sqlite.js"
import { type Measurement, measure, type Settings, stats, type Subject } from "./harness.js"
import { withConnection } from "./data/mysql.js"
import { mysqlStreams, pgStreams, sqliteStreams, type StreamEntry, STREAM_WORK } from "./workloads/stream.js"
import { initMysqlTpcb, MYSQL_TPCB_RESET, mysqlTpcbEntries } from "./workloads/tpcb-mysql.js"
import { initTpcb, TPCB_CLIENTS, TPCB_RESET, TPCB_WORK, type TpcbEntry, tpcbEntries } from "./workloads/tpcb.js"
import {
  type BatchWorkload,
  type Dialect,
  type Entry,
  type Library,
  type Memory,
  ORDER,
  RAW,
  type Result,
  type ServerEnv,
  TITLE
} from "./workload.js"

const pgResetter = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => {})
  await client.connect()
  return { run: (sql: string) => client.query(sql), end: () => client.end() }
}

const mysqlResetter = async (url: string) => {
  const conn = await mysql.createConnection({ uri: url })
  conn.on("error", () => {})
  return { run: (sql: string) => conn.query(sql), end: () => conn.end() }
}

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "..")

export interface Context {
  readonly settings: Settings
  readonly streamRuns: number
  /** No further stream run starts in a child after this long. */
  readonly streamBudgetMs: number
  readonly tpcbSeconds: number
  readonly pgUrl?: string | undefined
  readonly mysqlUrl?: string | undefined
  /** Pool size of every library on a database server. */
  readonly serverPool: number
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message.split("\n")[0].slice(0, 300) : String(error).slice(0, 300)

type Head = Pick<Result, "workload" | "title" | "work" | "dialect" | "unit">

const close = async (subject: Subject | undefined) => {
  try {
    await subject?.close?.()
  } catch {
    // closing is best effort; the measurement is already taken
  }
}

const sameChecksum = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))

/** Result rows from measurements: ratio to the raw driver; a checksum that disagrees with the raw driver fails the row. */
const finish = (
  head: Head,
  libraries: ReadonlyArray<{ library: Library; note?: string | undefined; memory?: Memory | undefined }>,
  measured: ReadonlyMap<string, Measurement>,
  errors: ReadonlyMap<string, unknown>
): Array<Result> => {
  const raw = measured.get(RAW[head.dialect])
  return libraries.map(({ library, note, memory }) => {
    const m = measured.get(library)
    const base = { ...head, library, note }
    if (m === undefined) {
      return { ...base, status: "failed" as const, reason: message(errors.get(library) ?? "no measurement") }
    }
    if (raw !== undefined && library !== "pgbench" && !sameChecksum(m.checksum, raw.checksum)) {
      return {
        ...base,
        status: "failed" as const,
        reason: `checksum ${m.checksum} differs from ${RAW[head.dialect]}'s ${raw.checksum}: not the same work`
      }
    }
    return {
      ...base,
      status: "ok" as const,
      measurement: m,
      memory,
      ratio: raw === undefined ? undefined : m.throughput.median / raw.throughput.median
    }
  })
}

const notMeasured = (head: Head, library: Library, reason: string, note?: string): Result => ({
  ...head,
  library,
  status: "not measured",
  reason,
  note
})

interface Opened {
  readonly library: Library
  readonly note?: string | undefined
  readonly subject: Subject
  readonly cleanup: () => unknown
}

/** Where a library runs: its environment, the untimed reset before each call, and cleanup. */
interface Placement<Env> {
  readonly env: Env
  readonly reset?: (() => unknown) | undefined
  readonly cleanup: () => unknown
}

/** Open every measurable library; record the others (not measured / failed setup) in `results`. */
const openAll = async <Env>(
  head: Head,
  libs: { readonly [L in Library]?: Entry<Env> },
  place: (library: Library) => Placement<Env>,
  results: Array<Result>
): Promise<Array<Opened>> => {
  const opened: Array<Opened> = []
  for (const library of ORDER[head.dialect]) {
    const entry = libs[library]
    if (entry === undefined) continue
    if ("notMeasured" in entry) {
      results.push(notMeasured(head, library, entry.notMeasured))
      continue
    }
    let placement: Placement<Env> | undefined
    try {
      placement = place(library)
      const subject = await entry.open(placement.env)
      const reset = placement.reset
      opened.push({ library, note: entry.note, subject: reset ? { ...subject, reset } : subject, cleanup: placement.cleanup })
    } catch (error) {
      placement?.cleanup()
      results.push({ ...head, library, status: "failed", reason: `setup: ${message(error)}`, note: entry.note })
    }
  }
  return opened
}

/** One batch workload on one dialect. */
export const runBatch = async (w: BatchWorkload, dialect: Dialect, ctx: Context): Promise<Array<Result>> => {
  const head: Head = { workload: w.id, title: w.title, work: w.work, dialect, unit: w.unit }
  const results: Array<Result> = []
  let opened: Array<Opened> = []
  let resetter: { readonly run: (sql: string) => Promise<unknown>; readonly end: () => Promise<unknown> } | undefined
  if (dialect === "sqlite" && w.sqlite !== undefined) {
    const spec = w.sqlite
    opened = await openAll(head, spec.libs, (library) => {
      const file = freshFile(spec.dataset, `${w.id}-${library}`)
      // Resets run on a separate raw connection, identical for every library.
      const resetDb = spec.reset !== undefined ? new Database(file) : undefined
      return {
        env: { file, sync: spec.sync },
        reset: resetDb && spec.reset ? () => resetDb.exec(spec.reset!) : undefined,
        cleanup: () => {
          resetDb?.close()
          removeFile(file)
        }
      }
    }, results)
  } else if (dialect !== "sqlite" && w[dialect] !== undefined) {
    const spec = w[dialect]!
    const url = dialect === "postgres" ? ctx.pgUrl : ctx.mysqlUrl
    if (url === undefined) {
      for (const library of Object.keys(spec.libs) as Array<Library>) {
        results.push({ ...head, library, status: "failed", reason: `${TITLE[dialect]} is not available` })
      }
      return results
    }
    // Resets run on a separate connection, identical for every library.
    if (spec.reset !== undefined) resetter = await (dialect === "postgres" ? pgResetter(url) : mysqlResetter(url))
    const reset = spec.reset
    const r = resetter
    opened = await openAll(head, spec.libs as { readonly [L in Library]?: Entry<ServerEnv> }, () => ({
      env: { url, pool: ctx.serverPool },
      reset: r && reset ? () => r.run(reset) : undefined,
      cleanup: () => {}
    }), results)
  } else {
    return []
  }

  const errors = new Map<string, unknown>()
  const measured = await measure(
    opened.map((o) => ({ name: o.library, subject: o.subject })),
    w.plan,
    ctx.settings,
    (name, error) => errors.set(name, error)
  )
  for (const o of opened) {
    await close(o.subject)
    o.cleanup()
  }
  await resetter?.end()
  results.push(...finish(head, opened, measured, errors))
  const rank = (r: Result) => ORDER[dialect].indexOf(r.library)
  return results.sort((a, b) => rank(a) - rank(b))
}

// ---------------------------------------------------------------------------
// Stream: one child process per library
// ---------------------------------------------------------------------------

interface ChildOutput {
  readonly times: ReadonlyArray<number>
  readonly rows: number
  readonly checksum: number
  readonly memory: Memory
}

/** Run a child script of bench/ (under tsx, with `gc` exposed); its last stdout line, parsed as JSON. */
export const runChild = <A = ChildOutput>(
  args: ReadonlyArray<string>,
  timeoutMs: number,
  script = "stream-child.ts"
): Promise<A> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", path.join(here, script), ...args],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    let err = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`child exited with ${code ?? signal}: ${err.trim().split("\n").slice(-3).join(" ")}`))
      const line = out.trim().split("\n").pop() ?? ""
      try {
        resolve(JSON.parse(line) as A)
      } catch {
        reject(new Error(`unreadable child output: ${line.slice(0, 200)}`))
      }
    })
  })

export const runStream = async (dialect: Dialect, ctx: Context): Promise<Array<Result>> => {
  const head: Head = { workload: "stream", title: "Stream 1M rows", work: STREAM_WORK, dialect, unit: "rows/s" }
  const entries = ({ sqlite: sqliteStreams, postgres: pgStreams, mysql: mysqlStreams }[dialect]) as Partial<
    Record<Library, StreamEntry>
  >
  const results: Array<Result> = []
  const libraries: Array<{ library: Library; note?: string; memory?: Memory }> = []
  const measured = new Map<string, Measurement>()
  const errors = new Map<string, unknown>()
  for (const library of ORDER[dialect]) {
    const entry = entries[library]
    if (entry === undefined) continue
    if ("notMeasured" in entry) {
      results.push(notMeasured(head, library, entry.notMeasured))
      continue
    }
    const file = dialect === "sqlite" ? freshFile("big", `stream-${library}`) : undefined
    try {
      const target = file ?? (dialect === "postgres" ? ctx.pgUrl : ctx.mysqlUrl)
      if (target === undefined) throw new Error(`${TITLE[dialect]} is not available`)
      const out = await runChild(
        [dialect, library, target, String(ctx.streamRuns), String(ctx.serverPool), String(ctx.streamBudgetMs)],
        300_000
      )
      if (out.rows !== STREAM_ROWS) throw new Error(`streamed ${out.rows} rows, expected ${STREAM_ROWS}`)
      const samples = out.times.map((ms) => out.rows / (ms / 1000))
      measured.set(library, { samples, throughput: stats(samples), opsPerSample: 1, checksum: out.checksum })
      libraries.push({ library, note: entry.note, memory: out.memory })
    } catch (error) {
      errors.set(library, error)
      libraries.push({ library, note: entry.note })
    } finally {
      if (file !== undefined) removeFile(file)
    }
  }
  results.push(...finish(head, libraries, measured, errors))
  const rank = (r: Result) => ORDER[dialect].indexOf(r.library)
  return results.sort((a, b) => rank(a) - rank(b))
}

// ---------------------------------------------------------------------------
// TPC-B: pgbench and the Node libraries on pgbench's schema
// ---------------------------------------------------------------------------

/** Per server: its libraries, how the schema is made, and what brings it back to the same state. */
const tpcbServers = {
  postgres: {
    entries: tpcbEntries as Partial<Record<Library, TpcbEntry>>,
    init: (url: string) => initTpcb({ url, database: TPCB_DATABASE }),
    reset: (url: string) => execute(url, TPCB_RESET)
  },
  mysql: {
    entries: mysqlTpcbEntries as Partial<Record<Library, TpcbEntry>>,
    init: initMysqlTpcb,
    reset: (url: string) =>
      withConnection(url, async (conn) => {
        for (const statement of MYSQL_TPCB_RESET) await conn.query(statement)
      })
  }
}

export const runTpcb = async (dialect: "postgres" | "mysql", ctx: Context, tpcbUrl: string): Promise<Array<Result>> => {
  const head: Head = { workload: "tpcb", title: "TPC-B (pgbench)", work: TPCB_WORK, dialect, unit: "tx/s" }
  const server = tpcbServers[dialect]
  await server.init(tpcbUrl)
  const results: Array<Result> = []
  const libraries: Array<{ library: Library; note?: string }> = []
  const measured = new Map<string, Measurement>()
  const errors = new Map<string, unknown>()
  for (const library of ORDER[dialect]) {
    const entry = server.entries[library]
    if (entry === undefined) continue
    if ("notMeasured" in entry) {
      results.push(notMeasured(head, library, entry.notMeasured))
      continue
    }
    libraries.push({ library, note: entry.note })
    try {
      await server.reset(tpcbUrl)
      const samples = await entry.run({
        url: tpcbUrl,
        database: new URL(tpcbUrl).pathname.slice(1),
        clients: TPCB_CLIENTS,
        seconds: ctx.tpcbSeconds
      })
      if (samples.length === 0) throw new Error("no complete one-second interval was recorded")
      // All TPC-B rows share checksum 0: the transactions write, they are not compared row by row.
      measured.set(library, { samples, throughput: stats(samples), opsPerSample: 1, checksum: 0 })
    } catch (error) {
      errors.set(library, error)
    }
  }
  results.push(...finish(head, libraries, measured, errors))
  const rank = (r: Result) => ORDER[dialect].indexOf(r.library)
  return results.sort((a, b) => rank(a) - rank(b))
}
