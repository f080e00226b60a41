/**
 * SQLite files for the benchmark. A template file per dataset is built once
 * per run with raw better-sqlite3; every library gets its own byte-for-byte
 * copy per workload, so schema and data are identical and no library reads
 * pages another one has warmed or dirtied.
 */
import Database from "better-sqlite3"
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bigRow, post, POSTS, STREAM_ROWS, user, USERS } from "./dataset.js"

export type SqliteDataset = "base" | "big"
export type Synchronous = "NORMAL" | "FULL"

/** Settings applied to every library's connection (and verified after opening). */
export const JOURNAL_MODE = "wal"

export const SCHEMA = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  age INTEGER NOT NULL,
  score REAL NOT NULL
);
CREATE INDEX users_age ON users (age);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  title TEXT NOT NULL,
  score INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX posts_user_id ON posts (user_id);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  amount INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
`

export const BIG_SCHEMA = `
CREATE TABLE big (
  id INTEGER PRIMARY KEY,
  a INTEGER NOT NULL,
  b TEXT NOT NULL,
  c REAL NOT NULL
);
`

let dir: string | undefined
const templates = new Map<SqliteDataset, string>()
let copies = 0

/** The scratch directory of this run (under os.tmpdir()). */
export const scratch = (): string => (dir ??= mkdtempSync(path.join(os.tmpdir(), "quarry-bench-")))

const build = (dataset: SqliteDataset): string => {
  const file = path.join(scratch(), `template-${dataset}.db`)
  const db = new Database(file)
  db.pragma(`journal_mode = ${JOURNAL_MODE}`)
  db.pragma("synchronous = OFF")
  if (dataset === "base") {
    db.exec(SCHEMA)
    const insertUser = db.prepare("INSERT INTO users (id, email, name, age, score) VALUES (?, ?, ?, ?, ?)")
    const insertPost = db.prepare("INSERT INTO posts (id, user_id, title, score, created_at) VALUES (?, ?, ?, ?, ?)")
    db.transaction(() => {
      for (let id = 1; id <= USERS; id++) {
        const u = user(id)
        insertUser.run(u.id, u.email, u.name, u.age, u.score)
      }
      for (let id = 1; id <= POSTS; id++) {
        const p = post(id)
        insertPost.run(p.id, p.user_id, p.title, p.score, p.created_at)
      }
    })()
  } else {
    db.exec(BIG_SCHEMA)
    const insert = db.prepare("INSERT INTO big (id, a, b, c) VALUES (?, ?, ?, ?)")
    db.transaction(() => {
      for (let id = 1; id <= STREAM_ROWS; id++) {
        const r = bigRow(id)
        insert.run(r.id, r.a, r.b, r.c)
      }
    })()
  }
  db.exec("ANALYZE")
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
  return file
}

/** A fresh copy of a dataset's template for one library in one workload. */
export const freshFile = (dataset: SqliteDataset, label: string): string => {
  let template = templates.get(dataset)
  if (template === undefined) {
    template = build(dataset)
    templates.set(dataset, template)
  }
  const file = path.join(scratch(), `${String(++copies).padStart(3, "0")}-${label.replace(/[^a-z0-9]+/gi, "_")}.db`)
  copyFileSync(template, file)
  return file
}

/** Delete a copy (and its WAL files) once a library is done with it. */
export const removeFile = (file: string): void => {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true })
}

/** Remove the scratch directory. */
export const cleanup = (): void => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
  templates.clear()
}
