/**
 * The benchmark tables as Kysely sees them (same on SQLite and PostgreSQL).
 */
import type { Generated } from "kysely"

export interface KyselyDatabase {
  users: { id: number; email: string; name: string; age: number; score: number }
  posts: { id: number; user_id: number; title: string; score: number; created_at: number }
  events: { id: Generated<number>; kind: string; payload: string; amount: number; created_at: number }
  big: { id: number; a: number; b: string; c: number }
}
