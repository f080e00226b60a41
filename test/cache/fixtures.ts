/** Models, relations and a statement-counting database for the cache tests. */
import { Model, SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Metric, Schema } from "effect"
import * as QueryCache from "../../src/cache/QueryCache.js"
import { Database, type Statement } from "../../src/layers/Database.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import { type CanReadNow, ReadNow } from "../../src/layers/internal/readNow.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Query from "../../src/query/Query.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"

export class Author extends Model.Class<Author>("Author")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(100))
}) {}
export const Authors = Table.make(Author, { name: "cache_authors" })

export class Book extends Model.Class<Book>("Book")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String.pipe(Schema.maxLength(100)),
  pages: Schema.Int
}) {}
/** `restrict`: a write to authors does not change books, so reads of books alone do not depend on it. */
export const Books = Table.make(Book, {
  name: "cache_books",
  columns: { authorId: { references: { table: () => Authors, onDelete: "restrict" } } }
})

export class Review extends Model.Class<Review>("Review")({
  id: Model.Generated(Schema.Int),
  bookId: Schema.Int,
  stars: Schema.Int
}) {}
/** `cascade`: deleting a book deletes its reviews, so reads of reviews depend on books. */
export const Reviews = Table.make(Review, {
  name: "cache_reviews",
  columns: { bookId: { references: { table: () => Books, onDelete: "cascade" } } }
})

export class Label extends Model.Class<Label>("Label")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(50))
}) {}
export const Labels = Table.make(Label, { name: "cache_labels" })

export class BookLabel extends Model.Class<BookLabel>("BookLabel")({
  bookId: Schema.Int,
  labelId: Schema.Int
}) {}
export const BookLabels = Table.make(BookLabel, {
  name: "cache_book_labels",
  primaryKey: ["bookId", "labelId"],
  columns: {
    bookId: { references: { table: () => Books, onDelete: "restrict" } },
    labelId: { references: { table: () => Labels, onDelete: "restrict" } }
  }
})

export class Note extends Model.Class<Note>("Note")({
  id: Model.Generated(Schema.Int),
  body: Schema.String.pipe(Schema.maxLength(100))
}) {}
/** A table no query of the tests reads. */
export const Notes = Table.make(Note, { name: "cache_notes" })

export const tables = [Authors, Books, Reviews, Labels, BookLabels, Notes]

export const AuthorRel = Relation.define(Authors, {
  books: Relation.hasMany(() => Books, { foreignKey: "authorId" })
})

export const BookRel = Relation.define(Books, {
  labels: Relation.manyToMany(() => Labels, { through: () => BookLabels, from: "bookId", to: "labelId" }),
  reviews: Relation.hasMany(() => Reviews, { foreignKey: "bookId" })
})

/** Every statement the database ran, in order. */
export class Statements extends Context.Tag("test/Statements")<Statements, { readonly sql: Array<string> }>() {}

const wrap = (db: Database, log: Array<string>): Database => {
  const seen = (s: Statement) => {
    log.push(s.sql)
  }
  const wrapped: Database & Partial<CanReadNow> = {
    ...db,
    all: (s) => Effect.suspend(() => (seen(s), db.all(s))),
    run: (s) => Effect.suspend(() => (seen(s), db.run(s))),
    stream: (s) => (seen(s), db.stream(s)),
    submit: (s) => Effect.suspend(() => (seen(s), db.submit(s)))
  }
  // reads asked for at once (SQLite) are counted too
  if (ReadNow in db) {
    const now = (db as Database & CanReadNow)[ReadNow]
    ;(wrapped as { [ReadNow]: CanReadNow[typeof ReadNow] })[ReadNow] = (fiber, s, one) => (seen(s), now(fiber, s, one))
  }
  return wrapped
}

/** A database layer whose statements are recorded (in `Statements`), with a query cache over it. */
export const cachedLayer = (
  base: Layer.Layer<Database | SqlClient.SqlClient, DatabaseError>,
  options?: QueryCache.Options
) => {
  const counted = Layer.effectContext(Effect.gen(function*() {
    const db = yield* Database
    const sql = yield* SqlClient.SqlClient
    const log: Array<string> = []
    return Context.make(Database, wrap(db, log)).pipe(Context.add(SqlClient.SqlClient, sql), Context.add(Statements, { sql: log }))
  })).pipe(Layer.provide(base))
  return QueryCache.layer(options).pipe(Layer.provideMerge(counted))
}

/** How many statements `effect` ran. */
export const counted = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, number], E, R | Statements> =>
  Effect.flatMap(Statements, (s) => {
    const before = s.sql.length
    return Effect.map(effect, (a) => [a, s.sql.length - before] as const)
  })

/** The statements `effect` ran. */
export const recorded = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, Array<string>], E, R | Statements> =>
  Effect.flatMap(Statements, (s) => {
    const before = s.sql.length
    return Effect.map(effect, (a) => [a, s.sql.slice(before)] as const)
  })

/** A counter's current value. */
export const valueOf = (counter: Metric.Metric.Counter<number>) => Effect.map(Metric.value(counter), (s) => s.count)

/** Fresh tables, a cache emptied, and a small world: two authors, three books, reviews and labels. */
export const seed = Effect.gen(function*() {
  yield* Ddl.dropAll(tables)
  yield* Ddl.createAll(tables)
  yield* QueryCache.invalidateAll
  const [ann, bob] = yield* Query.all(Query.insertMany(Authors, [{ name: "Ann" }, { name: "Bob" }]).pipe(Query.returning()))
  const [dune, emma, faust] = yield* Query.all(Query.insertMany(Books, [
    { authorId: ann.id, title: "Dune", pages: 412 },
    { authorId: ann.id, title: "Emma", pages: 300 },
    { authorId: bob.id, title: "Faust", pages: 158 }
  ]).pipe(Query.returning()))
  yield* Query.run(Query.insertMany(Reviews, [{ bookId: dune.id, stars: 5 }, { bookId: faust.id, stars: 3 }]))
  const [classic, modern] = yield* Query.all(
    Query.insertMany(Labels, [{ name: "classic" }, { name: "modern" }]).pipe(Query.returning())
  )
  yield* Query.run(Query.insertMany(BookLabels, [{ bookId: dune.id, labelId: modern.id }, { bookId: faust.id, labelId: classic.id }]))
  return { ann, bob, dune, emma, faust, classic, modern }
})
