/**
 * The replication log on the primary, and the position of each shadow.
 *
 * On the primary, `quarry_replication_log` holds one row per entry: its
 * position, when it was written (ms since the epoch) and its payload (the
 * changes, see payload.ts). Positions are gapless and follow commit order: an
 * entry is appended as the last step of its transaction, while holding the
 * lock that assigns positions, and that lock is released only by the commit —
 * on PostgreSQL and MySQL the one row of `quarry_replication_sequence`
 * (updated, so locked until commit; rolled back with the transaction), on
 * SQLite the write lock every transaction holds (`AUTOINCREMENT`, never
 * reusing a position after pruning). A transaction that began first but
 * commits last therefore gets the later position, and a shipper that has
 * seen position n has seen every entry up to n.
 *
 * `quarry_replication_shadows` (primary) keeps a copy of each shadow's
 * position, written after the shadow stored it: what every shadow has
 * applied can be pruned.
 *
 * On each shadow, `quarry_replication_position` holds, per shadow name, the
 * position applied — written in the same transaction as the entries — and
 * the lease of the process shipping to it (owner, until when), also checked
 * in that transaction: two processes can never both apply a batch.
 */
import { Effect } from "effect"
import type { Database, Row } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type { Dialect } from "../../dialect/Dialect.js"

export const LOG = "quarry_replication_log"
export const SEQUENCE = "quarry_replication_sequence"
export const SHADOWS = "quarry_replication_shadows"
export const POSITION = "quarry_replication_position"

/** One log entry as read from the primary. */
export interface Entry {
  readonly position: number
  /** When it was written on the primary, ms since the epoch. */
  readonly at: number
  readonly payload: string
}

const q = (dialect: Dialect, name: string) => dialect.quote(name)

/** Column types of the replication tables. */
export const text = (dialect: Dialect) => (dialect.name === "mysql" ? "LONGTEXT" : "TEXT")
export const name = (dialect: Dialect) => (dialect.name === "postgres" ? "TEXT" : "VARCHAR(255)")
export const big = (dialect: Dialect) => (dialect.name === "sqlite" ? "INTEGER" : "BIGINT")

/** The tables of the log on the primary (IF NOT EXISTS). */
export const primaryTables = (d: Dialect): ReadonlyArray<string> => {
  const position = d.name === "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT PRIMARY KEY"
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${q(d, LOG)} (${q(d, "position")} ${position}, ${q(d, "at")} ${big(d)} NOT NULL, ` +
    `${q(d, "payload")} ${text(d)} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q(d, SHADOWS)} (${q(d, "shadow")} ${name(d)} PRIMARY KEY, ` +
    `${q(d, "position")} ${big(d)} NOT NULL, ${q(d, "at")} ${big(d)} NOT NULL)`
  ]
  if (d.name === "sqlite") return statements
  return [
    ...statements,
    `CREATE TABLE IF NOT EXISTS ${q(d, SEQUENCE)} (${q(d, "id")} INTEGER PRIMARY KEY, ${q(d, "position")} BIGINT NOT NULL)`,
    d.name === "postgres"
      ? `INSERT INTO ${q(d, SEQUENCE)} VALUES (1, 0) ON CONFLICT DO NOTHING`
      : `INSERT INTO ${q(d, SEQUENCE)} VALUES (1, 0) ON DUPLICATE KEY UPDATE ${q(d, "id")} = ${q(d, "id")}`
  ]
}

/** The position table on a shadow (IF NOT EXISTS). */
export const shadowTables = (d: Dialect): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${q(d, POSITION)} (${q(d, "shadow")} ${name(d)} PRIMARY KEY, ` +
  `${q(d, "position")} ${big(d)} NOT NULL, ${q(d, "owner")} ${name(d)} NOT NULL, ${q(d, "lease_until")} ${big(d)} NOT NULL)`
]

const ddl = (db: Database, statements: ReadonlyArray<string>) =>
  Effect.forEach(statements, (sql) => db.run({ sql, params: [] }), { discard: true })

/** Create the primary's log tables. */
export const createPrimary = (db: Database): Effect.Effect<void, DatabaseError> => ddl(db, primaryTables(db.dialect))

/** Create a shadow's position table. */
export const createShadow = (db: Database): Effect.Effect<void, DatabaseError> => ddl(db, shadowTables(db.dialect))

const params = (d: Dialect, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => d.placeholder(from + i)).join(", ")

/**
 * Append entries, inside the caller's open transaction on the primary, as its
 * last step; the position of the last one.
 */
