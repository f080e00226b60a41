/** Models and relations shared by the relation tests: authors, profiles, posts, comments, tags. */
import { Model } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { Database, type Statement } from "../../src/layers/Database.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Table from "../../src/schema/Table.js"

export class Author extends Model.Class<Author>("Author")({
  id: Model.Generated(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(100)),
  age: Schema.Int
}) {}
export const Authors = Table.make(Author, { name: "rel_authors" })

export class Profile extends Model.Class<Profile>("Profile")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  bio: Schema.String
}) {}
export const Profiles = Table.make(Profile, {
  name: "rel_profiles",
  columns: { authorId: { unique: true, references: { table: () => Authors, onDelete: "cascade" } } }
})

export class Post extends Model.Class<Post>("Post")({
  id: Model.Generated(Schema.Int),
  authorId: Schema.Int,
  editorId: Schema.NullOr(Schema.Int),
  title: Schema.String.pipe(Schema.maxLength(200)),
  published: Schema.Boolean,
  rank: Schema.Int
}) {}
export const Posts = Table.make(Post, {
  name: "rel_posts",
  columns: {
    authorId: { index: true, references: { table: () => Authors, onDelete: "cascade" } },
    editorId: { references: { table: () => Authors, onDelete: "set null" } }
  }
})

export class Comment extends Model.Class<Comment>("Comment")({
  id: Model.Generated(Schema.Int),
  postId: Schema.Int,
  body: Schema.String
}) {}
export const Comments = Table.make(Comment, {
  name: "rel_comments",
  columns: { postId: { index: true, references: { table: () => Posts, onDelete: "cascade" } } }
})

export class Tag extends Model.Class<Tag>("Tag")({
  id: Model.Generated(Schema.Int),
  label: Schema.String.pipe(Schema.maxLength(50))
}) {}
export const Tags = Table.make(Tag, { name: "rel_tags", columns: { label: { unique: true } } })

/** The join table carries a column of its own. */
export class PostTag extends Model.Class<PostTag>("PostTag")({
  postId: Schema.Int,
  tagId: Schema.Int,
  addedBy: Schema.String.pipe(Schema.maxLength(50))
}) {}
export const PostTags = Table.make(PostTag, {
  name: "rel_post_tags",
  primaryKey: ["postId", "tagId"],
  columns: {
    postId: { references: { table: () => Posts, onDelete: "cascade" } },
    tagId: { references: { table: () => Tags, onDelete: "restrict" } }
  }
})

export const tables = [Authors, Profiles, Posts, Comments, Tags, PostTags]

export const AuthorRel = Relation.define(Authors, {
  posts: Relation.hasMany(() => Posts, { foreignKey: "authorId" }),
  edited: Relation.hasMany(() => Posts, { foreignKey: "editorId" }),
  profile: Relation.hasOne(() => Profiles, { foreignKey: "authorId" })
})

export const PostRel = Relation.define(Posts, {
  author: Relation.belongsTo(() => Authors, { foreignKey: "authorId" }),
  editor: Relation.belongsTo(() => Authors, { foreignKey: "editorId" }),
  comments: Relation.hasMany(() => Comments),
  tags: Relation.manyToMany(() => Tags, { through: () => PostTags, from: "postId", to: "tagId" })
})

export const TagRel = Relation.define(Tags, {
  posts: Relation.manyToMany(() => Posts, { through: () => PostTags })
})

export const CommentRel = Relation.define(Comments, {
  post: Relation.belongsTo(() => Posts, { foreignKey: "postId" })
})

/** What the counting layer saw. */
export interface Counter {
  statements: Array<string>
  /** Override the dialect's bind limit (to exercise chunking). */
  maxParams: number | undefined
}

export const makeCounter = (): Counter => ({ statements: [], maxParams: undefined })

/** The current Database, wrapped so that every statement it runs is recorded. */
export const counting = (counter: Counter) =>
  Layer.effect(
    Database,
    Effect.map(Database, (db): Database => {
      const record = (s: Statement) => {
        counter.statements.push(s.sql)
      }
      return {
        ...db,
        get dialect() {
          return counter.maxParams === undefined ? db.dialect : { ...db.dialect, maxParams: counter.maxParams }
        },
        all: (s) => Effect.suspend(() => (record(s), db.all(s))),
        run: (s) => Effect.suspend(() => (record(s), db.run(s))),
        stream: (s) => (record(s), db.stream(s)),
        submit: (s) => Effect.suspend(() => (record(s), db.submit(s)))
      }
    })
  )
