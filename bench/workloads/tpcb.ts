/**
 * pgbench's built-in TPC-B transaction on pgbench's own schema, run by
 * pgbench itself and by each Node library with the same number of clients
 * for the same time. Transactions per second are counted per one-second
 * interval (pgbench: its `-P 1` progress lines); the first interval is
 * ramp-up and dropped, the rest are the samples.
 */
import { spawn } from "node:child_process"
import { Model, type SqlClient } from "@effect/sql"
import { Effect, type ManagedRuntime, Schema } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Prepared from "../../src/query/Prepared.js"
import * as Query from "../../src/query/Query.js"
import * as Table from "../../src/schema/Table.js"
import { openQuarryPg } from "../clients/quarry.js"
import { openEffectPg, openPool } from "../clients/postgres.js"
import { hash } from "../data/dataset.js"
import { PGBENCH } from "../env.js"
import type { PgLibrary } from "../workload.js"

export const TPCB_SCALE = 8
export const TPCB_CLIENTS = 8
export const TPCB_WORK =
  `pgbench's built-in TPC-B script (UPDATE accounts, SELECT balance, UPDATE tellers, UPDATE branches, INSERT history in one transaction), scale ${TPCB_SCALE}, ${TPCB_CLIENTS} clients`

export interface TpcbTarget {
  readonly url: string
  readonly database: string
  readonly clients: number
  readonly seconds: number
}

/** Per-second transaction counts (ramp-up interval already dropped). */
export type TpcbSamples = ReadonlyArray<number>

export type TpcbEntry =
  | { readonly run: (target: TpcbTarget) => Promise<TpcbSamples>; readonly note: string }
  | { readonly notMeasured: string }

/** The parameters of transaction `n` of worker `w`, like pgbench's `random()` calls. */
export const tpcbParams = (w: number, n: number) => {
  const h = (k: number) => hash(w * 1_000_003 + n * 7 + k)
  return {
    aid: 1 + (h(1) % (100_000 * TPCB_SCALE)),
    bid: 1 + (h(2) % TPCB_SCALE),
    tid: 1 + (h(3) % (10 * TPCB_SCALE)),
    delta: (h(4) % 10_001) - 5_000
  }
}

const SQL = {
  account: "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
  balance: "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
  teller: "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
  branch: "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
  history: "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)"
} as const

/** Count completions per second from `start`; drop the first (ramp-up) and the partial last second. */
export const counter = (seconds: number) => {
  const start = performance.now()
  const counts = new Array<number>(seconds + 2).fill(0)
  return {
    deadline: start + seconds * 1000,
    tick: () => {
      const k = Math.floor((performance.now() - start) / 1000)
      if (k < counts.length) counts[k]++
    },
    samples: (): TpcbSamples => counts.slice(1, seconds)
  }
}

/**
 * Effect libraries: every worker runs `transaction` back to back until the deadline, all workers in one
 * `runPromise`; the runtime is disposed afterwards.
 */
export const runWorkers = async <E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  c: ReturnType<typeof counter>,
  clients: number,
  transaction: (w: number, n: number) => Effect.Effect<unknown, E, R>
): Promise<TpcbSamples> => {
  const worker = (w: number) =>
    Effect.gen(function*() {
      for (let n = 0; performance.now() < c.deadline; n++) {
        yield* transaction(w, n)
        c.tick()
      }
    })
  try {
    await runtime.runPromise(
      Effect.forEach(Array.from({ length: clients }, (_, w) => w), worker, {
        concurrency: "unbounded",
        discard: true
      })
    )
  } finally {
    await runtime.dispose()
  }
  return c.samples()
}

