/**
 * Opening the PostgreSQL peers with the same pool size.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { ManagedRuntime, Redacted } from "effect"
import pg from "pg"

export const openPool = (url: string, size: number): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max: size })
  pool.on("error", () => {})
  return pool
}

/** An `@effect/sql-pg` client behind a runtime built once per subject. */
export const openEffectPg = async (url: string, size: number) => {
  const runtime = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url), maxConnections: size }))
  const sql = await runtime.runPromise(SqlClient.SqlClient)
  return { runtime, sql }
}
