/**
 * `npm run demo`: a tour of Quarry on an embedded SQLite file, or on the
 * database `DATABASE_URL` names (postgres://…, mysql://…, sqlite:…).
 */
import { Model } from "@effect/sql"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Either, Layer, Schema, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Database, DatabaseConfig, Ddl, Dialect, Expr, Query, Repository, Sqlite, Table } from "../src/index.js"

class Author extends Model.Class<Author>("Author")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(120), Schema.pattern(/^[^@\s]+@[^@\s]+$/)),
  name: Schema.String,
  born: Schema.Int,
  createdAt: Model.DateTimeInsertFromDate
}) {}

const Authors = Table.make(Author, { name: "demo_authors", columns: { email: { unique: true } } })

class Book extends Model.Class<Book>("Book")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String,
  year: Schema.Int,
  inPrint: Schema.Boolean,
  copiesSold: Schema.BigInt
}) {}

const Books = Table.make(Book, {
  name: "demo_books",
  columns: { authorId: { references: { table: () => Authors, onDelete: "cascade" } } },
  indexes: [{ fields: ["year"] }]
})

const section = (title: string) => Console.log(`\n== ${title}`)

const program = Effect.gen(function*() {
  const db = yield* Database.Database
  yield* Console.log(`Quarry demo on ${db.dialect.name}`)

  yield* section("Tables (DDL generated from the schemas, parents first)")
  yield* Ddl.dropAll([Authors, Books])
  yield* Ddl.createAll([Books, Authors])
  yield* Console.log(Ddl.createTable(Authors, db.dialect)[0])

  yield* section("Repository: create, getOrCreate, typed failures")
  const authors = Repository.make(Authors)
  const ursula = yield* authors.create({ email: "ursula@example.com", name: "Ursula K. Le Guin", born: 1929 })
  const [terry, created] = yield* authors.getOrCreate(
    { email: "terry@example.com" },
    { name: "Terry Pratchett", born: 1948 }
  )
  yield* Console.log(`created #${ursula.id} ${ursula.name}; getOrCreate #${terry.id} ${terry.name} (created: ${created})`)
  const duplicate = yield* Effect.either(authors.create({ email: "ursula@example.com", name: "Again", born: 2000 }))
  if (Either.isLeft(duplicate)) yield* Console.log(`duplicate email → ${duplicate.left._tag}: ${duplicate.left.message}`)
  const invalid = yield* Effect.either(authors.create({ email: "not an email", name: "Nobody", born: 1900 }))
  if (Either.isLeft(invalid)) yield* Console.log(`bad email → ${invalid.left._tag} before any SQL ran`)

  yield* section("Bulk insert (multi-row VALUES, one transaction)")
  const books = [
    { authorId: ursula.id, title: "A Wizard of Earthsea", year: 1968, inPrint: true, copiesSold: 10_000_000n },
    { authorId: ursula.id, title: "The Left Hand of Darkness", year: 1969, inPrint: true, copiesSold: 1_000_000n },
    { authorId: ursula.id, title: "The Dispossessed", year: 1974, inPrint: true, copiesSold: 900_000n },
    { authorId: terry.id, title: "The Colour of Magic", year: 1983, inPrint: true, copiesSold: 2_000_000n },
    { authorId: terry.id, title: "Mort", year: 1987, inPrint: false, copiesSold: 9_007_199_254_740_993n }
  ]
  const inserted = yield* Query.run(Query.insertMany(Books, books))
  yield* Console.log(`${inserted.rowsAffected} books inserted`)

  yield* section("Queries are values: filter, order, limit")
  const classics = Query.from(Books).pipe(
    Query.where({ year: { lt: 1980 }, title: { startsWith: "The" } }),
    Query.orderBy(Query.desc(Books.c.year)),
    Query.limit(10)
  )
  for (const d of [Dialect.sqlite, Dialect.postgres, Dialect.mysql]) {
    const compiled = Query.compile(classics, d)
    if (Either.isRight(compiled)) yield* Console.log(`${d.name.padEnd(8)} ${compiled.right.sql}  ${JSON.stringify(compiled.right.params)}`)
  }
  for (const b of yield* Query.all(classics)) yield* Console.log(`  ${b.year} ${b.title}`)

  yield* section("Exact 64-bit integers, joins and aggregates")
  const mort = yield* Query.get(Query.from(Books).pipe(Query.where({ title: "Mort" })))
  yield* Console.log(`Mort sold ${mort.copiesSold} copies (a bigint, exact beyond 2^53)`)
  const joined = yield* Query.all(
    Query.from(Books).pipe(Query.innerJoin(Authors, Expr.eq(Books.c.authorId, Authors.c.id)), Query.orderBy(Books.c.year))
  )
  for (const [book, author] of joined) yield* Console.log(`  ${book.title} — ${author.name}`)
  const perAuthor = yield* Query.all(
    Query.from(Books).pipe(
      Query.groupBy(Books.c.authorId),
      Query.orderBy(Books.c.authorId),
      Query.select({ authorId: Books.c.authorId, books: Expr.count(), first: Expr.min(Books.c.year) })
    )
  )
  for (const row of perAuthor) yield* Console.log(`  author #${row.authorId}: ${row.books} books since ${row.first}`)

  yield* section("Updates with column expressions, transactions that roll back")
  yield* Query.run(Query.update(Books, { year: Expr.add(Books.c.year, 1) }).pipe(Query.where({ inPrint: false })))
  const rolledBack = yield* Effect.either(Database.transaction(Effect.gen(function*() {
    yield* Query.run(Query.delete(Books))
    return yield* Effect.fail("changed my mind")
  })))
  yield* Console.log(`transaction failed with "${Either.isLeft(rolledBack) ? rolledBack.left : ""}"; books left: ${yield* Query.count(Query.from(Books))}`)

  yield* section("Streaming in constant memory")
  const streamed = yield* Query.stream(Query.from(Books).pipe(Query.orderBy(Books.c.title))).pipe(
    Stream.tap((b) => Console.log(`  ${b.title}`)),
    Stream.runCount
  )
  yield* Console.log(`${streamed} rows streamed`)
  yield* Console.log("\nDone: every failure above was a typed value, and the layer closes cleanly.")
})

const DatabaseLive = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== ""
  ? DatabaseConfig.layerFromUrl(process.env.DATABASE_URL)
  : Layer.unwrapScoped(Effect.map(
    // A scratch directory, removed once the database in it has closed.
    Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "quarry-demo-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => Sqlite.layer({ filename: path.join(dir, "demo.db") })
  ))

program.pipe(Effect.provide(DatabaseLive), NodeRuntime.runMain)
