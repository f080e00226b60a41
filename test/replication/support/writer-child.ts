/**
 * A child process for the SIGKILL test: a replicated set (SQLite primary at
 * QUARRY_PRIMARY, PostgreSQL shadow at QUARRY_SHADOW) whose process writes
 * one account per transaction, forever, shipping as it goes, until the test
 * kills it. Each acknowledged insert prints its email.
 */
import { Effect } from "effect"
import * as Postgres from "../../../src/layers/Postgres.js"
import * as Sqlite from "../../../src/layers/Sqlite.js"
import * as Query from "../../../src/query/Query.js"
import * as Replicated from "../../../src/replication/Replicated.js"
import * as Ddl from "../../../src/schema/Ddl.js"
import { account, Accounts, tables } from "../fixtures.js"

const program = Effect.gen(function*() {
  yield* Ddl.createAll(tables)
  for (let n = 1;; n++) {
    yield* Query.run(Query.insert(Accounts, account(n)))
    process.stdout.write(`a${n}@example.com\n`)
  }
})

program.pipe(
  Effect.provide(Replicated.layer({
    primary: Sqlite.layer({ filename: process.env.QUARRY_PRIMARY! }),
    shadows: { s: Postgres.layer({ url: process.env.QUARRY_SHADOW! }) },
    tables,
    batchSize: 1,
    lease: "2 seconds",
    owner: "child"
  })),
  Effect.runPromise
)
