/**
 * `npm run bench` — Quarry against the raw drivers and peer libraries.
 *
 *   npm run bench                       full run; writes docs/benchmarks.md + docs/benchmarks.svg
 *   npm run bench -- --quick            fewer, shorter samples (development)
 *   npm run bench -- --only select-pk   only these workloads (comma-separated); docs are not rewritten
 *   npm run bench -- --dialect mysql    only these dialects (sqlite, postgres, mysql; comma-separated)
 *   npm run bench -- --write            rewrite the docs even for a partial run (--no-write: never)
 *   npm run bench -- --samples 5        override the sample count
 *   npm run bench -- --list             list the workloads
 *   npm run bench -- --render FILE      rewrite the docs from a saved run (.tmp/bench-results.json)
 *
 * Raw results also go to .tmp/bench-results.json.
 */
import Database from "better-sqlite3"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { chart } from "./chart.js"
import { STREAM_ROWS } from "./data/dataset.js"
import { preparePostgres, prepareTpcbDatabase } from "./data/postgres.js"
import { ensureMariadb, ensurePostgres } from "../test/support/servers.js"
import { prepareMysql, prepareMysqlTpcbDatabase } from "./data/mysql.js"
import { cleanup, JOURNAL_MODE } from "./data/sqlite.js"
import { type Environment, environment, pgbenchVersion } from "./env.js"
import type { Settings } from "./harness.js"
import { markdown, type RunInfo, terminalSummary, terminalWorkload } from "./report.js"
import type { ReplicationContext } from "./replication.js"
import { type Context, runBatch, runStream, runTpcb } from "./runners.js"
import { targets } from "./targets.js"
import { allIds, batchWorkloads, replicationWorkloads, specialWorkloads } from "./workloads/index.js"
import { selectPkUnprepared } from "./workloads/select-pk.js"
import { TPCB_CLIENTS, TPCB_SCALE } from "./workloads/tpcb.js"
import { DIALECTS, type Dialect, type Result } from "./workload.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const POOL = 10

interface Options {
  readonly quick: boolean
  readonly only: ReadonlyArray<string> | undefined
  readonly dialects: ReadonlyArray<Dialect>
  readonly write: boolean | undefined
  readonly samples: number | undefined
  readonly list: boolean
  readonly render: string | undefined
}

