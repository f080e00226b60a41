/**
 * Backfill: copy a shadow's tables from a snapshot of the primary, then let
 * the shipper go on from the snapshot's log position.
 *
 * 1. Take the shadow's lease for the backfill (owner `<owner>#backfill`):
 *    the shipper's next batch finds the lease gone and stands by. A fresh
 *    backfill also stores position 0 and empties the chosen tables, so a
 *    process killed midway leaves a shadow that asks for a backfill again.
 * 2. Create the missing tables on the shadow in its dialect.
 * 3. Open ONE transaction on the primary (PostgreSQL and MySQL: REPEATABLE
 *    READ, whose snapshot is taken by its first read; SQLite: a transaction
 *    on the writer) and read the log's head there first: the snapshot's
 *    position, every entry up to it visible, none after it.
 * 4. Copy each table in foreign-key order, in primary-key order, in chunks
 *    read by key (`WHERE key > last ORDER BY key LIMIT n`): each chunk is one
 *    transaction on the shadow of bulk upserts that also records the last
 *    key copied in `quarry_replication_backfill` and renews the lease.
 * 5. Store the position of the FIRST snapshot of this backfill (an
 *    interrupted one resumes after its last chunk from a new snapshot, and
 *    the rows copied before are brought forward by the log from there), drop
 *    the progress rows and give the lease back: the shipper ships from it.
 */