const pgbench: TpcbEntry = {
  note: "pgbench `-M prepared -j 2 -n` (tables vacuumed and history emptied before, like its default)",
  run: (target) =>
    new Promise((resolve, reject) => {
      const url = new URL(target.url)
      const child = spawn(
        PGBENCH,
        [
          "-h", url.hostname, "-p", url.port, "-U", decodeURIComponent(url.username),
          "-n", "-M", "prepared", "-c", String(target.clients), "-j", "2",
          "-T", String(target.seconds), "-P", "1", target.database
        ],
        { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }, stdio: ["ignore", "pipe", "pipe"] }
      )
      let out = ""
      child.stdout.on("data", (d: Buffer) => (out += d.toString()))
      child.stderr.on("data", (d: Buffer) => (out += d.toString()))
      child.on("error", reject)
      child.on("close", (code) => {
        if (code !== 0) return reject(new Error(`pgbench exited with ${code}:\n${out.slice(-2000)}`))
        const tps = [...out.matchAll(/progress: [\d.]+ s, ([\d.]+) tps/g)].map((m) => Number(m[1]))
        resolve(tps.slice(1, target.seconds))
      })
    })
}

const pg: TpcbEntry = {
  note: "`pg.Pool`, named (prepared) statements, BEGIN … COMMIT per transaction",
  run: async (target) => {
    const pool = openPool(target.url, target.clients)
    const c = counter(target.seconds)
    const worker = async (w: number) => {
      for (let n = 0; performance.now() < c.deadline; n++) {
        const p = tpcbParams(w, n)
        const client = await pool.connect()
        try {
          await client.query("BEGIN")
          await client.query({ name: "tpcb-account", text: SQL.account, values: [p.delta, p.aid] })
          await client.query({ name: "tpcb-balance", text: SQL.balance, values: [p.aid] })
          await client.query({ name: "tpcb-teller", text: SQL.teller, values: [p.delta, p.tid] })
          await client.query({ name: "tpcb-branch", text: SQL.branch, values: [p.delta, p.bid] })
          await client.query({ name: "tpcb-history", text: SQL.history, values: [p.tid, p.bid, p.aid, p.delta] })
          await client.query("COMMIT")
        } finally {
          client.release()
        }
        c.tick()
      }
    }
    try {
      await Promise.all(Array.from({ length: target.clients }, (_, w) => worker(w)))
    } finally {
      await pool.end()
    }
    return c.samples()
  }
}

/** `@effect/sql` on the client `open` gives: `sql.withTransaction` around the five tagged-template statements. */
export const effectTpcb = (
  open: (url: string, pool: number) => Promise<{ runtime: ManagedRuntime.ManagedRuntime<any, unknown>; sql: SqlClient.SqlClient }>
): TpcbEntry => ({
  note: "`sql.withTransaction` around five tagged-template statements; all workers in one `runPromise`",
  run: async (target) => {
    const { runtime, sql } = await open(target.url, target.clients)
    const c = counter(target.seconds)
    const transaction = (w: number, n: number) => {
      const p = tpcbParams(w, n)
      return sql.withTransaction(Effect.gen(function*() {
        yield* sql`UPDATE pgbench_accounts SET abalance = abalance + ${p.delta} WHERE aid = ${p.aid}`
        yield* sql`SELECT abalance FROM pgbench_accounts WHERE aid = ${p.aid}`
        yield* sql`UPDATE pgbench_tellers SET tbalance = tbalance + ${p.delta} WHERE tid = ${p.tid}`
        yield* sql`UPDATE pgbench_branches SET bbalance = bbalance + ${p.delta} WHERE bid = ${p.bid}`
        yield* sql`INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${p.tid}, ${p.bid}, ${p.aid}, ${p.delta}, CURRENT_TIMESTAMP)`
      }))
    }
    return runWorkers(runtime, c, target.clients, transaction)
  }
})