export const append = (db: Database, payloads: ReadonlyArray<string>, at: number): Effect.Effect<number, DatabaseError> => {
  const d = db.dialect
  const n = payloads.length
  const values = (first: (i: number) => string, offset: number) =>
    payloads.map((_, i) => `(${first(i)}${params(d, offset + 2 * i, 2)})`).join(", ")
  const args = payloads.flatMap((p) => [at, p])
  const insert = `INSERT INTO ${q(d, LOG)} (${q(d, "position")}, ${q(d, "at")}, ${q(d, "payload")}) VALUES `
  switch (d.name) {
    case "sqlite":
      return Effect.map(
        db.all({
          sql: `INSERT INTO ${q(d, LOG)} (${q(d, "at")}, ${q(d, "payload")}) VALUES ${
            payloads.map((_, i) => `(${params(d, 1 + 2 * i, 2)})`).join(", ")
          } RETURNING ${q(d, "position")}`,
          params: args
        }),
        (rows) => Math.max(...rows.map((r) => Number(r.position)))
      )
    case "postgres":
      // one round trip: take the next positions (locking the sequence row until commit) and insert
      return Effect.map(
        db.all({
          sql: `WITH s AS (UPDATE ${q(d, SEQUENCE)} SET ${q(d, "position")} = ${q(d, "position")} + ${n} ` +
            `WHERE ${q(d, "id")} = 1 RETURNING ${q(d, "position")}) ` +
            `INSERT INTO ${q(d, LOG)} (${q(d, "position")}, ${q(d, "at")}, ${q(d, "payload")}) ` +
            `SELECT s.${q(d, "position")} - ${n} + v.i, v.at, v.payload FROM s, (VALUES ${
              payloads.map((_, i) => `(${i + 1}, ${d.placeholder(1 + 2 * i)}::bigint, ${d.placeholder(2 + 2 * i)}::text)`).join(", ")
            }) AS v(i, at, payload) RETURNING ${q(d, "position")}`,
          params: args
        }),
        (rows) => Math.max(...rows.map((r) => Number(r.position)))
      )
    case "mysql":
      return Effect.flatMap(
        db.run({
          sql: `UPDATE ${q(d, SEQUENCE)} SET ${q(d, "position")} = LAST_INSERT_ID(${q(d, "position")} + ${n}) ` +
            `WHERE ${q(d, "id")} = 1`,
          params: []
        }),
        (result) => {
          const last = Number(result.lastInsertId)
          return Effect.as(
            db.run({ sql: insert + values((i) => `${last - n + 1 + i}, `, 1), params: args }),
            last
          )
        }
      )
  }
}

const entry = (row: Row): Entry => ({ position: Number(row.position), at: Number(row.at), payload: String(row.payload) })

/** Entries after a position, in order (one read, no transaction). */
export const read = (db: Database, after: number, limit: number): Effect.Effect<ReadonlyArray<Entry>, DatabaseError> => {
  const d = db.dialect
  return Effect.map(
    db.all({
      sql: `SELECT ${q(d, "position")}, ${q(d, "at")}, ${q(d, "payload")} FROM ${q(d, LOG)} WHERE ${q(d, "position")} > ` +
        `${d.placeholder(1)} ORDER BY ${q(d, "position")} LIMIT ${Math.max(1, Math.floor(limit))}`,
      params: [after]
    }),
    (rows) => rows.map(entry)
  )
}

/** The position of the last entry ever appended (0 when none). */
export const head = (db: Database): Effect.Effect<number, DatabaseError> => {
  const d = db.dialect
  const sql = d.name === "sqlite"
    ? `SELECT seq AS ${q(d, "position")} FROM sqlite_sequence WHERE name = '${LOG}'`
    : `SELECT ${q(d, "position")} FROM ${q(d, SEQUENCE)} WHERE ${q(d, "id")} = 1`
  return Effect.map(db.all({ sql, params: [] }), (rows) => (rows.length === 0 ? 0 : Number(rows[0].position)))
}

/** How many entries the log holds and the oldest one's position (undefined when empty). */
export const oldest = (db: Database): Effect.Effect<number | undefined, DatabaseError> => {
  const d = db.dialect
  return Effect.map(
    db.all({ sql: `SELECT MIN(${q(d, "position")}) AS ${q(d, "position")} FROM ${q(d, LOG)}`, params: [] }),
    (rows) => (rows[0]?.position === null || rows[0]?.position === undefined ? undefined : Number(rows[0].position))
  )
}

