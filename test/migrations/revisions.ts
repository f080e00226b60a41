/**
 * Ten revisions of one small model, each a change the migrations must carry
 * to a database holding rows: add table, add column with default, rename
 * column, widen a type, make nullable, make NOT NULL with a default, add
 * index, add foreign key, drop column, drop table.
 */
import { Model } from "@effect/sql"
import { Schema } from "effect"
import type * as Diff from "../../src/migrations/Diff.js"
import * as Table from "../../src/schema/Table.js"

class Book extends Model.Class<Book>("Book")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String.pipe(Schema.maxLength(100))
}) {}
const Books = Table.make(Book, { name: "books" })

class A1 extends Model.Class<A1>("A1")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.Int
}) {}

class A2 extends Model.Class<A2>("A2")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.Int,
  active: Schema.Boolean
}) {}

class A3 extends Model.Class<A3>("A3")({
  id: Model.Generated(Schema.Int),
  fullName: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.Int,
  active: Schema.Boolean
}) {}

class A4 extends Model.Class<A4>("A4")({
  id: Model.Generated(Schema.Int),
  fullName: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.BigInt,
  active: Schema.Boolean
}) {}

class A5 extends Model.Class<A5>("A5")({
  id: Model.Generated(Schema.Int),
  fullName: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.NullOr(Schema.BigInt),
  active: Schema.Boolean
}) {}

class A9 extends Model.Class<A9>("A9")({
  id: Model.Generated(Schema.Int),
  fullName: Schema.String.pipe(Schema.maxLength(50)),
  score: Schema.BigInt
}) {}

const active = { active: { default: true } } as const

export const Authors1 = Table.make(A1, { name: "authors" })
export const Authors2 = Table.make(A2, { name: "authors", columns: active })
export const Authors3 = Table.make(A3, { name: "authors", columns: active })
export const Authors4 = Table.make(A4, { name: "authors", columns: active })
export const Authors5 = Table.make(A5, { name: "authors", columns: active })
export const Authors6 = Table.make(A4, { name: "authors", columns: { ...active, score: { default: 0 } } })
export const Authors7 = Table.make(A4, {
  name: "authors",
  columns: { ...active, score: { default: 0 } },
  indexes: [{ fields: ["fullName"] }]
})
export const Authors9 = Table.make(A9, {
  name: "authors",
  columns: { score: { default: 0 } },
  indexes: [{ fields: ["fullName"] }]
})

export const BooksLinked = Table.make(Book, {
  name: "books",
  columns: { authorId: { references: { table: () => Authors7, onDelete: "cascade" } } }
})
const BooksLinked9 = Table.make(Book, {
  name: "books",
  columns: { authorId: { references: { table: () => Authors9, onDelete: "cascade" } } }
})

export interface Revision {
  readonly name: string
  readonly tables: ReadonlyArray<Table.Any>
  readonly hints?: Diff.Hints
  /** The `authors` model of this revision (rows are read with it). */
  readonly authors: Table.Any
}

export const revisions: ReadonlyArray<Revision> = [
  { name: "add tables", tables: [Authors1, Books], authors: Authors1 },
  { name: "add active", tables: [Authors2, Books], authors: Authors2 },
  {
    name: "rename name",
    tables: [Authors3, Books],
    authors: Authors3,
    hints: { columns: [{ table: "authors", from: "name", to: "full_name" }] }
  },
  { name: "widen score", tables: [Authors4, Books], authors: Authors4 },
  { name: "score nullable", tables: [Authors5, Books], authors: Authors5 },
  { name: "score not null", tables: [Authors6, Books], authors: Authors6 },
  { name: "index full name", tables: [Authors7, Books], authors: Authors7 },
  { name: "books reference authors", tables: [Authors7, BooksLinked], authors: Authors7 },
  { name: "drop active", tables: [Authors9, BooksLinked9], authors: Authors9 },
  { name: "drop books", tables: [Authors9], authors: Authors9 }
]

export { Books }

/** Revision 7 with `score` nullable again: on SQLite a rebuild of a parent table with children. */
export const Authors7Nullable = Table.make(A5, {
  name: "authors",
  columns: active,
  indexes: [{ fields: ["fullName"] }]
})
