/**
 * How `quarry replicate verify` and `repair` tell their results: a readable
 * report (per table equal, or its differing key ranges and rows, with the
 * fields that differ and both values), and JSON for scripts (the
 * `Verification` / `Repair` values as they are, a missing range bound as
 * `null`).
 *
 * @internal
 */
import type * as Replication from "../../replication/Replication.js"
import * as Out from "./output.js"

/** A key as `field=value, …` (text values JSON-quoted only when they need it). @internal */
export const keyText = (key: Replication.Key): string =>
  Object.entries(key).map(([field, value]) => `${field}=${valueText(value)}`).join(", ")

const valueText = (value: string | number | boolean | null): string =>
  typeof value === "string" && /^[^\s",=()]+$/.test(value) ? value : JSON.stringify(value)

/** A key range as `(after, upTo]`, `-∞` / `+∞` for an open end. @internal */
export const rangeText = (range: Replication.KeyRange): string =>
  `(${range.after === undefined ? "-∞" : keyText(range.after)} .. ${range.upTo === undefined ? "+∞" : keyText(range.upTo)}]`

const rowLines = (row: Replication.RowDifference): ReadonlyArray<string> => {
  switch (row._tag) {
    case "Missing":
      return [`${Out.red("missing")}    ${keyText(row.key)}  (on the primary, not on the shadow)`]
    case "Extra":
      return [`${Out.red("extra")}      ${keyText(row.key)}  (on the shadow, not on the primary)`]
    case "Different":
      return [
        `${Out.yellow("different")}  ${keyText(row.key)}`,
        ...row.fields.map((f) =>
          `           ${f}: primary ${JSON.stringify(row.primary[f] ?? null)}, shadow ${JSON.stringify(row.shadow[f] ?? null)}`
        )
      ]
  }
}

const count = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`

/** The readable report of a verification. @internal */
export const verification = (v: Replication.Verification): string => {
  let out = ""
  for (const t of v.tables) {
    const seen = `${count(t.rows.primary, "row")} on the primary, ${count(t.rows.shadow, "row")} on the shadow, ${
      count(t.ranges, "range")
    }`
    if (t.equal) {
      out += `${t.table}: ${Out.green("equal")} (${seen})\n`
      continue
    }
    const rows = t.differing.reduce((n, d) => n + d.rows.length, 0)
    out += `${t.table}: ${Out.red("differs")}, ${count(rows, "row")} in ${count(t.differing.length, "range")} (${seen})\n`
    for (const d of t.differing) {
      out += `  range ${rangeText(d.range)}\n`
      for (const row of d.rows) for (const line of rowLines(row)) out += `    ${line}\n`
    }
  }
  const differing = v.tables.filter((t) => !t.equal)
  const rows = differing.reduce((n, t) => n + t.differing.reduce((m, d) => m + d.rows.length, 0), 0)
  out += v.equal
    ? `${v.shadow} equals the primary at log position ${v.position} (${count(v.tables.length, "table")})\n`
    : `${v.shadow} differs from the primary at log position ${v.position}: ${count(rows, "row")} in ${
      count(differing.length, "table")
    } (repair: quarry replicate repair ${v.shadow})\n`
  return out
}

const keyJson = (key: Replication.Key | undefined) => key ?? null

/** A verification as one line of JSON. @internal */
export const verificationJson = (v: Replication.Verification): string =>
  JSON.stringify({
    ...v,
    tables: v.tables.map((t) => ({
      ...t,
      differing: t.differing.map((d) => ({ ...d, range: { after: keyJson(d.range.after), upTo: keyJson(d.range.upTo) } }))
    }))
  }) + "\n"

/** The readable report of a repair: what was written, per table. @internal */
export const repair = (r: Replication.Repair): string => {
  const written = r.tables.reduce((n, t) => n + t.upserted + t.deleted, 0)
  if (written === 0) return `${r.shadow}: nothing to repair, it equals the primary\n`
  return Out.table(
    ["table", "upserted", "deleted"],
    r.tables.map((t) => [t.table, String(t.upserted), String(t.deleted)]),
    [false, true, true]
  ) + `repaired ${r.shadow} from the primary at log position ${r.position}: ${count(written, "row")} written\n`
}

/** A repair as one line of JSON. @internal */
export const repairJson = (r: Replication.Repair): string => `${JSON.stringify(r)}\n`
