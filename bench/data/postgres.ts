/**
 * The PostgreSQL benchmark databases: `quarry_bench` with the same tables and
 * rows as the SQLite files (loaded once per run), and `quarry_bench_tpcb`
 * initialised by `pgbench -i`.
 */
import pg from "pg"
import { createDatabase, ensurePostgres } from "../../test/support/servers.js"
import { post, POSTS, STREAM_ROWS, user, USERS } from "./dataset.js"

export const BENCH_DATABASE = "quarry_bench"
export const TPCB_DATABASE = "quarry_bench_tpcb"

const SCHEMA = [
  `CREATE TABLE users (
    id integer PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    age integer NOT NULL,
    score double precision NOT NULL
  )`,
  "CREATE INDEX users_age ON users (age, id)",
  `CREATE TABLE posts (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    title text NOT NULL,
    score integer NOT NULL,
    created_at integer NOT NULL
  )`,
  "CREATE INDEX posts_user_id ON posts (user_id)",
  `CREATE TABLE events (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    payload text NOT NULL,
    amount integer NOT NULL,
    created_at integer NOT NULL
  )`,
  `CREATE TABLE big (
    id integer PRIMARY KEY,
    a integer NOT NULL,
    b text NOT NULL,
    c double precision NOT NULL
  )`
]

/** Insert column arrays in one statement (`unnest`), 10k–100k rows at a time. */
const load = async <R extends Record<string, unknown>>(
  client: pg.Client,
  table: string,
  types: Record<keyof R & string, string>,
  rows: ReadonlyArray<R>
) => {
  const columns = Object.keys(types)
  const arrays = columns.map((c) => rows.map((r) => r[c]))
  const unnest = columns.map((c, k) => `$${k + 1}::${types[c as keyof R & string]}[]`).join(", ")
  await client.query(`INSERT INTO ${table} (${columns.join(", ")}) SELECT * FROM unnest(${unnest})`, arrays)
}

export interface PgDatabases {
  readonly url: string
  readonly adminUrl: string
  readonly version: string
}

/** Create and fill `quarry_bench`; the 1M-row `big` table only when the stream workload runs. */
export const preparePostgres = async (options: { readonly big: boolean }): Promise<PgDatabases> => {
  const adminUrl = await ensurePostgres()
  const url = await createDatabase("postgres", BENCH_DATABASE)
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => {})
  await client.connect()
  try {
    for (const statement of SCHEMA) await client.query(statement)
    const users = Array.from({ length: USERS }, (_, k) => user(k + 1))
    await load(client, "users", { id: "int4", email: "text", name: "text", age: "int4", score: "float8" }, users)
    const posts = Array.from({ length: POSTS }, (_, k) => post(k + 1))
    await load(client, "posts", { id: "int4", user_id: "int4", title: "text", score: "int4", created_at: "int4" }, posts)
    if (options.big) {
      // Generated on the server: the same values as `bigRow` (a = id % 1000, b = 'row ' || id, c = id / 4).
      await client.query(
        "INSERT INTO big (id, a, b, c) SELECT g, g % 1000, 'row ' || g, g / 4.0 FROM generate_series(1, $1::int) AS g",
        [STREAM_ROWS]
      )
    }
    await client.query("VACUUM ANALYZE")
    const version = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version
    return { url, adminUrl, version }
  } finally {
    await client.end()
  }
}

/** A fresh database for pgbench's schema. */
export const prepareTpcbDatabase = (): Promise<string> => createDatabase("postgres", TPCB_DATABASE)

/** Run statements on a short-lived connection. */
export const execute = async (url: string, statements: ReadonlyArray<string>): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => {})
  await client.connect()
  try {
    for (const statement of statements) await client.query(statement)
  } finally {
    await client.end()
  }
}
