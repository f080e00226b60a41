/**
 * What the command prints: stdout with backpressure, colours only on a
 * terminal (and never with `NO_COLOR`), aligned tables that fit the
 * terminal, and the machine formats (JSON, NDJSON, CSV) with 64-bit integers
 * exact.
 *
 * @internal
 */
import { Effect } from "effect"

/** Write to stdout, waiting when the pipe is full (a million rows stream in constant memory). @internal */
export const write = (text: string): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (text === "" || process.stdout.write(text)) return resume(Effect.void)
    process.stdout.once("drain", () => resume(Effect.void))
  })

/** Whether stdout is a terminal. @internal */
export const isTty = (): boolean => process.stdout.isTTY === true

/** Whether to colour: a terminal, and no `NO_COLOR`. @internal */
export const colors = (): boolean => isTty() && (process.env.NO_COLOR ?? "") === ""

const sgr = (code: string) => (s: string): string => (colors() ? `\u001b[${code}m${s}\u001b[0m` : s)
/** @internal */
export const bold = sgr("1")
/** @internal */
export const dim = sgr("2")
/** @internal */
export const green = sgr("32")
/** @internal */
export const yellow = sgr("33")
/** @internal */
export const red = sgr("31")

/** The longest a value is shown in a table before it is cut with `…`. @internal */
export const maxCell = 60

const bytes = (u: Uint8Array): string => {
  const hex = Buffer.from(u.subarray(0, 16)).toString("hex")
  return `x'${hex}${u.length > 16 ? "…" : ""}' (${u.length} bytes)`
}

/** A value as a table cell: one line. @internal */
export const cell = (value: unknown): string => {
  if (value === null || value === undefined) return "NULL"
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()
  if (value instanceof Uint8Array) return bytes(value)
  const s = typeof value === "object" ? jsonText(value) : String(value)
  return s.replace(/\r?\n/g, "⏎").replace(/\t/g, " ")
}

const cut = (s: string, width: number): string =>
  s.length <= width ? s : width <= 1 ? "…".slice(0, width) : `${s.slice(0, width - 1)}…`

/**
 * Column widths for a table: each column as wide as its widest cell (up to
 * `maxCell`), then the widest columns narrowed until the row fits `total`.
 *
 * @internal
 */
export const widths = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  total: number
): ReadonlyArray<number> => {
  const w = headers.map((h, i) => Math.min(maxCell, Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0))))
  const gaps = 2 * (w.length - 1)
  while (w.reduce((a, b) => a + b, 0) + gaps > total) {
    const widest = w.indexOf(Math.max(...w))
    if (w[widest] <= 4) break
    w[widest]--
  }
  return w
}

/** The width tables fit in: the terminal's, or wide when piped. @internal */
export const terminalWidth = (): number => (isTty() ? process.stdout.columns ?? 100 : 1000)

/** Lines of an aligned table with these widths (numbers right-aligned). @internal */
export const lines = (
  rows: ReadonlyArray<ReadonlyArray<string>>,
  w: ReadonlyArray<number>,
  right: ReadonlyArray<boolean> = []
): string => {
  let out = ""
  for (const row of rows) {
    out += w.map((width, i) => {
      const s = cut(row[i] ?? "", width)
      const pad = " ".repeat(width - s.length)
      const shown = s === "NULL" ? dim(s) : s
      return right[i] === true ? pad + shown : i === w.length - 1 ? shown : shown + pad
    }).join("  ").trimEnd() + "\n"
  }
  return out
}

/** A whole table: bold header, then the rows. @internal */
export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  right: ReadonlyArray<boolean> = []
): string => {
  const w = widths(headers, rows, terminalWidth())
  const head = w.map((width, i) => {
    const s = cut(headers[i], width)
    return bold(s) + (i === w.length - 1 ? "" : " ".repeat(width - s.length))
  }).join("  ").trimEnd()
  return `${head}\n${lines(rows, w, right)}`
}

const digits = /^-?\d+$/

/**
 * A value as JSON text. Bigints, and integer columns the driver reads as text
 * (64-bit integers), are written as exact number literals; dates as ISO
 * strings; bytes as base64 strings.
 *
 * @internal
 */
export const jsonText = (value: unknown, integer = false): string => {
  if (value === null || value === undefined) return "null"
  if (typeof value === "bigint") return value.toString()
  if (integer && typeof value === "string" && digits.test(value)) return value
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : JSON.stringify(String(value))
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString())
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString("base64"))
  if (Array.isArray(value)) return `[${value.map((v) => jsonText(v)).join(",")}]`
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/** A row as a JSON object, the columns in `integers` exact. @internal */
export const jsonRow = (row: { readonly [k: string]: unknown }, integers: ReadonlySet<string>): string =>
  `{${Object.entries(row).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v, integers.has(k))}`).join(",")}}`

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; NULL is empty. @internal */
export const csvField = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  const s = value instanceof Date
    ? value.toISOString()
    : value instanceof Uint8Array
    ? Buffer.from(value).toString("base64")
    : typeof value === "object"
    ? jsonText(value)
    : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, "\"\"")}"` : s
}

/** Bytes in a human unit. @internal */
export const size = (n: number | null): string => {
  if (n === null) return ""
  const units = ["B", "kB", "MB", "GB", "TB"]
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}
