/**
 * The benchmark tables for Drizzle (SQLite), with the users → posts relation
 * its relational query API (`with`) needs.
 */
import { relations } from "drizzle-orm"
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core"

export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  age: integer("age").notNull(),
  score: real("score").notNull()
})

export const posts = sqliteTable("posts", {
  id: integer("id").primaryKey(),
  user_id: integer("user_id").notNull(),
  title: text("title").notNull(),
  score: integer("score").notNull(),
  created_at: integer("created_at").notNull()
})

export const events = sqliteTable("events", {
  id: integer("id").primaryKey(),
  kind: text("kind").notNull(),
  payload: text("payload").notNull(),
  amount: integer("amount").notNull(),
  created_at: integer("created_at").notNull()
})

export const big = sqliteTable("big", {
  id: integer("id").primaryKey(),
  a: integer("a").notNull(),
  b: text("b").notNull(),
  c: real("c").notNull()
})

export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
export const postsRelations = relations(posts, ({ one }) => ({
  user: one(users, { fields: [posts.user_id], references: [users.id] })
}))

export const schema = { users, posts, events, big, usersRelations, postsRelations }
