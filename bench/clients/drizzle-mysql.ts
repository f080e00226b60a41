/**
 * The benchmark tables for Drizzle (MySQL / MariaDB).
 */
import { double, int, mysqlTable, varchar } from "drizzle-orm/mysql-core"

export const users = mysqlTable("users", {
  id: int("id").primaryKey(),
  email: varchar("email", { length: 255 }).notNull(),
  name: varchar("name", { length: 255 }).notNull(),
  age: int("age").notNull(),
  score: double("score").notNull()
})

export const schema = { users }