const upsertSql = (d: Dialect, table: string, key: string, columns: ReadonlyArray<string>): string => {
  const all = [key, ...columns]
  const insert = `INSERT INTO ${q(d, table)} (${all.map((c) => q(d, c)).join(", ")}) VALUES (${params(d, 1, all.length)})`
  return d.upsert === "on-conflict"
    ? `${insert} ON CONFLICT (${q(d, key)}) DO UPDATE SET ${columns.map((c) => `${q(d, c)} = excluded.${q(d, c)}`).join(", ")}`
    : `${insert} ON DUPLICATE KEY UPDATE ${columns.map((c) => `${q(d, c)} = VALUES(${q(d, c)})`).join(", ")}`
}

/** Record on the primary where a shadow is (after the shadow stored it). */
export const recordShadow = (db: Database, shadow: string, position: number, at: number): Effect.Effect<void, DatabaseError> =>
  Effect.asVoid(db.run({ sql: upsertSql(db.dialect, SHADOWS, "shadow", ["position", "at"]), params: [shadow, position, at] }))

/** Every shadow position recorded on the primary. */
export const recordedShadows = (db: Database): Effect.Effect<ReadonlyMap<string, number>, DatabaseError> => {
  const d = db.dialect
  return Effect.map(
    db.all({ sql: `SELECT ${q(d, "shadow")}, ${q(d, "position")} FROM ${q(d, SHADOWS)}`, params: [] }),
    (rows) => new Map(rows.map((r) => [String(r.shadow), Number(r.position)]))
  )
}

/** Drop the entries up to a position written before a time. */
export const prune = (db: Database, upTo: number, before: number): Effect.Effect<number, DatabaseError> => {
  const d = db.dialect
  return Effect.map(
    db.run({
      sql: `DELETE FROM ${q(d, LOG)} WHERE ${q(d, "position")} <= ${d.placeholder(1)} AND ${q(d, "at")} < ${d.placeholder(2)}`,
      params: [upTo, before]
    }),
    (r) => r.rowsAffected
  )
}

/** A shadow's row in its position table. */
export interface Lease {
  readonly position: number
  readonly owner: string
  readonly until: number
}

/** Read (and lock until the transaction ends) a shadow's position row, creating it at 0 when missing. */
export const lockPosition = (db: Database, shadow: string): Effect.Effect<Lease, DatabaseError> => {
  const d = db.dialect
  const create = d.upsert === "on-conflict"
    ? `INSERT INTO ${q(d, POSITION)} VALUES (${params(d, 1, 4)}) ON CONFLICT DO NOTHING`
    : `INSERT INTO ${q(d, POSITION)} VALUES (${params(d, 1, 4)}) ON DUPLICATE KEY UPDATE ${q(d, "shadow")} = ${q(d, "shadow")}`
  const lock = d.rowLocks === undefined ? "" : ` ${d.rowLocks.update}`
  const select = `SELECT ${q(d, "position")}, ${q(d, "owner")}, ${q(d, "lease_until")} FROM ${q(d, POSITION)} ` +
    `WHERE ${q(d, "shadow")} = ${d.placeholder(1)}${lock}`
  return Effect.zipRight(
    db.run({ sql: create, params: [shadow, 0, "", 0] }),
    Effect.map(db.all({ sql: select, params: [shadow] }), (rows) => ({
      position: Number(rows[0].position),
      owner: String(rows[0].owner),
      until: Number(rows[0].lease_until)
    }))
  )
}

/** Store a shadow's position and lease (inside the transaction that locked the row). */
export const storePosition = (db: Database, shadow: string, lease: Lease): Effect.Effect<void, DatabaseError> => {
  const d = db.dialect
  return Effect.asVoid(db.run({
    sql: `UPDATE ${q(d, POSITION)} SET ${q(d, "position")} = ${d.placeholder(1)}, ${q(d, "owner")} = ${d.placeholder(2)}, ` +
      `${q(d, "lease_until")} = ${d.placeholder(3)} WHERE ${q(d, "shadow")} = ${d.placeholder(4)}`,
    params: [lease.position, lease.owner, lease.until, shadow]
  }))
}

/** A shadow's stored position, without locking (0 when it has none). */
export const shadowPosition = (db: Database, shadow: string): Effect.Effect<number, DatabaseError> => {
  const d = db.dialect
  return Effect.map(
    db.all({
      sql: `SELECT ${q(d, "position")} FROM ${q(d, POSITION)} WHERE ${q(d, "shadow")} = ${d.placeholder(1)}`,
      params: [shadow]
    }),
    (rows) => (rows.length === 0 ? 0 : Number(rows[0].position))
  )
}
