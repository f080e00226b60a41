/**
 * Output: the terminal table and docs/benchmarks.md (which embeds the SVG
 * chart from ./chart.ts).
 */
import type { Environment } from "./env.js"
import type { TargetOutcome } from "./targets.js"
import { DIALECTS, type Dialect, ORDER, RAW, type Result, TITLE } from "./workload.js"

export interface RunInfo {
  readonly command: string
  readonly mode: "full" | "quick"
  readonly settings: string
  readonly seconds: number
  readonly sqliteSettings: string
  readonly pgSettings: string
  readonly mysqlSettings: string
  readonly workloads: ReadonlyArray<{ readonly id: string; readonly title: string; readonly work: string }>
  /** 1-minute load average when the run ended. */
  readonly loadAtEnd: number
}

export const fmt = (n: number): string =>
  !Number.isFinite(n)
    ? "—"
    : n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M`
    : n >= 1e4
    ? `${(n / 1e3).toFixed(0)} k`
    : n >= 1e3
    ? `${(n / 1e3).toFixed(1)} k`
    : n.toFixed(n < 10 ? 2 : 0)

const pct = (n: number) => `±${(n * 100).toFixed(n < 0.1 ? 1 : 0)}%`
const ratio = (r: number | undefined) => (r === undefined ? "" : `${r.toFixed(2)}×`)
const mb = (n: number) => `${n.toFixed(0)} MB`

/** Results of one dialect, grouped by workload in run order, libraries in display order. */
const grouped = (results: ReadonlyArray<Result>, dialect: Dialect): Array<Array<Result>> => {
  const byWorkload = new Map<string, Array<Result>>()
  for (const r of results) {
    if (r.dialect !== dialect || r.pair !== undefined) continue
    const list = byWorkload.get(r.workload) ?? []
    list.push(r)
    byWorkload.set(r.workload, list)
  }
  const rank = (r: Result) => ORDER[dialect].indexOf(r.library)
  return [...byWorkload.values()].map((list) => list.sort((a, b) => rank(a) - rank(b)))
}

/** Replication results, grouped by workload and pair in run order, the reference (`quarry`) first. */
export const groupedReplication = (results: ReadonlyArray<Result>): Array<Array<Result>> => {
  const groups = new Map<string, Array<Result>>()
  for (const r of results) {
    if (r.pair === undefined) continue
    const key = `${r.workload} ${r.pair}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const rank = (r: Result) => (r.library === "quarry" ? 0 : 1)
  return [...groups.values()].map((list) => list.sort((a, b) => rank(a) - rank(b)))
}

const cells = (r: Result): [string, string, string] => {
  if (r.status !== "ok" || r.measurement === undefined) return [r.status === "failed" ? "FAILED" : "not yet measured", "", ""]
  return [`${fmt(r.measurement.throughput.median)} ${r.unit}`, pct(r.measurement.throughput.spread), ratio(r.ratio)]
}

const extra = (r: Result): string => {
  const parts: Array<string> = []
  const delay = r.measurement?.loopDelayMs
  if (delay) parts.push(`loop stall ${delay.median.toFixed(1)} ms`)
  if (r.lag) {
    parts.push(`p95 ${r.lag.p95Ms.toFixed(1)} ms, max ${r.lag.maxMs.toFixed(1)} ms over ${r.lag.writes} writes at ${r.lag.writesPerSecond.toFixed(0)}/s`)
  }
  if (r.memory && r.pair !== undefined) {
    const growth = r.memory.peakRssMB - r.memory.baseRssMB
    parts.push(
      `RSS ${r.memory.baseRssMB.toFixed(0)} → ${r.memory.peakRssMB.toFixed(0)} MB (+${growth.toFixed(0)} MB) during the copy, ` +
        `live heap ${r.memory.baseHeapMB.toFixed(0)} MB before, ${r.memory.peakHeapMB.toFixed(0)} MB after`
    )
  } else if (r.memory) parts.push(`peak RSS ${mb(r.memory.peakRssMB)}, live heap ${mb(r.memory.peakHeapMB)}`)
  return parts.join("; ")
}

// ---------------------------------------------------------------------------
// Terminal
// ---------------------------------------------------------------------------

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n))

/** The lines printed for one workload as soon as it finishes. */
export const terminalWorkload = (rows: ReadonlyArray<Result>): string => {
  const lines: Array<string> = []
  for (const r of rows) {
    const [tp, spread, rel] = cells(r)
    const tail = r.status === "ok" ? extra(r) : (r.reason ?? "")
    lines.push(
      `  ${pad(r.library, 16)} ${pad(tp, 22, true)} ${pad(spread, 7, true)} ${pad(rel, 8, true)}  ${tail}`.trimEnd()
    )
  }
  return lines.join("\n")
}

