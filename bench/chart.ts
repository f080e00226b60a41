/**
 * The chart for docs/benchmarks.md, as a hand-written SVG string: one panel
 * per dialect, one row per workload × library, a bar from the raw driver's
 * line (1×) to the library's ratio on a log scale — right of the line is
 * faster than the raw driver, left is slower.
 */
import { DIALECTS, type Dialect, type Library, ORDER, RAW, type Result, TITLE } from "./workload.js"

const WIDTH = 900
const LABEL = 300
const PLOT_LEFT = LABEL + 10
const PLOT_RIGHT = WIDTH - 60
const ROW = 16
const HEADER = 18
const MIN_LOG = -6 // 1/64×
const MAX_LOG = 5 // 32× (group commit can beat the raw driver by far)

const COLORS: Record<Library, string> = {
  quarry: "#6b46c1",
  "quarry (replicated)": "#6b46c1",
  "better-sqlite3": "#4a5568",
  pg: "#4a5568",
  mysql2: "#4a5568",
  "@effect/sql": "#2b6cb0",
  "@effect/sql-pg": "#2b6cb0",
  "@effect/sql-mysql2": "#2b6cb0",
  drizzle: "#2f855a",
  kysely: "#c05621",
  pgbench: "#718096"
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const xOf = (ratio: number): number => {
  const l = Math.min(MAX_LOG, Math.max(MIN_LOG, Math.log2(ratio)))
  return PLOT_LEFT + ((l - MIN_LOG) / (MAX_LOG - MIN_LOG)) * (PLOT_RIGHT - PLOT_LEFT)
}

const tickLabel = (l: number) => (l >= 0 ? `${2 ** l}×` : `1/${2 ** -l}×`)

interface Panel {
  readonly heading: string
  /** The rows drawn, by group (a workload, or a workload and its replication pair). */
  readonly groups: ReadonlyArray<{ readonly title: string; readonly rows: ReadonlyArray<Result> }>
}

const dialectPanel = (results: ReadonlyArray<Result>, dialect: Dialect): Panel => {
  const rows = results.filter((r) => r.dialect === dialect && r.library !== RAW[dialect] && r.pair === undefined)
  const workloads = [...new Set(rows.map((r) => r.workload))]
  return {
    heading: `${TITLE[dialect]} — throughput relative to ${RAW[dialect]} (log scale; right of the line = faster)`,
    groups: workloads.map((w) => {
      const list = rows.filter((r) => r.workload === w).sort((a, b) =>
        ORDER[dialect].indexOf(a.library) - ORDER[dialect].indexOf(b.library)
      )
      return { title: list[0].title, rows: list }
    })
  }
}

/** Replication: the replicated row of each pair against the same work without replication (lag has no ratio). */
const replicationPanel = (results: ReadonlyArray<Result>): Panel => {
  const rows = results.filter((r) => r.pair !== undefined && r.library === "quarry (replicated)" && r.ratio !== undefined)
  const keys = [...new Set(rows.map((r) => `${r.workload} ${r.pair}`))]
  return {
    heading: "Replication — throughput relative to the same work without replication (log scale)",
    groups: keys.map((key) => {
      const list = rows.filter((r) => `${r.workload} ${r.pair}` === key)
      return { title: `${list[0].title}: ${list[0].pair}`, rows: list }
    })
  }
}

const panel = (p: Panel, top: number): { svg: Array<string>; height: number } => {
  const out: Array<string> = []
  let y = top + 34
  const one = xOf(1)
  out.push(`<text x="10" y="${top + 14}" class="h">${esc(p.heading)}</text>`)
  const gridTop = y - 4
  for (const { title, rows: list } of p.groups) {
    out.push(`<text x="10" y="${y + 12}" class="w">${esc(title)}</text>`)
    y += HEADER
    for (const r of list) {
      const cy = y + ROW / 2
      out.push(`<text x="${LABEL - 4}" y="${cy + 4}" class="l" text-anchor="end">${esc(r.library)}</text>`)
      if (r.status === "ok" && r.ratio !== undefined && Number.isFinite(r.ratio)) {
        const x = xOf(r.ratio)
        const left = Math.min(x, one)
        const width = Math.max(1, Math.abs(x - one))
        out.push(
          `<rect x="${left.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${
            COLORS[r.library]
          }"${r.library === "quarry" ? "" : ` fill-opacity="0.75"`}/>`
        )
        // Past either end of the axis the bar stops at the edge; the label still tells the value.
        const clamped = Math.log2(r.ratio) > MAX_LOG || Math.log2(r.ratio) < MIN_LOG
        const label = `${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(2)}×${clamped ? " (off scale)" : ""}`
        const tx = r.ratio >= 1 ? x + 4 : x - 4
        out.push(`<text x="${tx.toFixed(1)}" y="${cy + 4}" class="v" text-anchor="${r.ratio >= 1 ? "start" : "end"}">${label}</text>`)
      } else {
        const text = r.status === "failed" ? "failed (see table)" : "not yet measured"
        out.push(`<text x="${one + 6}" y="${cy + 4}" class="n">${text}</text>`)
      }
      y += ROW
    }
    y += 4
  }
  // The grid goes under the bars; the 1× line on top of them.
  const grid: Array<string> = []
  for (let l = MIN_LOG; l <= MAX_LOG; l++) {
    const x = xOf(2 ** l).toFixed(1)
    if (l !== 0) grid.push(`<line x1="${x}" y1="${gridTop}" x2="${x}" y2="${y}" class="g"/>`)
    grid.push(`<text x="${x}" y="${gridTop - 4}" class="t" text-anchor="middle">${tickLabel(l)}</text>`)
  }
  out.push(`<line x1="${one.toFixed(1)}" y1="${gridTop}" x2="${one.toFixed(1)}" y2="${y}" class="one"/>`)
  return { svg: [out[0], ...grid, ...out.slice(1)], height: y - top + 10 }
}

/** The whole chart; panels for the dialects that have results. */
export const chart = (results: ReadonlyArray<Result>, caption: string): string => {
  const body: Array<string> = []
  let top = 0
  const panels = [...DIALECTS.map((d) => dialectPanel(results, d)), replicationPanel(results)]
  for (const p of panels) {
    if (p.groups.length === 0) continue
    const { svg, height } = panel(p, top)
    body.push(...svg)
    top += height + 10
  }
  body.push(`<text x="10" y="${top + 12}" class="c">${esc(caption)}</text>`)
  const height = top + 24
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    "<style>",
    ".h{font-size:14px;font-weight:600;fill:#1a202c}.w{font-size:12px;font-weight:600;fill:#2d3748}",
    ".l{font-size:11px;fill:#2d3748}.v{font-size:10px;fill:#1a202c}.n{font-size:10px;font-style:italic;fill:#a0aec0}",
    ".t{font-size:10px;fill:#718096}.c{font-size:10px;fill:#718096}",
    ".g{stroke:#e2e8f0;stroke-width:1}.one{stroke:#1a202c;stroke-width:1.5}",
    "</style>",
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
    ""
  ].join("\n")
}
