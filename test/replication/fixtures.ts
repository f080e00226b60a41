/** Models, layers, a write workload and comparisons shared by the replication tests. */
import { Model } from "@effect/sql"
import { BigDecimal, Effect, Layer, Option, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import type { DialectName } from "../../src/dialect/Dialect.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Repository from "../../src/orm/Repository.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Replication from "../../src/replication/Replication.js"
import * as Column from "../../src/schema/Column.js"
import * as Table from "../../src/schema/Table.js"
import { serverDatabase, sqliteFile } from "../support/dialects.js"

export class Account extends Model.Class<Account>("Account")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(100)),
  name: Schema.String,
  age: Schema.NullOr(Schema.Int),
  active: Schema.Boolean,
  visits: Schema.BigInt,
  balance: Column.Decimal(20, 4),
  score: Schema.Number,
  meta: Column.Json(Schema.Struct({ tags: Schema.Array(Schema.String) })),
  avatar: Schema.NullOr(Schema.Uint8ArrayFromSelf),
  seenAt: Schema.NullOr(Schema.Date),
  createdAt: Model.DateTimeInsertFromDate,
  updatedAt: Model.DateTimeUpdateFromDate
}) {}

export const Accounts = Table.make(Account, {
  name: "repl_accounts",
  columns: { email: { unique: true }, visits: { default: 0 } }
})

export class Note extends Model.Class<Note>("Note")({
  id: Model.Generated(Schema.Int),
  accountId: Schema.Int,
  body: Schema.String
}) {}

export const Notes = Table.make(Note, {
  name: "repl_notes",
  columns: { accountId: { references: { table: () => Accounts, onDelete: "cascade" } } }
})

export class Label extends Model.Class<Label>("Label")({
  id: Model.Generated(Schema.Int),
  label: Schema.String.pipe(Schema.maxLength(40))
}) {}

export const Labels = Table.make(Label, { name: "repl_labels", columns: { label: { unique: true } } })

/** A join table: composite primary key, no column of its own. */
export class NoteLabel extends Model.Class<NoteLabel>("NoteLabel")({
  noteId: Schema.Int,
  labelId: Schema.Int
}) {}

export const NoteLabels = Table.make(NoteLabel, {
  name: "repl_note_labels",
  primaryKey: ["noteId", "labelId"],
  columns: {
    noteId: { references: { table: () => Notes, onDelete: "cascade" } },
    labelId: { references: { table: () => Labels, onDelete: "cascade" } }
  }
})

/** A table whose key the caller chooses (upserts by primary key). */
export class Setting extends Model.Class<Setting>("Setting")({
  key: Schema.String.pipe(Schema.maxLength(50)),
  value: Schema.String,
  counter: Schema.Int
}) {}

export const Settings = Table.make(Setting, { name: "repl_settings", primaryKey: ["key"] })

export const tables = [Accounts, Notes, Labels, NoteLabels, Settings] as const

export const NoteRel = Relation.define(Notes, {
  labels: Relation.manyToMany(() => Labels, { through: () => NoteLabels, from: "noteId", to: "labelId" })
})

export const account = (n: number) => ({
  email: `a${n}@example.com`,
  name: `Account ${n}`,
  age: n % 7 === 0 ? null : 20 + (n % 50),
  active: n % 2 === 0,
  visits: BigInt(n) * 1_000_000_007n,
  balance: BigDecimal.unsafeFromString(`${n}.${String(n % 10000).padStart(4, "0")}`),
  score: n / 8,
  meta: { tags: [`t${n % 3}`, "x"] },
  avatar: n % 3 === 0 ? null : new Uint8Array([n % 256, 0, 255, 7]),
  seenAt: n % 5 === 0 ? null : new Date(Date.UTC(2024, n % 12, 1 + (n % 28), 10, 20, 30, 123))
})

/** A fresh database of a dialect (a temporary file, or a database on the test server dropped with the scope). */
export const databaseLayer = (dialect: DialectName, suite: string): Layer.Layer<Database.Database, DatabaseError> => {
  switch (dialect) {
    case "sqlite":
      return Layer.unwrapEffect(Effect.sync(() => Sqlite.layer({ filename: sqliteFile(suite) })))
    case "postgres":
      return Layer.unwrapScoped(Effect.map(serverDatabase("postgres", suite), (url) => Postgres.layer({ url })))
    case "mysql":
      return Layer.unwrapScoped(Effect.map(serverDatabase("mysql", suite), (url) => Mysql.layer({ url })))
  }
}