export const terminalSummary = (results: ReadonlyArray<Result>, outcomes: ReadonlyArray<TargetOutcome>): string => {
  const out: Array<string> = []
  for (const dialect of DIALECTS) {
    const groups = grouped(results, dialect)
    if (groups.length === 0) continue
    out.push("", `${TITLE[dialect]} — ratio = median throughput / ${RAW[dialect]} median`)
    out.push(`  ${pad("library", 16)} ${pad("median", 22, true)} ${pad("spread", 7, true)} ${pad("vs raw", 8, true)}`)
    for (const rows of groups) {
      out.push(`${rows[0].workload} — ${rows[0].title}`)
      out.push(terminalWorkload(rows))
    }
  }
  const replication = groupedReplication(results)
  if (replication.length > 0) {
    out.push("", "Replication — ratio = median / the same work without replication (quarry row), same run")
    for (const rows of replication) {
      out.push(`${rows[0].workload} (${rows[0].pair}) — ${rows[0].title}`)
      out.push(terminalWorkload(rows))
    }
  }
  out.push("", "Targets")
  for (const t of outcomes) {
    out.push(`  [${t.status}] ${t.target}: ${t.measured} (required ${t.required})`)
    if (t.status !== "met") out.push(`      ${t.detail}`)
  }
  return out.join("\n")
}

// ---------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------

const escapeCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ")

const markdownDialect = (results: ReadonlyArray<Result>, dialect: Dialect): Array<string> => {
  const groups = grouped(results, dialect)
  if (groups.length === 0) return []
  const out = [
    `| Workload | Library | Median | Spread | vs ${RAW[dialect]} | Notes |`,
    "|---|---|--:|--:|--:|---|"
  ]
  for (const rows of groups) {
    rows.forEach((r, k) => {
      const [tp, spread, rel] = cells(r)
      const notes = [r.status === "ok" ? extra(r) : (r.reason ?? ""), r.note ?? ""].filter((s) => s !== "").join(". ")
      const name = k === 0 ? `**${r.title}** (\`${r.workload}\`)` : ""
      out.push(`| ${name} | ${r.library} | ${tp} | ${spread} | ${rel} | ${escapeCell(notes)} |`)
    })
  }
  return out
}

export const REPLICATION_TEXT = "Quarry with a replicated set (`Replicated.layer`, async mode, one shadow) against " +
  "Quarry doing the same work without one, in the same run: the `quarry` row of each pair is that reference (the " +
  "insert on an unreplicated database of the primary's dialect, or `Query.insertMany` straight into a fresh " +
  "database of the shadow's dialect) and the ratio of `quarry (replicated)` is to it, not to a raw driver. Every " +
  "pair gets fresh databases (SQLite files under the OS temp directory with synchronous=NORMAL; `quarry_bench_repl_*` " +
  "databases on the PostgreSQL and MariaDB test servers). Lag is in milliseconds (lower is better) and has no ratio."

const markdownReplication = (results: ReadonlyArray<Result>): Array<string> => {
  const groups = groupedReplication(results)
  if (groups.length === 0) return []
  const out = [
    "## Replication",
    "",
    REPLICATION_TEXT,
    "",
    "| Workload | Primary → shadow | Library | Median | Spread | vs without replication | Notes |",
    "|---|---|---|--:|--:|--:|---|"
  ]
  let last = ""
  for (const rows of groups) {
    rows.forEach((r, k) => {
      const [tp, spread, rel] = cells(r)
      const notes = [r.status === "ok" ? extra(r) : (r.reason ?? ""), r.note ?? ""].filter((x) => x !== "").join(". ")
      const name = k === 0 && r.workload !== last ? `**${r.title}** (\`${r.workload}\`)` : ""
      out.push(`| ${name} | ${k === 0 ? r.pair : ""} | ${r.library} | ${tp} | ${spread} | ${rel} | ${escapeCell(notes)} |`)
    })
    last = rows[0].workload
  }
  return [...out, ""]
}

const memoryTable = (results: ReadonlyArray<Result>): Array<string> => {
  const rows = results.filter((r) => r.workload === "stream")
  if (rows.length === 0) return []
  const out = [
    "| Dialect | Library | Rows/s (median) | RSS: before → peak | Live heap: before → peak | How |",
    "|---|---|--:|--:|--:|---|"
  ]
  const span = (before: number, peak: number) => `${before.toFixed(0)} → **${peak.toFixed(0)} MB**`
  for (const r of rows) {
    const m = r.memory
    const tp = r.measurement ? fmt(r.measurement.throughput.median) : r.status === "failed" ? "FAILED" : "not yet measured"
    out.push(
      `| ${TITLE[r.dialect]} | ${r.library} | ${tp} | ${m ? span(m.baseRssMB, m.peakRssMB) : ""} | ${
        m ? span(m.baseHeapMB, m.peakHeapMB) : ""
      } | ${escapeCell(r.status === "ok" ? (r.note ?? "") : (r.reason ?? ""))} |`
    )
  }
  return out
}

