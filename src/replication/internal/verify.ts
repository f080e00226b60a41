/**
 * Verify: prove a shadow equals the primary, table by table, while writes go
 * on.
 *
 * 1. Wait until the shadow has applied the log's head taken at the start.
 * 2. One pass per table in key order: the primary's next `chunkSize` rows
 *    after the last key define a range `(last, key of its last row]` (the
 *    final range is unbounded above, so rows the shadow has past the
 *    primary's last key fall in it); the shadow's rows of the same range are
 *    read, and the two checksums (ranges.ts) compared. Only one range of each
 *    side is in memory; equal tables cost this one pass.
 * 3. A range that differs is narrowed down to its rows, at a log position:
 *    ONE read of the primary (REPEATABLE READ / a transaction on SQLite)
 *    takes the log's head P and the range's rows; once the shadow has applied
 *    P, ONE read of the shadow takes its position S and the range's rows.
 *    The rows are compared by key. A difference on a key no entry in (P, S]
 *    touches is real (the shadow applied every entry up to P); one on a key
 *    such an entry touches may be the shadow being ahead: those keys are
 *    compared again (up to `rounds` times, then reported).
 */
import { Effect } from "effect"
import type { Database } from "../../layers/Database.js"
import type { DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import * as Log from "./log.js"
import { decode } from "./payload.js"
import * as Ranges from "./ranges.js"

/** A row that differs: missing on the shadow, extra on it, or different. */
export type Difference =
  | { readonly _tag: "Missing"; readonly key: Ranges.Key; readonly primary: Ranges.NeutralRow }
  | { readonly _tag: "Extra"; readonly key: Ranges.Key; readonly shadow: Ranges.NeutralRow }
  | {
    readonly _tag: "Different"
    readonly key: Ranges.Key
    readonly primary: Ranges.NeutralRow
    readonly shadow: Ranges.NeutralRow
  }

/** One table's result. */
export interface TableResult {
  readonly table: Table.Any
  /** Rows seen by the pass, on each side. */
  readonly rows: { readonly primary: number; readonly shadow: number }
  /** Ranges compared by the pass. */
  readonly ranges: number
  /** The ranges that still differ after the re-checks, with their differing rows. */
  readonly differing: ReadonlyArray<{ readonly range: Ranges.Range; readonly differences: ReadonlyArray<Difference> }>
}

export interface Config {
  readonly name: string
  readonly primary: Database
  readonly shadow: Database
  readonly chunkSize: number
  /** How many times a range whose differences the log may explain is checked again. */
  readonly rounds: number
  /** Wait until the shadow has applied a position. */
  readonly waitFor: (position: number) => Effect.Effect<void, ReplicationError | DatabaseError>
}

/** The differing rows of a range, read from both sides. */
export const compare = (
  table: Table.Any,
  primaryRows: ReadonlyArray<Ranges.NeutralRow>,
  shadowRows: ReadonlyArray<Ranges.NeutralRow>
): Array<Difference> => {
  const onShadow = new Map(shadowRows.map((row) => [Ranges.keyText(Ranges.keyOf(table, row)), row]))
  const out: Array<Difference> = []
  for (const row of primaryRows) {
    const key = Ranges.keyOf(table, row)
    const text = Ranges.keyText(key)
    const other = onShadow.get(text)
    if (other === undefined) out.push({ _tag: "Missing", key, primary: row })
    else if (Ranges.encode(table, row) !== Ranges.encode(table, other)) out.push({ _tag: "Different", key, primary: row, shadow: other })
    onShadow.delete(text)
  }
  for (const row of onShadow.values()) out.push({ _tag: "Extra", key: Ranges.keyOf(table, row), shadow: row })
  return out
}

/** The keys of `table` the entries in (from, to] write or delete; "all" when the log no longer holds them all. */
const touched = (primary: Database, table: Table.Any, from: number, to: number) =>
  Effect.gen(function*() {
    if (to - from > 10_000) return "all" as const
    const entries = yield* Log.read(primary, from, to - from)
    if (entries.length !== to - from || entries[0]?.position !== from + 1) return "all" as const
    const keys = new Set<string>()
    for (const entry of entries) {
      for (const op of decode(entry.payload)) {
        if (op._tag === "Ddl") {
          if (op.tables.includes(table.name)) return "all" as const
          continue
        }
        if (op.table !== table.name) continue
        const at = table.primaryKey.map((k) => op.columns.indexOf(k.name))
        for (const row of op.rows) keys.add(Ranges.keyText(at.map((i) => row[i])))
      }
    }
    return keys
  })

/** The primary's rows of a range and the log position they are at. */
const primaryAt = (c: Config, table: Table.Any, range: Ranges.Range) =>
  c.primary.transaction(
    Effect.gen(function*() {
      const position = yield* Log.head(c.primary)
      return { position, rows: yield* Ranges.read(c.primary, table, range) }
    }),
    { isolation: "repeatable read" }
  )

/** The shadow's rows of a range and the position it had applied. */
const shadowAt = (c: Config, table: Table.Any, range: Ranges.Range) =>
  c.shadow.transaction(
    Effect.gen(function*() {
      const position = yield* Log.shadowPosition(c.shadow, c.name)
      return { position, rows: yield* Ranges.read(c.shadow, table, range) }
    }),
    { isolation: "repeatable read" }
  )

/**
 * Narrow a range down to its differing rows at a log position (none: it was
 * the shadow being behind). A difference on a key no entry in (P, S] touches
 * is kept; the keys such entries touch are compared again in the next round,
 * and only them (a later round's primary snapshot has those entries).
 */
export const recheck = (c: Config, table: Table.Any, range: Ranges.Range) =>
  Effect.gen(function*() {
    const firm: Array<Difference> = []
    let doubt: Set<string> | undefined
    for (let round = 1; ; round++) {
      const p = yield* primaryAt(c, table, range)
      yield* c.waitFor(p.position)
      const s = yield* shadowAt(c, table, range)
      const found = compare(table, p.rows, s.rows)
      const differences = doubt === undefined ? found : found.filter((d) => doubt!.has(Ranges.keyText(d.key)))
      if (differences.length === 0) return firm
      if (s.position <= p.position || round >= c.rounds) return [...firm, ...differences]
      const moved = yield* touched(c.primary, table, p.position, s.position)
      const isMoved = (d: Difference) => moved === "all" || moved.has(Ranges.keyText(d.key))
      firm.push(...differences.filter((d) => !isMoved(d)))
      doubt = new Set(differences.filter(isMoved).map((d) => Ranges.keyText(d.key)))
      if (doubt.size === 0) return firm
    }
  })

/** Compare one table; `waitFor` the start position is the caller's. */
export const table = (c: Config, table: Table.Any): Effect.Effect<TableResult, ReplicationError | DatabaseError> =>
  Effect.gen(function*() {
    let from: Ranges.Key | undefined
    let ranges = 0
    const rows = { primary: 0, shadow: 0 }
    const suspects: Array<Ranges.Range> = []
    while (true) {
      const primaryRows = yield* Ranges.read(c.primary, table, { from, to: undefined }, c.chunkSize)
      const last = primaryRows.length < c.chunkSize
      const range: Ranges.Range = { from, to: last ? undefined : Ranges.keyOf(table, primaryRows[primaryRows.length - 1]) }
      const shadowRows = yield* Ranges.read(c.shadow, table, range)
      ranges++
      rows.primary += primaryRows.length
      rows.shadow += shadowRows.length
      if (Ranges.checksum(table, primaryRows) !== Ranges.checksum(table, shadowRows)) suspects.push(range)
      if (last) break
      from = range.to
    }
    const differing: Array<TableResult["differing"][number]> = []
    for (const range of suspects) {
      const differences = yield* recheck(c, table, range)
      if (differences.length > 0) differing.push({ range, differences })
    }
    return { table, rows, ranges, differing }
  })
