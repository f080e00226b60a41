/**
 * The MySQL / MariaDB benchmark databases, on the test server (started or
 * reused the way the tests do it, never stopped): `quarry_bench` with the
 * same tables and rows as the SQLite files and PostgreSQL, and
 * `quarry_bench_tpcb` with pgbench's TPC-B schema rebuilt for MariaDB
 * (there is no pgbench for MySQL).
 */
import mysql from "mysql2/promise"
import { createDatabase, ensureMariadb } from "../../test/support/servers.js"
import { chunks, post, POSTS, STREAM_ROWS, user, USERS } from "./dataset.js"

export const MYSQL_BENCH_DATABASE = "quarry_bench"
export const MYSQL_TPCB_DATABASE = "quarry_bench_tpcb"

const SCHEMA = [
  `CREATE TABLE users (
    id int PRIMARY KEY,
    email varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    age int NOT NULL,
    score double NOT NULL,
    INDEX users_age (age, id)
  )`,
  `CREATE TABLE posts (
    id int PRIMARY KEY,
    user_id int NOT NULL,
    title varchar(255) NOT NULL,
    score int NOT NULL,
    created_at int NOT NULL,
    INDEX posts_user_id (user_id),
    FOREIGN KEY (user_id) REFERENCES users (id)
  )`,
  `CREATE TABLE events (
    id int AUTO_INCREMENT PRIMARY KEY,
    kind varchar(64) NOT NULL,
    payload varchar(255) NOT NULL,
    amount int NOT NULL,
    created_at int NOT NULL
  )`,
  `CREATE TABLE big (
    id int PRIMARY KEY,
    a int NOT NULL,
    b varchar(32) NOT NULL,
    c double NOT NULL
  )`
]

const LOAD_CHUNK = 10_000

/** Insert rows with mysql2's `VALUES ?` bulk form, `LOAD_CHUNK` rows per statement. */
const load = async <R extends Record<string, unknown>>(
  conn: mysql.Connection,
  table: string,
  columns: ReadonlyArray<keyof R & string>,
  rows: ReadonlyArray<R>
) => {
  for (const chunk of chunks([...rows], LOAD_CHUNK)) {
    await conn.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ?`, [chunk.map((r) => columns.map((c) => r[c]))])
  }
}

/** Run `f` on a short-lived connection to `url`. */
export const withConnection = async <A>(url: string, f: (conn: mysql.Connection) => Promise<A>): Promise<A> => {
  const conn = await mysql.createConnection({ uri: url })
  conn.on("error", () => {})
  try {
    return await f(conn)
  } finally {
    await conn.end()
  }
}

export interface MysqlDatabases {
  readonly url: string
  readonly version: string
  /** `innodb_flush_log_at_trx_commit` (1: every commit is flushed to disk). */
  readonly flushAtCommit: string
}

/** Create and fill `quarry_bench`; the 1M-row `big` table only when the stream workload runs. */
export const prepareMysql = async (options: { readonly big: boolean }): Promise<MysqlDatabases> => {
  await ensureMariadb()
  const url = await createDatabase("mysql", MYSQL_BENCH_DATABASE)
  return withConnection(url, async (conn) => {
    for (const statement of SCHEMA) await conn.query(statement)
    await load(conn, "users", ["id", "email", "name", "age", "score"], Array.from({ length: USERS }, (_, k) => user(k + 1)))
    await load(conn, "posts", ["id", "user_id", "title", "score", "created_at"], Array.from({ length: POSTS }, (_, k) => post(k + 1)))
    if (options.big) {
      // Generated on the server (MariaDB's SEQUENCE engine): the same values as `bigRow`.
      await conn.query(
        `INSERT INTO big (id, a, b, c) SELECT seq, seq % 1000, CONCAT('row ', seq), seq / 4 FROM seq_1_to_${STREAM_ROWS}`
      )
    }
    await conn.query("ANALYZE TABLE users, posts, events, big")
    const [rows] = await conn.query<Array<mysql.RowDataPacket>>(
      "SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS flush"
    )
    return { url, version: String(rows[0].version), flushAtCommit: String(rows[0].flush) }
  })
}

/** A fresh database for the TPC-B schema. */
export const prepareMysqlTpcbDatabase = (): Promise<string> => createDatabase("mysql", MYSQL_TPCB_DATABASE)
