/**
 * The values of `Replication.verify` and `Replication.repair` (re-exported
 * by Replication.ts).
 */
import type { Duration } from "effect"

/**
 * A primary key as a record of the key's fields, each value in its neutral
 * form (text, number, boolean or null: bigints and decimals as exact text,
 * dates as ISO 8601 text in UTC, bytes as hexadecimal text, JSON as text).
 *
 * @since 0.2.0
 * @category verify
 */
export type Key = { readonly [field: string]: string | number | boolean | null }

/**
 * A row as verify compares it: every field's neutral value (see `Key`),
 * JSON documents with their keys sorted.
 *
 * @since 0.2.0
 * @category verify
 */
export type VerifiedRow = Key

/**
 * A range of primary keys: after `after` (excluded; `undefined` from the
 * first key) up to `upTo` (included; `undefined` to the last key).
 *
 * @since 0.2.0
 * @category verify
 */
export interface KeyRange {
  readonly after: Key | undefined
  readonly upTo: Key | undefined
}

/**
 * A row that differs: `Missing` on the shadow, `Extra` on the shadow, or
 * `Different` (with the fields whose values differ).
 *
 * @since 0.2.0
 * @category verify
 */
export type RowDifference =
  | { readonly _tag: "Missing"; readonly key: Key; readonly primary: VerifiedRow }
  | { readonly _tag: "Extra"; readonly key: Key; readonly shadow: VerifiedRow }
  | {
    readonly _tag: "Different"
    readonly key: Key
    readonly fields: ReadonlyArray<string>
    readonly primary: VerifiedRow
    readonly shadow: VerifiedRow
  }

/**
 * One table compared: `equal`, or the key ranges that differ and, in each,
 * the rows that differ.
 *
 * @since 0.2.0
 * @category verify
 */
export interface TableVerification {
  readonly table: string
  readonly equal: boolean
  /** Rows read by the checksum pass, on each side. */
  readonly rows: { readonly primary: number; readonly shadow: number }
  /** Key ranges compared by checksum. */
  readonly ranges: number
  readonly differing: ReadonlyArray<{ readonly range: KeyRange; readonly rows: ReadonlyArray<RowDifference> }>
}

/**
 * The result of `Replication.verify`: per table, equal or how it differs.
 *
 * @since 0.2.0
 * @category verify
 */
export interface Verification {
  readonly shadow: string
  /** The primary's log position the shadow was brought to before comparing. */
  readonly position: number
  readonly equal: boolean
  readonly tables: ReadonlyArray<TableVerification>
}

/**
 * The result of `Replication.repair`: what was written on the shadow, per
 * table, from the primary's rows at `position`.
 *
 * @since 0.2.0
 * @category verify
 */
export interface Repair {
  readonly shadow: string
  readonly position: number
  readonly tables: ReadonlyArray<{ readonly table: string; readonly upserted: number; readonly deleted: number }>
}

/**
 * Options of `verify` and `repair`.
 *
 * @since 0.2.0
 * @category verify
 */
export interface VerifyOptions {
  /** The tables compared (default: every replicated table). */
  readonly tables?: ReadonlyArray<string> | undefined
  /** Rows per checksummed key range (default 1000). */
  readonly chunkSize?: number | undefined
  /** How long to wait for the shadow to reach a position (default 30 seconds): then `ReplicationError` ("Timeout"). */
  readonly timeout?: Duration.DurationInput | undefined
}
