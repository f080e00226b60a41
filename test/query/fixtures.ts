/** Models shared by the query tests. */
import { Model } from "@effect/sql"
import { Schema } from "effect"
import * as Table from "../../src/schema/Table.js"

export class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(200)),
  email: Schema.String.pipe(Schema.maxLength(200)),
  age: Schema.NullOr(Schema.Int),
  active: Schema.Boolean,
  createdAt: Schema.Date
}) {}

export const Users = Table.make(User, { name: "users", columns: { email: { unique: true } } })

export class Post extends Model.Class<Post>("Post")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String,
  views: Schema.BigInt,
  publishedAt: Schema.NullOr(Schema.Date)
}) {}

export const Posts = Table.make(Post, {
  name: "posts",
  columns: { authorId: { references: () => Users, index: true } }
})

/** A composite primary key, no auto-increment. */
export class Tag extends Model.Class<Tag>("Tag")({
  postId: Schema.Int,
  tag: Schema.String.pipe(Schema.maxLength(40)),
  weight: Schema.Number
}) {}

export const Tags = Table.make(Tag, { name: "tags", primaryKey: ["postId", "tag"] })

/** A natural (text) primary key plus another unique key. */
export class Account extends Model.Class<Account>("Account")({
  code: Schema.String.pipe(Schema.maxLength(40)),
  email: Schema.String.pipe(Schema.maxLength(200))
}) {}

export const Accounts = Table.make(Account, { name: "accounts", primaryKey: "code", columns: { email: { unique: true } } })

export const tables = [Users, Posts, Tags, Accounts] as const

export const newUser = (name: string, overrides: Partial<{ email: string; age: number | null; active: boolean; createdAt: Date }> = {}) => ({
  name,
  email: overrides.email ?? `${name.toLowerCase()}@example.com`,
  age: overrides.age === undefined ? 30 : overrides.age,
  active: overrides.active ?? true,
  createdAt: overrides.createdAt ?? new Date("2024-01-02T03:04:05.678Z")
})

/** An optional field with a SQL default: inserts set it or leave it to the database. */
export class Note extends Model.Class<Note>("Note")({
  id: Model.Generated(Schema.Int),
  body: Schema.String,
  color: Schema.optional(Schema.String.pipe(Schema.maxLength(20)))
}) {}

export const Notes = Table.make(Note, { name: "notes", columns: { color: { default: "red" } } })
