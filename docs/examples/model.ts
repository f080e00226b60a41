/**
 * The models the guides and JSDoc examples use: users and their posts.
 * (Examples that name `User`, `Users`, `Post` or `Posts` without declaring
 * them get these.)
 */
import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Table } from "effect-quarry"

export class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(255)),
  name: Schema.String,
  age: Schema.NullOr(Schema.Int),
  createdAt: Model.DateTimeInsertFromDate
}) {}

export const Users = Table.make(User, {
  name: "users",
  columns: { email: { unique: true } },
  indexes: [{ fields: ["name"] }]
})

export class Post extends Model.Class<Post>("Post")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  title: Schema.String,
  published: Schema.Boolean
}) {}

export const Posts = Table.make(Post, {
  name: "posts",
  columns: { authorId: { references: { table: () => Users, onDelete: "cascade" } } }
})