/** A warning when other work was running on the machine during the run. */
const busy = (env: Environment, info: RunInfo): Array<string> => {
  const load = Math.max(env.loadAverage[0] ?? 0, info.loadAtEnd)
  return load > env.cores * 0.5
    ? [
      `> **Noisy run:** the machine was busy (1-minute load average up to ${load.toFixed(1)} on ${env.cores} cores), ` +
      "so other processes competed for the CPU and disk; treat the numbers and ratios as rough.",
      ""
    ]
    : []
}

export const markdown = (
  results: ReadonlyArray<Result>,
  outcomes: ReadonlyArray<TargetOutcome>,
  env: Environment,
  info: RunInfo,
  chartFile: string
): string => {
  const failed = results.filter((r) => r.status === "failed")
  const lines = [
    "# Benchmarks",
    "",
    `<!-- Generated by \`${info.command}\` — do not edit by hand; rerun the benchmark instead. -->`,
    "",
    `Generated by \`${info.command}\` on ${env.date} (${info.mode} mode, ${info.seconds.toFixed(0)} s). ` +
      "Every number below comes from that one run: each library ran the same SQL work on its own copy of the same data, " +
      "side by side, and every ratio divides medians taken in the same run.",
    "",
    ...busy(env, info),
    `![Throughput relative to the raw driver, per workload and library](${chartFile})`,
    "",
    "## Targets",
    "",
    "| Target | Required | Measured | Status | Detail |",
    "|---|---|--:|---|---|",
    ...outcomes.map((t) =>
      `| ${escapeCell(t.target)} | ${t.required} | ${t.measured} | **${t.status}** | ${escapeCell(t.detail)} |`
    ),
    "",
    "## SQLite",
    "",
    info.sqliteSettings,
    "",
    ...markdownDialect(results, "sqlite"),
    "",
    "## PostgreSQL",
    "",
    info.pgSettings,
    "",
    ...markdownDialect(results, "postgres"),
    "",
    // absent from runs saved before MySQL was measured
    ...(results.some((r) => r.dialect === "mysql")
      ? ["## MySQL / MariaDB", "", info.mysqlSettings, "", ...markdownDialect(results, "mysql"), ""]
      : []),
    ...markdownReplication(results),
    "## Streaming 1M rows: memory",
    "",
    "Each library streams in its own child process. *Peak RSS* is the kernel's high-water mark of the child's resident " +
      "set over its whole life (start-up included: *before* is the resident set once the child has loaded every library and opened the database, about 200 MB under tsx). *Live heap* is the highest V8 " +
      "`heapUsed` right after a forced GC, taken every 100,000 rows during one extra untimed run that stops after 300,000 " +
      "rows: what the library still holds while rows are consumed (a library that loads every row first holds all of " +
      "them by the first sample; a streaming one is in its steady state).",
    "",
    ...memoryTable(results),
    "",
    "## Workloads",
    "",
    ...info.workloads.map((w) => `- **${w.title}** (\`${w.id}\`): ${w.work}`),
    "",
    "## Method",
    "",
    `- Sampling: ${info.settings}`,
    "- One sample is one call that runs a batch of operations back to back; throughput = operations × units / elapsed. " +
      "Effect-based libraries (Quarry, `@effect/sql`) run the whole batch inside one `runPromise`, so runtime start-up " +
      "is not counted per operation.",
    "- Samples are taken round-robin across the libraries of a workload (A, B, C, then B, C, A …) so that background " +
      "load spreads over all of them. *Spread* is half the min–max range of the samples relative to the median.",
    "- Before timing, every library runs the same verification batch and its checksum (a sum over the rows read) must " +
      "equal the raw driver's; a mismatch marks the row FAILED. Results are consumed (summed) so no work is skipped.",
    "- Reads that are not called “prepared” use each library the way its documentation shows (query built per call); " +
      "the raw driver uses prepared statements (that is the baseline each ratio is measured against).",
    "",
    "## Environment",
    "",
    `- ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB memory; ${env.os}; Node ${env.node}`,
    `- Load average (1, 5, 15 min) at start: ${env.loadAverage.join(", ")}; 1-min load at end: ${info.loadAtEnd}`,
    ...Object.entries(env.engines).map(([k, v]) => `- ${k}: ${v}`),
    `- Versions: ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    "",
    "## Reproduce",
    "",
    "```sh",
    "npm run bench                        # full run, writes docs/benchmarks.md and docs/benchmarks.svg",
    "npm run bench -- --quick             # fewer, shorter samples (development)",
    "npm run bench -- --only select-pk    # one workload (comma-separate several); does not rewrite the docs",
    "npm run bench -- --dialect mysql     # one dialect (sqlite, postgres, mysql; comma-separate several)",
    "```",
    ""
  ]
  if (failed.length > 0) {
    lines.splice(
      lines.indexOf("## Targets"),
      0,
      "## Failures",
      "",
      ...failed.map((r) => `- ${TITLE[r.dialect]} \`${r.workload}\` / ${r.library}: ${escapeCell(r.reason ?? "")}`),
      ""
    )
  }
  return lines.join("\n")
}
