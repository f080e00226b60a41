/**
 * The tables of the HTTP example: users and their posts. The schemas hold
 * every rule a value must follow; a request that breaks one fails with
 * Quarry's `ValidationError` before any SQL runs (a 400 in `handlers.ts`).
 */
import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Relation, Repository, Table } from "effect-quarry"

export class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(
    Schema.maxLength(255),
    Schema.pattern(/^[^@\s]+@[^@\s]+$/, { message: () => "must be an email address" })
  ),
  name: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }), Schema.maxLength(100)),
  age: Schema.NullOr(Schema.Int.pipe(Schema.between(0, 150, { message: () => "must be between 0 and 150" }))),
  createdAt: Model.DateTimeInsertFromDate
}) {}

export const Users = Table.make(User, {
  name: "http_users",
  columns: { email: { unique: true } },
  indexes: [{ fields: ["name"] }]
})

export class Post extends Model.Class<Post>("Post")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }), Schema.maxLength(200)),
  body: Schema.String,
  published: Schema.Boolean
}) {}

export const Posts = Table.make(Post, {
  name: "http_posts",
  columns: { authorId: { references: { table: () => Users, onDelete: "cascade" } } },
  indexes: [{ fields: ["authorId"] }]
})

/** The relations the handlers prefetch. */
export const UserRel = Relation.define(Users, {
  posts: Relation.hasMany(() => Posts, { foreignKey: "authorId" })
})

/** Repositories: Django's manager API, every failure typed. */
export const users = Repository.make(Users)
export const posts = Repository.make(Posts)

/** Every table of the example, for `Ddl.createAll` at start-up. */
export const tables = [Users, Posts] as const