/**
 * The writes every replicated database must carry: inserts (one, many,
 * bulk), updates by filter and with column expressions, deletes by filter,
 * upserts, insert-or-ignore, repository writes (create, save, delete,
 * bulkUpdate, getOrCreate), relation links, returning variants, and
 * transactions that roll back (nothing of them may reach a shadow).
 */
export const workload = Effect.gen(function*() {
  const accounts = Repository.make(Accounts)
  yield* Query.run(Query.insert(Accounts, account(1)))
  yield* Query.run(Query.insertMany(Accounts, Array.from({ length: 40 }, (_, i) => account(i + 2))))
  const ada = yield* accounts.create({ ...account(100), name: "Ada" })
  const grace = yield* accounts.create({ ...account(101), name: "Grace" })
  yield* accounts.save(new Account({ ...ada, age: 37, meta: { tags: ["saved"] } }))
  yield* Query.run(Query.update(Accounts, { active: false }).pipe(Query.where({ age: { gte: 40 } })))
  yield* Query.run(
    Query.update(Accounts, { visits: Expr.add(Accounts.c.visits, 1n), score: Expr.mul(Accounts.c.score, 2) }).pipe(
      Query.where({ active: true })
    )
  )
  const returned = yield* Query.all(
    Query.update(Accounts, { name: "Renamed" }).pipe(Query.where({ email: "a5@example.com" }), Query.returning("id", "name"))
  )
  if (returned.length !== 1 || returned[0].name !== "Renamed") return yield* Effect.die(`returning: ${JSON.stringify(returned)}`)
  yield* Query.run(Query.delete(Accounts).pipe(Query.where({ age: null })))
  yield* accounts.bulkUpdate(
    [new Account({ ...grace, name: "Grace H.", score: 9.5 })],
    ["name", "score"]
  )
  const [, created] = yield* accounts.getOrCreate({ email: "new@example.com" }, { ...account(102), email: "new@example.com" })
  if (!created) return yield* Effect.die("getOrCreate should create")

  const notes = Repository.make(Notes)
  const n1 = yield* notes.create({ accountId: ada.id, body: "first" })
  const n2 = yield* notes.create({ accountId: ada.id, body: "second" })
  yield* notes.create({ accountId: grace.id, body: "grace's" })
  const labels = yield* Query.all(Query.insertMany(Labels, [{ label: "red" }, { label: "green" }, { label: "blue" }]).pipe(Query.returning()))
  yield* Relation.add(NoteRel, "labels")(n1, labels)
  yield* Relation.add(NoteRel, "labels")(n2, [labels[0]])
  yield* Relation.remove(NoteRel, "labels")(n1, [labels[1]])
  yield* Relation.set(NoteRel, "labels")(n2, [labels[1], labels[2]])
  // cascades: deleting an account deletes its notes on the primary, and the shadow's own cascade does the same
  yield* Query.run(Query.delete(Accounts).pipe(Query.where({ email: "a3@example.com" })))

  yield* Query.run(Query.upsert(Settings, [{ key: "a", value: "1", counter: 0 }, { key: "b", value: "2", counter: 0 }]))
  yield* Query.run(Query.upsert(Settings, { key: "a", value: "one", counter: 5 }))
  yield* Query.run(Query.insertOrIgnore(Settings, [{ key: "a", value: "ignored", counter: 9 }, { key: "c", value: "3", counter: 1 }]))
  yield* Query.run(Query.update(Settings, { counter: Expr.add(Settings.c.counter, 1) }))

  // rolled back: nothing of it may reach a shadow
  const rolledBack = Database.transaction(Effect.gen(function*() {
    yield* Query.run(Query.insert(Accounts, { ...account(500), name: "Ghost" }))
    yield* Query.run(Query.update(Settings, { value: "ghost" }))
    yield* Query.run(Query.delete(Notes))
    return yield* Effect.fail("roll back" as const)
  }))
  yield* Effect.flip(rolledBack)
  // a savepoint that rolls back inside a transaction that commits
  yield* Database.transaction(Effect.gen(function*() {
    yield* Query.run(Query.insert(Settings, { key: "kept", value: "yes", counter: 1 }))
    yield* Effect.flip(Database.transaction(Effect.zipRight(
      Query.run(Query.insert(Settings, { key: "dropped", value: "no", counter: 1 })),
      Effect.fail("inner" as const)
    )))
  }))
})

