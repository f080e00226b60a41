/**
 * Quarry in the benchmark: the same tables as Quarry models, its layers
 * opened with the same settings as the peers (verified through the writer
 * connection), and subject builders that run a whole batch inside one
 * `runPromise` — the same treatment as `@effect/sql`.
 */
import { Model } from "@effect/sql"
import { Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import * as QueryCache from "../../src/cache/QueryCache.js"
import * as Database from "../../src/layers/Database.js"
import * as Mysql from "../../src/layers/Mysql.js"
import * as Postgres from "../../src/layers/Postgres.js"
import * as Sqlite from "../../src/layers/Sqlite.js"
import * as Table from "../../src/schema/Table.js"
import type { Synchronous } from "../data/sqlite.js"
import type { Subject } from "../harness.js"
import type { Entry, ServerEnv, SqliteEnv } from "../workload.js"
import { effectSubject } from "./entries.js"
import { checkPragmas } from "./sqlite.js"

export class User extends Model.Class<User>("User")({
  id: Schema.Int,
  email: Schema.String,
  name: Schema.String,
  age: Schema.Int,
  score: Schema.Number
}) {}
export const Users = Table.make(User, { name: "users" })

export class Post extends Model.Class<Post>("Post")({
  id: Schema.Int,
  userId: Schema.Int,
  title: Schema.String,
  score: Schema.Int,
  createdAt: Schema.Int
}) {}
export const Posts = Table.make(Post, { name: "posts" })

export class Event extends Model.Class<Event>("Event")({
  id: Model.Generated(Schema.Int),
  kind: Schema.String,
  payload: Schema.String,
  amount: Schema.Int,
  createdAt: Schema.Int
}) {}
export const Events = Table.make(Event, { name: "events" })

export class Big extends Model.Class<Big>("Big")({
  id: Schema.Int,
  a: Schema.Int,
  b: Schema.String,
  c: Schema.Number
}) {}
export const Bigs = Table.make(Big, { name: "big" })

/** An event row in the shape of Quarry's model (camelCase fields, snake_case columns). */
export const eventInsert = (e: { kind: string; payload: string; amount: number; created_at: number }) => ({
  kind: e.kind,
  payload: e.payload,
  amount: e.amount,
  createdAt: e.created_at
})

type Runtime = ManagedRuntime.ManagedRuntime<Database.Database, unknown>

/**
 * Quarry's SQLite layer on `file`, with the workload's synchronous level, verified on the writer connection;
 * with `cache`, a `QueryCache` over it.
 */
export const openQuarrySqlite = async (
  file: string,
  sync: Synchronous,
  cache?: QueryCache.Options
): Promise<Runtime> => {
  const database = Sqlite.layer({ filename: file, synchronous: sync === "FULL" ? "full" : "normal" })
  const runtime = ManagedRuntime.make(
    cache === undefined ? database : QueryCache.layer(cache).pipe(Layer.provideMerge(database))
  ) as Runtime
  // Inside a transaction every statement runs on the writer connection.
  const [journal, synchronous, foreignKeys] = await runtime.runPromise(
    Database.transaction(
      Effect.all([
        Database.all({ sql: "PRAGMA journal_mode", params: [] }),
        Database.all({ sql: "PRAGMA synchronous", params: [] }),
        Database.all({ sql: "PRAGMA foreign_keys", params: [] })
      ])
    )
  )
  checkPragmas(journal[0]?.journal_mode, synchronous[0]?.synchronous, foreignKeys[0]?.foreign_keys, sync, "quarry")
  return runtime
}

const openServer = (layer: (options: { url: Redacted.Redacted; maxConnections: number }) => Layer.Layer<Database.Database, unknown>) =>
async (url: string, pool: number, cache?: QueryCache.Options): Promise<Runtime> => {
  const database = layer({ url: Redacted.make(url), maxConnections: pool })
  const runtime: Runtime = ManagedRuntime.make(
    cache === undefined ? database : QueryCache.layer(cache).pipe(Layer.provideMerge(database))
  ) as Runtime
  await runtime.runPromise(Database.Database)
  return runtime
}

interface CacheOptions {
  readonly note?: string
  /** Open a `QueryCache` over the database. */
  readonly cache?: QueryCache.Options
  /** Operations run (untimed) when the subject opens: a cache filled before the warm-up. */
  readonly prime?: number
}

const primed = async (subject: Subject, options: CacheOptions | undefined): Promise<Subject> => {
  if (options?.prime !== undefined) await subject.run(options.prime, 0)
  return subject
}

export const openQuarryPg = openServer(Postgres.layer)
export const openQuarryMysql = openServer(Mysql.layer)

type Op<E> = (i: number) => Effect.Effect<number, E, Database.Database>

export const quarrySqlite = <E>(
  make: () => Op<E>,
  options?: CacheOptions
): Entry<SqliteEnv> => ({
  ...(options?.note === undefined ? {} : { note: options.note }),
  open: async ({ file, sync }) => primed(effectSubject(await openQuarrySqlite(file, sync, options?.cache), make()), options)
})

/** Quarry on a database server, its layer opened by `open`. */
const quarryOn = (open: (url: string, pool: number, cache?: QueryCache.Options) => Promise<Runtime>) =>
<E>(make: () => Op<E>, options?: CacheOptions): Entry<ServerEnv> => ({
  ...(options?.note === undefined ? {} : { note: options.note }),
  open: async ({ url, pool }) => primed(effectSubject(await open(url, pool, options?.cache), make()), options)
})

export const quarryPg = quarryOn(openQuarryPg)
export const quarryMysql = quarryOn(openQuarryMysql)
