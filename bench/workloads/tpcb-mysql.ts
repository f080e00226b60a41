/**
 * The TPC-B transaction on MySQL / MariaDB: pgbench's schema and script
 * rebuilt for InnoDB (pgbench itself speaks only PostgreSQL), run by each
 * Node library with the same number of clients for the same time, counted
 * per second as on PostgreSQL (see ./tpcb.ts).
 */
import { openEffectMysql, openMysqlPool } from "../clients/mysql.js"
import { openQuarryMysql } from "../clients/quarry.js"
import { withConnection } from "../data/mysql.js"
import type { MysqlLibrary } from "../workload.js"
import { counter, effectTpcb, quarryTpcb, TPCB_SCALE, type TpcbEntry, tpcbParams } from "./tpcb.js"

const SQL = {
  account: "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?",
  balance: "SELECT abalance FROM pgbench_accounts WHERE aid = ?",
  teller: "UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?",
  branch: "UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = ?",
  history: "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)"
} as const

const mysql2: TpcbEntry = {
  note: "mysql2 pool, `execute` (prepared statements, cached per connection), START TRANSACTION … COMMIT per transaction",
  run: async (target) => {
    const pool = openMysqlPool(target.url, target.clients).promise()
    const c = counter(target.seconds)
    const worker = async (w: number) => {
      for (let n = 0; performance.now() < c.deadline; n++) {
        const p = tpcbParams(w, n)
        const conn = await pool.getConnection()
        try {
          await conn.query("START TRANSACTION")
          await conn.execute(SQL.account, [p.delta, p.aid])
          await conn.execute(SQL.balance, [p.aid])
          await conn.execute(SQL.teller, [p.delta, p.tid])
          await conn.execute(SQL.branch, [p.delta, p.bid])
          await conn.execute(SQL.history, [p.tid, p.bid, p.aid, p.delta])
          await conn.query("COMMIT")
        } finally {
          conn.release()
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

export const mysqlTpcbEntries: Partial<Record<MysqlLibrary, TpcbEntry>> = {
  mysql2,
  quarry: quarryTpcb(openQuarryMysql),
  "@effect/sql-mysql2": effectTpcb(openEffectMysql)
}

/** Brings the tables to the same state before each library. */
export const MYSQL_TPCB_RESET = ["TRUNCATE pgbench_history"]

/** pgbench's tables (`pgbench -i`), generated on the server with MariaDB's SEQUENCE engine. */
export const initMysqlTpcb = (url: string): Promise<void> =>
  withConnection(url, async (conn) => {
    const accounts = 100_000 * TPCB_SCALE
    for (
      const statement of [
        "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88))",
        "CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84))",
        "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))",
        "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime datetime, filler char(22))",
        `INSERT INTO pgbench_branches SELECT seq, 0, '' FROM seq_1_to_${TPCB_SCALE}`,
        `INSERT INTO pgbench_tellers SELECT seq, (seq - 1) DIV 10 + 1, 0, '' FROM seq_1_to_${10 * TPCB_SCALE}`,
        `INSERT INTO pgbench_accounts SELECT seq, (seq - 1) DIV 100000 + 1, 0, '' FROM seq_1_to_${accounts}`,
        "ANALYZE TABLE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history"
      ]
    ) await conn.query(statement)
  })