import { Effect, Stream } from "effect"
import type { Database } from "../../layers/Database.js"
import { type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as Ddl from "../../schema/Ddl.js"
import type * as Table from "../../schema/Table.js"
import { upserts } from "./apply.js"
import { codec, type Neutral } from "./image.js"
import * as Log from "./log.js"
import { selectList } from "./ranges.js"

export const PROGRESS = "quarry_replication_backfill"

/** Where a table's copy is. */
export interface Progress {
  readonly table: string
  /** Rows copied so far (including those of an interrupted run). */
  readonly copied: number
  /** The table's row count in the snapshot. */
  readonly estimated: number
  readonly done: boolean
}

export interface Config {
  readonly name: string
  readonly primary: Database
  readonly shadow: Database
  /** Every replicated table (the chosen ones are copied). */
  readonly tables: ReadonlyArray<Table.Any>
  readonly only: ReadonlyArray<string> | undefined
  readonly owner: string
  readonly leaseMillis: number
  readonly chunkSize: number
}

interface Saved {
  readonly lastKey: ReadonlyArray<Neutral> | undefined
  readonly position: number
  readonly copied: number
  readonly done: boolean
}

const q = (d: Dialect, n: string) => d.quote(n)

const progressTable = (d: Dialect) => {
  const [name, text, big] = [Log.name(d), Log.text(d), Log.big(d)]
  return `CREATE TABLE IF NOT EXISTS ${q(d, PROGRESS)} (${q(d, "shadow")} ${name} NOT NULL, ${q(d, "tbl")} ${name} NOT NULL, ` +
    `${q(d, "last_key")} ${text}, ${q(d, "position")} ${big} NOT NULL, ${q(d, "copied")} ${big} NOT NULL, ` +
    `${q(d, "done")} INTEGER NOT NULL, PRIMARY KEY (${q(d, "shadow")}, ${q(d, "tbl")}))`
}

const busy = (c: Config, owner: string) =>
  new ReplicationError({
    reason: "Invalid",
    dialect: c.shadow.dialect.name,
    shadow: c.name,
    message: `shadow ${c.name} is being backfilled by ${owner}`
  })

const lost = (c: Config) =>
  new ReplicationError({
    reason: "Invalid",
    dialect: c.shadow.dialect.name,
    shadow: c.name,
    message: `shadow ${c.name}: the backfill lost its lease (it took longer than the lease between two chunks)`
  })

/** Check (and renew) the backfill's lease inside a shadow transaction; the stored position. */
const holdLease = (c: Config, owner: string) =>
  Effect.flatMap(Log.lockPosition(c.shadow, c.name), (lease) =>
    lease.owner !== owner
      ? Effect.fail(lost(c))
      : Effect.as(Log.storePosition(c.shadow, c.name, { ...lease, until: Date.now() + c.leaseMillis }), lease.position))

const loadProgress = (c: Config): Effect.Effect<Map<string, Saved>, DatabaseError> => {
  const d = c.shadow.dialect
  return Effect.map(
    c.shadow.all({
      sql: `SELECT ${q(d, "tbl")}, ${q(d, "last_key")}, ${q(d, "position")}, ${q(d, "copied")}, ${q(d, "done")} ` +
        `FROM ${q(d, PROGRESS)} WHERE ${q(d, "shadow")} = ${d.placeholder(1)}`,
      params: [c.name]
    }),
    (rows) =>
      new Map(rows.map((r) => [String(r.tbl), {
        lastKey: r.last_key === null || r.last_key === undefined ? undefined : JSON.parse(String(r.last_key)),
        position: Number(r.position),
        copied: Number(r.copied),
        done: Number(r.done) === 1
      }]))
  )
}

const saveProgress = (c: Config, table: string, saved: Saved) => {
  const d = c.shadow.dialect
  const cols = ["shadow", "tbl", "last_key", "position", "copied", "done"]
  const insert = `INSERT INTO ${q(d, PROGRESS)} (${cols.map((x) => q(d, x)).join(", ")}) VALUES (${
    cols.map((_, i) => d.placeholder(i + 1)).join(", ")
  })`
  const rest = cols.slice(2)
  const sql = d.upsert === "on-conflict"
    ? `${insert} ON CONFLICT (${q(d, "shadow")}, ${q(d, "tbl")}) DO UPDATE SET ${rest.map((x) => `${q(d, x)} = excluded.${q(d, x)}`).join(", ")}`
    : `${insert} ON DUPLICATE KEY UPDATE ${rest.map((x) => `${q(d, x)} = VALUES(${q(d, x)})`).join(", ")}`
  return c.shadow.run({
    sql,
    params: [c.name, table, saved.lastKey === undefined ? null : JSON.stringify(saved.lastKey), saved.position, saved.copied, saved.done ? 1 : 0]
  })
}

/** The next chunk of a table after a key, in key order, as neutral rows. */
const chunk = (c: Config, table: Table.Any, after: ReadonlyArray<Neutral> | undefined) => {
  const d = c.primary.dialect
  const key = table.primaryKey.map((k) => q(d, k.name))
  const keyIdx = table.primaryKey.map((k) => table.columns.indexOf(k))
  const convert = codec(table, d)
  const tuple = (xs: ReadonlyArray<string>) => (xs.length === 1 ? xs[0] : `(${xs.join(", ")})`)
  const where = after === undefined ? "" : ` WHERE ${tuple(key)} > ${tuple(key.map((_, i) => d.placeholder(i + 1)))}`
  const sql = `SELECT ${selectList(d, table)} FROM ${q(d, table.name)}${where} ` +
    `ORDER BY ${key.join(", ")} LIMIT ${c.chunkSize}`
  const params = after === undefined ? [] : after.map((v, i) => convert.fromNeutral[keyIdx[i]](v))
  return Effect.map(c.primary.all({ sql, params }), (rows) =>
    rows.map((row) => table.columns.map((col, i) => convert.toNeutral[i](row[col.name] ?? row[col.field]))))
}

const count = (db: Database, table: Table.Any) =>
  Effect.map(db.all({ sql: `SELECT COUNT(*) AS n FROM ${q(db.dialect, table.name)}`, params: [] }), (r) => Number(r[0].n))

/**
 * Backfill a shadow; `emit` gets each table's progress after each chunk.
 * Resumes an interrupted backfill from its last chunk while the log still
 * holds the entries after that backfill's first snapshot.
 */
export const run = (
  c: Config,
  emit: (p: Progress) => Effect.Effect<void>
): Effect.Effect<number, ReplicationError | DatabaseError> =>
  Effect.gen(function*() {
    const owner = `${c.owner}#backfill`
    const sd = c.shadow.dialect
    const unknown = (c.only ?? []).filter((n) => !c.tables.some((t) => t.name === n))
    if (unknown.length > 0) {
      return yield* Effect.fail(
        new ReplicationError({ reason: "NotReplicated", dialect: sd.name, shadow: c.name, message: `not replicated: ${unknown.join(", ")}` })
      )
    }
    const chosen = Ddl.sortByDependencies(c.tables.filter((t) => c.only === undefined || c.only.includes(t.name)))
    yield* Log.createShadow(c.shadow)
    yield* c.shadow.run({ sql: progressTable(sd), params: [] })
    yield* Effect.forEach(Ddl.createTables(chosen, sd), (sql) => c.shadow.run({ sql, params: [] }), { discard: true })

    let saved = yield* loadProgress(c)
    const first = [...saved.values()].reduce((m, s) => Math.min(m, s.position), Infinity)
    // the head first: an entry committed between the two reads then shows in `oldest`, never only in the head
    const logHead = yield* Log.head(c.primary)
    const oldest = yield* Log.oldest(c.primary)
    // resumable while the log still holds every entry after the first snapshot
    const resumable = saved.size > 0 && [...saved.keys()].every((n) => chosen.some((t) => t.name === n)) &&
      (first >= logHead || (oldest !== undefined && oldest <= first + 1))
    yield* c.shadow.transaction(Effect.gen(function*() {
      const lease = yield* Log.lockPosition(c.shadow, c.name)
      if (lease.owner !== owner && lease.owner !== c.owner && lease.owner !== "" && lease.until > Date.now()) {
        return yield* Effect.fail(busy(c, lease.owner))
      }
      yield* Log.storePosition(c.shadow, c.name, { position: resumable ? lease.position : 0, owner, until: Date.now() + c.leaseMillis })
      if (!resumable) {
        yield* c.shadow.run({ sql: `DELETE FROM ${q(sd, PROGRESS)} WHERE ${q(sd, "shadow")} = ${sd.placeholder(1)}`, params: [c.name] })
      }
      // the tables not started yet are emptied (all of them on a fresh backfill)
      for (const t of [...chosen].reverse()) {
        if (!resumable || !saved.has(t.name)) yield* c.shadow.run({ sql: `DELETE FROM ${q(sd, t.name)}`, params: [] })
      }
    }))
    if (!resumable) saved = new Map()

    const position = yield* c.primary.transaction(Effect.gen(function*() {
      const snapshot = yield* Log.head(c.primary)
      const start = resumable ? first : snapshot
      for (const table of chosen) {
        const before = saved.get(table.name)
        const estimated = yield* count(c.primary, table)
        let copied = before?.copied ?? 0
        if (before?.done === true) {
          yield* emit({ table: table.name, copied, estimated: copied, done: true })
          continue
        }
        let last = before?.lastKey
        const keyIdx = table.primaryKey.map((k) => table.columns.indexOf(k))
        while (true) {
          const rows = yield* chunk(c, table, last)
          const done = rows.length < c.chunkSize
          if (rows.length > 0) last = keyIdx.map((i) => rows[rows.length - 1][i])
          copied += rows.length
          const progress: Saved = { lastKey: last, position: start, copied, done }
          yield* c.shadow.transaction(Effect.gen(function*() {
            yield* holdLease(c, owner)
            if (rows.length > 0) yield* Effect.forEach(upserts(sd, table, rows), (s) => c.shadow.run(s), { discard: true })
            yield* saveProgress(c, table.name, progress)
          }))
          yield* emit({ table: table.name, copied, estimated: Math.max(estimated, copied), done })
          if (done) break
        }
      }
      return start
    }), { isolation: "repeatable read" })

    yield* c.shadow.transaction(Effect.gen(function*() {
      yield* holdLease(c, owner)
      yield* c.shadow.run({ sql: `DELETE FROM ${q(sd, PROGRESS)} WHERE ${q(sd, "shadow")} = ${sd.placeholder(1)}`, params: [c.name] })
      yield* Log.storePosition(c.shadow, c.name, { position, owner: "", until: 0 })
    }))
    return position
  })

/**
 * `run` as a stream of progress values (running the stream runs the
 * backfill); `then` runs with the position reached before the stream ends.
 */
export const stream = <E = never>(
  c: Config,
  then?: (position: number) => Effect.Effect<void, E>
): Stream.Stream<Progress, ReplicationError | DatabaseError | E> =>
  Stream.asyncScoped<Progress, ReplicationError | DatabaseError | E>((emit) =>
    Effect.forkScoped(
      Effect.matchCauseEffect(
        Effect.flatMap(run(c, (p) => Effect.promise(() => emit.single(p)).pipe(Effect.asVoid)), (position) =>
          then === undefined ? Effect.void : then(position)), {
        onSuccess: () => Effect.promise(() => emit.end()),
        onFailure: (cause) => Effect.promise(() => emit.halt(cause))
      })
    ))
