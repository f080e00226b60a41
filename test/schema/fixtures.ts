/** A model set that uses every column feature, shared by the schema tests. */
import { Model } from "@effect/sql"
import { Schema } from "effect"
import * as Column from "../../src/schema/Column.js"
import * as Table from "../../src/schema/Table.js"

export class Author extends Model.Class<Author>("Author")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(120), Schema.pattern(/^[^@\s]+@[^@\s]+$/)),
  displayName: Schema.String,
  role: Schema.Literal("admin", "editor", "reader"),
  active: Schema.Boolean,
  karma: Schema.Int.pipe(Schema.greaterThanOrEqualTo(0))
}) {}

export const Authors = Table.make(Author, {
  name: "authors",
  columns: {
    email: { unique: true },
    active: { default: true },
    karma: { default: 0, check: (q) => `${q("karma")} >= 0` },
    displayName: { index: true }
  }
})

/** Points stored as "x,y" text: a custom type with a declared SQL type. */
export const Point = Schema.transform(Schema.String, Schema.Tuple(Schema.Number, Schema.Number), {
  strict: true,
  decode: (s) => {
    const [x, y] = s.split(",").map(Number)
    return [x, y] as const
  },
  encode: ([x, y]) => `${x},${y}`
}).pipe(Column.sqlType({ sqlite: "TEXT", postgres: "text", mysql: "VARCHAR(64)" }))

export class Post extends Model.Class<Post>("Post")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  editorId: Schema.NullOr(Schema.Int),
  slug: Schema.String.pipe(Schema.maxLength(80)),
  title: Schema.String,
  body: Schema.NullOr(Schema.String),
  views: Schema.BigInt,
  rating: Schema.Number,
  price: Column.Decimal(30, 10),
  publishedAt: Schema.NullOr(Schema.Date),
  meta: Column.Json(Schema.Struct({ tags: Schema.Array(Schema.String), extra: Schema.optional(Schema.Unknown) })),
  externalId: Schema.UUID,
  location: Point,
  createdAt: Model.DateTimeInsertFromDate
}) {}

export const Posts = Table.make(Post, {
  name: "posts",
  columns: {
    authorId: { references: { table: () => Authors, onDelete: "cascade" } },
    editorId: { references: { table: () => Authors, onDelete: "set null" } },
    views: { default: 0 },
    title: { default: "untitled" }
  },
  unique: [["authorId", "slug"]],
  indexes: [{ fields: ["publishedAt", "rating"], name: "posts_published_rating_idx" }],
  checks: [{ name: "posts_rating_range", sql: (q) => `${q("rating")} >= 0 AND ${q("rating")} <= 5` }]
})

/** A join table with a composite primary key and its own column. */
export class PostTag extends Model.Class<PostTag>("PostTag")({
  postId: Schema.Int,
  tag: Schema.String.pipe(Schema.maxLength(40)),
  weight: Schema.Number
}) {}

export const PostTags = Table.make(PostTag, {
  name: "post_tags",
  primaryKey: ["postId", "tag"],
  columns: { postId: { references: { table: () => Posts, onDelete: "cascade", onUpdate: "cascade" } } }
})

export const all = [PostTags, Posts, Authors] as const