class Account extends Model.Class<Account>("Account")({ aid: Schema.Int, bid: Schema.Int, abalance: Schema.Int }) {}
const Accounts = Table.make(Account, { name: "pgbench_accounts", primaryKey: "aid" })
class Teller extends Model.Class<Teller>("Teller")({ tid: Schema.Int, bid: Schema.Int, tbalance: Schema.Int }) {}
const Tellers = Table.make(Teller, { name: "pgbench_tellers", primaryKey: "tid" })
class Branch extends Model.Class<Branch>("Branch")({ bid: Schema.Int, bbalance: Schema.Int }) {}
const Branches = Table.make(Branch, { name: "pgbench_branches", primaryKey: "bid" })
class History extends Model.Class<History>("History")({
  tid: Schema.Int,
  bid: Schema.Int,
  aid: Schema.Int,
  delta: Schema.Int,
  mtime: Schema.Date
}) {}
const Histories = Table.make(History, { name: "pgbench_history" })

/** Quarry on the layer `open` gives: the same query values on every dialect. */
export const quarryTpcb = (
  open: (url: string, pool: number) => Promise<ManagedRuntime.ManagedRuntime<Database.Database, unknown>>
): TpcbEntry => ({
  note: "`Database.transaction` around prepared query values (updates with `Expr.add`, `.get` of the balance) and " +
    "`Query.insert` (mtime bound from the client, not CURRENT_TIMESTAMP); all workers in one `runPromise`",
  run: async (target) => {
    const runtime = await open(target.url, target.clients)
    const c = counter(target.seconds)
    const delta = Query.param<number>("delta")
    const account = Prepared.make(
      Query.update(Accounts, { abalance: Expr.add(Accounts.c.abalance, delta) }).pipe(
        Query.where(Expr.eq(Accounts.c.aid, Query.param("aid")))
      )
    )
    const balance = Prepared.make(
      Query.from(Accounts).pipe(Query.where(Expr.eq(Accounts.c.aid, Query.param("aid"))), Query.only("abalance"))
    )
    const teller = Prepared.make(
      Query.update(Tellers, { tbalance: Expr.add(Tellers.c.tbalance, delta) }).pipe(
        Query.where(Expr.eq(Tellers.c.tid, Query.param("tid")))
      )
    )
    const branch = Prepared.make(
      Query.update(Branches, { bbalance: Expr.add(Branches.c.bbalance, delta) }).pipe(
        Query.where(Expr.eq(Branches.c.bid, Query.param("bid")))
      )
    )
    const transaction = (w: number, n: number) => {
      const p = tpcbParams(w, n)
      return Database.transaction(Effect.gen(function*() {
        yield* account.run({ delta: p.delta, aid: p.aid })
        yield* balance.get({ aid: p.aid })
        yield* teller.run({ delta: p.delta, tid: p.tid })
        yield* branch.run({ delta: p.delta, bid: p.bid })
        yield* Query.run(Query.insert(Histories, { tid: p.tid, bid: p.bid, aid: p.aid, delta: p.delta, mtime: new Date() }))
      }))
    }
    return runWorkers(runtime, c, target.clients, transaction)
  }
})

export const tpcbEntries: Partial<Record<PgLibrary, TpcbEntry>> = {
  pg,
  quarry: quarryTpcb(openQuarryPg),
  "@effect/sql-pg": effectTpcb(openEffectPg),
  pgbench
}

/** Statements that bring pgbench's tables to the same state before each library (what pgbench does unless -n). */
export const TPCB_RESET = ["VACUUM pgbench_branches", "VACUUM pgbench_tellers", "TRUNCATE pgbench_history"]

/** Initialise pgbench's schema (server-side data generation). */
export const initTpcb = (target: { url: string; database: string }): Promise<void> =>
  new Promise((resolve, reject) => {
    const url = new URL(target.url)
    const child = spawn(
      PGBENCH,
      ["-i", "-I", "dtGvp", "-s", String(TPCB_SCALE), "-q", "-h", url.hostname, "-p", url.port, "-U",
        decodeURIComponent(url.username), target.database],
      { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (out += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pgbench -i exited with ${code}:\n${out}`))))
  })