const ordered = <T extends Table.Any>(table: T) =>
  Query.from(table).pipe(Query.orderBy(...table.primaryKey.map((d) => Query.asc((table.c as any)[d.field]))))

/** Every row of every table, decoded by the models, in key order. */
export const snapshot = (db: Database.Database) =>
  Effect.provideService(
    Effect.forEach(tables, (t) => Query.all(ordered(t) as any), { concurrency: 1 }),
    Database.Database,
    db
  )

/** Every row of every table read raw (the driver's values), as JSON-comparable text per dialect-independent field. */
export const counts = (db: Database.Database) =>
  Effect.forEach(tables, (t) =>
    Effect.map(db.all({ sql: `SELECT COUNT(*) AS n FROM ${db.dialect.quote(t.name)}`, params: [] }), (r) => Number(r[0].n)))

/** The primary's rows and each shadow's, once every shadow has caught up. */
export const compareAll = Effect.gen(function*() {
  yield* Replication.caughtUp({ timeout: "60 seconds" })
  const r = yield* Replication.Replication
  const primary = yield* snapshot(r.primary)
  const status = yield* Replication.status
  const shadows: Record<string, unknown> = {}
  for (const s of status.shadows) {
    const db = Option.getOrThrow(yield* r.shadow(s.name))
    shadows[s.name] = yield* snapshot(db)
  }
  return { primary, shadows, status }
})

/** A shadow's database, once its shipper has opened it. */
export const shadowOf = (name: string) =>
  Effect.flatMap(Replication.Replication, (r) => Effect.map(r.shadow(name), Option.getOrThrow))

/** Run `effect` against a database directly. */
export const on = <A, E, R>(db: Database.Database, effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Database.Database, db)

/** The log's entries on the primary (position and payload). */
export const logEntries = Effect.flatMap(Replication.Replication, (r) =>
  Effect.map(
    r.primary.all({ sql: "SELECT position, payload FROM quarry_replication_log ORDER BY position", params: [] }),
    (rows) => rows.map((row) => ({ position: Number(row.position), payload: String(row.payload) }))
  ))

/** The emails of the accounts in a database, sorted. */
export const emails = (db: Database.Database) =>
  Effect.map(on(db, Query.all(Query.only("email")(Query.from(Accounts)))), (rows) => rows.map((r) => r.email).sort())

/** `rows` accounts with a note each, 10 labels and a link per note, in chunks of 500 (through the current database). */
export const seedRows = (rows: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < rows; i += 500) {
      yield* Query.run(Query.insertMany(Accounts, Array.from({ length: 500 }, (_, k) => account(i + k + 1))))
      yield* Query.run(Query.insertMany(Notes, Array.from({ length: 500 }, (_, k) => ({ accountId: i + k + 1, body: `note ${i + k}` }))))
    }
    yield* Query.run(Query.insertMany(Labels, Array.from({ length: 10 }, (_, k) => ({ label: `l${k}` }))))
    for (let i = 0; i < rows; i += 500) {
      yield* Query.run(Query.insertMany(NoteLabels, Array.from({ length: 500 }, (_, k) => ({ noteId: i + k + 1, labelId: 1 + ((i + k) % 10) }))))
    }
  })

/** Inserts, updates and deletes (cascading to notes and links) over seeded `rows`, until interrupted. */
export const writer = (rows: number) =>
  Effect.gen(function*() {
    let n = rows + 1000
    while (true) {
      n++
      yield* Query.run(Query.insert(Accounts, account(n)))
      yield* Query.run(Query.update(Accounts, { name: `w${n}` }).pipe(Query.where({ id: 1 + (n * 7) % rows })))
      yield* Query.run(Query.update(Notes, { body: `w${n}` }).pipe(Query.where({ id: 1 + (n * 13) % rows })))
      yield* Query.run(Query.delete(Accounts).pipe(Query.where({ id: 1 + (n * 31) % rows })))
      yield* Effect.sleep("5 millis")
    }
  })