const parse = (argv: ReadonlyArray<string>): Options => {
  let quick = false
  let only: Array<string> | undefined
  let dialects: Array<Dialect> = [...DIALECTS]
  let write: boolean | undefined
  let samples: number | undefined
  let list = false
  let render: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`)
    switch (flag) {
      case "--quick":
        quick = true
        break
      case "--only":
        only = [...(only ?? []), ...value().split(",").map((s) => s.trim()).filter((s) => s !== "")]
        break
      case "--dialect": {
        const wanted = value().split(",").map((s) => s.trim()).filter((s) => s !== "")
        const unknown = wanted.filter((d) => !DIALECTS.includes(d as Dialect))
        if (wanted.length === 0 || unknown.length > 0) {
          fail(`--dialect takes ${DIALECTS.join(", ")} (comma-separated), not ${unknown.join(", ") || "nothing"}`)
        }
        dialects = DIALECTS.filter((d) => wanted.includes(d))
        break
      }
      case "--write":
        write = true
        break
      case "--no-write":
        write = false
        break
      case "--samples":
        samples = Number(value())
        if (!Number.isInteger(samples) || samples < 1) fail("--samples must be a positive integer")
        break
      case "--list":
        list = true
        break
      case "--render":
        render = value()
        break
      default:
        fail(`unknown option ${argv[i]} (see bench/run.ts for the options)`)
    }
  }
  const unknown = (only ?? []).filter((id) => !allIds.includes(id))
  if (unknown.length > 0) fail(`unknown workload(s) ${unknown.join(", ")}; known: ${allIds.join(", ")}`)
  return { quick, only, dialects, write, samples, list, render }
}

function fail(text: string): never {
  process.stderr.write(`bench: ${text}\n`)
  process.exit(2)
}

const log = (text: string) => process.stdout.write(`${text}\n`)

/** docs/benchmarks.md and docs/benchmarks.svg from one run's results. */
const writeDocs = (results: ReadonlyArray<Result>, env: Environment, info: RunInfo) => {
  const caption = `${env.cpu}, ${env.cores} cores, Node ${env.node}; ${info.mode} run of ${env.date.slice(0, 10)}. ` +
    "Bars: median throughput / raw driver median, same run."
  mkdirSync(path.join(root, "docs"), { recursive: true })
  writeFileSync(path.join(root, "docs", "benchmarks.svg"), chart(results, caption))
  writeFileSync(path.join(root, "docs", "benchmarks.md"), markdown(results, targets(results), env, info, "benchmarks.svg"))
  log("wrote docs/benchmarks.md and docs/benchmarks.svg")
}

const main = async () => {
  const options = parse(process.argv.slice(2))
  if (options.render !== undefined) {
    // Presentation only: the numbers are those of the saved run.
    const saved = JSON.parse(readFileSync(options.render, "utf8")) as {
      env: Environment
      info: RunInfo
      results: Array<Result>
    }
    writeDocs(saved.results, saved.env, saved.info)
    return
  }
  if (options.list) {
    for (const w of batchWorkloads) log(`${w.id.padEnd(22)} ${w.title}`)
    for (const w of specialWorkloads) log(`${w.id.padEnd(22)} ${w.title}`)
    for (const w of replicationWorkloads) log(`${w.id.padEnd(22)} ${w.title}`)
    return
  }
  const started = performance.now()
  const settings: Settings = options.quick
    ? { warmupMs: 150, sampleMs: 60, samples: options.samples ?? 3 }
    : { warmupMs: 500, sampleMs: 200, samples: options.samples ?? 7 }
  const selected = (id: string) => options.only === undefined || options.only.includes(id)
  const wants = (d: Dialect) => options.dialects.includes(d)

  const env = environment()
  const probe = new Database(":memory:")
  env.engines["SQLite"] = String(probe.prepare("select sqlite_version() as v").pluck().get())
  probe.close()
  log(`Quarry benchmarks (${options.quick ? "quick" : "full"}): ${env.cpu}, ${env.cores} cores, Node ${env.node}`)
  log(`sampling: warm-up ≥ ${settings.warmupMs} ms, ${settings.samples} samples of ~${settings.sampleMs} ms each`)

  const ctxBase = {
    settings,
    streamRuns: options.quick ? 1 : 3,
    streamBudgetMs: 8_000,
    tpcbSeconds: options.quick ? 4 : 8,
    serverPool: POOL
  }
  const results: Array<Result> = []
  let mysqlFlush = "unknown"
  let lap = performance.now()
  const report = (rows: ReadonlyArray<Result>) => {
    const now = performance.now()
    if (rows.length > 0) {
      log(`${rows[0].pair ?? rows[0].dialect} ${rows[0].workload} — ${rows[0].title} (${((now - lap) / 1000).toFixed(0)} s)`)
      log(terminalWorkload(rows))
      results.push(...rows)
    }
    lap = now
  }

  try {
    if (wants("sqlite")) {
      const ctx: Context = ctxBase
      // One discarded pass first, so that code every library shares (the Effect runtime, the driver) is
      // compiled before the first measured workload rather than during it.
      await runBatch(selectPkUnprepared, "sqlite", { ...ctx, settings: { warmupMs: 100, sampleMs: 50, samples: 1 } })
      log(`warm-up pass done (discarded, ${((performance.now() - lap) / 1000).toFixed(0)} s)`)
      lap = performance.now()
      for (const w of batchWorkloads) if (w.sqlite && selected(w.id)) report(await runBatch(w, "sqlite", ctx))
      if (selected("stream")) report(await runStream("sqlite", ctx))
    }

    const pgWorkloads = batchWorkloads.filter((w) => w.postgres && selected(w.id))
    if (wants("postgres") && (pgWorkloads.length > 0 || selected("stream") || selected("tpcb"))) {
      let pgUrl: string | undefined
      try {
        const pgInfo = await preparePostgres({ big: selected("stream") })
        pgUrl = pgInfo.url
        env.engines["PostgreSQL"] = `${pgInfo.version} on 127.0.0.1 (same machine)`
        env.engines["pgbench"] = pgbenchVersion()
      } catch (error) {
        log(`PostgreSQL unavailable: ${error instanceof Error ? error.message : String(error)}`)
      }
      const ctx: Context = { ...ctxBase, pgUrl }
      for (const w of pgWorkloads) report(await runBatch(w, "postgres", ctx))
      if (selected("stream")) report(await runStream("postgres", ctx))
      if (selected("tpcb") && pgUrl !== undefined) {
        const tpcbUrl = await prepareTpcbDatabase()
        report(await runTpcb("postgres", ctx, tpcbUrl))
      }
    }

    const mysqlWorkloads = batchWorkloads.filter((w) => w.mysql && selected(w.id))
    if (wants("mysql") && (mysqlWorkloads.length > 0 || selected("stream") || selected("tpcb"))) {
      let mysqlUrl: string | undefined
      try {
        const info = await prepareMysql({ big: selected("stream") })
        mysqlUrl = info.url
        mysqlFlush = info.flushAtCommit
        env.engines["MariaDB"] = `${info.version} on 127.0.0.1 (same machine)`
      } catch (error) {
        log(`MariaDB unavailable: ${error instanceof Error ? error.message : String(error)}`)
      }
      const ctx: Context = { ...ctxBase, mysqlUrl }
      for (const w of mysqlWorkloads) report(await runBatch(w, "mysql", ctx))
      if (selected("stream")) report(await runStream("mysql", ctx))
      if (selected("tpcb") && mysqlUrl !== undefined) {
        const tpcbUrl = await prepareMysqlTpcbDatabase()
        report(await runTpcb("mysql", ctx, tpcbUrl))
      }
    }

    const replication = replicationWorkloads.filter((w) => selected(w.id))
    if (replication.length > 0) {
      const reachable = async (d: Dialect, ensure: () => Promise<string>) => {
        if (!wants(d)) return false
        try {
          await ensure()
          return true
        } catch (error) {
          log(`${d === "postgres" ? "PostgreSQL" : "MariaDB"} unavailable for replication: ${error instanceof Error ? error.message : String(error)}`)
          return false
        }
      }
      const ctx: ReplicationContext = {
        quick: options.quick,
        settings,
        dialects: options.dialects,
        postgres: await reachable("postgres", ensurePostgres),
        mysql: await reachable("mysql", ensureMariadb),
        pool: POOL
      }
      lap = performance.now()
      for (const w of replication) await w.run(ctx, report)
    }
  } finally {
    cleanup()
  }

  const seconds = (performance.now() - started) / 1000
  const outcomes = targets(results)
  log(terminalSummary(results, outcomes))
  log(`\ntotal ${seconds.toFixed(0)} s`)

  const ran = (id: string) => results.some((r) => r.workload === id)
  const info: RunInfo = {
    command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    mode: options.quick ? "quick" : "full",
    seconds,
    settings: `warm-up ≥ ${settings.warmupMs} ms per library (batch size doubled until a call is long enough to time), ` +
      `then ${settings.samples} samples of ~${settings.sampleMs} ms each per library; heavy operations (bulk insert) ` +
      `run one operation per sample, at most 5 samples. Stream: up to ${ctxBase.streamRuns} run(s) per child process (no new run after ${ctxBase.streamBudgetMs / 1000} s). TPC-B: ` +
      `${ctxBase.tpcbSeconds} s per library, one sample per second, the first second dropped.`,
    sqliteSettings: `Every library opens its own byte-identical copy of the dataset (10,000 users, 100,000 posts; ` +
      `${STREAM_ROWS.toLocaleString("en-US")} rows for the stream) under the OS temp directory, with ` +
      `journal_mode=${JOURNAL_MODE.toUpperCase()} and synchronous=NORMAL, except the concurrent-insert workload which ` +
      "uses synchronous=FULL; foreign_keys=ON everywhere (better-sqlite3's and Quarry's default). These settings are " +
      "verified through each library's own (for Quarry: its writer) connection after opening.",
    pgSettings: `One database \`quarry_bench\` with the same rows, loaded once; write workloads empty \`events\` before each ` +
      `call. Pool size ${POOL} for every library. Server-side fsync and synchronous_commit are on. TPC-B runs on ` +
      `pgbench's own schema (scale ${TPCB_SCALE}, ${TPCB_CLIENTS} clients for every library).`,
    mysqlSettings: `MariaDB (the test server on 127.0.0.1:33069): one database \`quarry_bench\` with the same rows, ` +
      `InnoDB tables, loaded once; write workloads empty \`events\` before each call. Pool size ${POOL} for every ` +
      `library, idle connections kept open. innodb_flush_log_at_trx_commit=${mysqlFlush} (1: every commit is flushed ` +
      `to disk). TPC-B runs on pgbench's schema rebuilt for InnoDB (scale ${TPCB_SCALE}, ${TPCB_CLIENTS} clients for ` +
      "every library; pgbench itself speaks only PostgreSQL).",
    loadAtEnd: Math.round(os.loadavg()[0] * 100) / 100,
    workloads: [...batchWorkloads, ...specialWorkloads, ...replicationWorkloads].filter((w) => ran(w.id)).map(({ id, title, work }) => ({
      id,
      title,
      work
    }))
  }

  mkdirSync(path.join(root, ".tmp"), { recursive: true })
  writeFileSync(path.join(root, ".tmp", "bench-results.json"), JSON.stringify({ env, info, results, outcomes }, null, 2))

  const full = options.only === undefined && options.dialects.length === DIALECTS.length
  if (options.write ?? full) {
    writeDocs(results, env, info)
  } else {
    log("partial run: docs/benchmarks.md not rewritten (pass --write to force)")
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
