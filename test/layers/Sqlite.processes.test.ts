import { describe, expect, it } from "@effect/vitest"
import SqliteDriver from "better-sqlite3"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { tempDbFile } from "../support/tempDir.js"

const worker = fileURLToPath(new URL("./sqlite-worker.ts", import.meta.url))
const root = fileURLToPath(new URL("../..", import.meta.url))

const tmpFile = tempDbFile

const createFile = (filename: string) => {
  const db = new SqliteDriver(filename)
  db.pragma("journal_mode = WAL")
  db.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, worker TEXT NOT NULL, seq INTEGER NOT NULL, UNIQUE (worker, seq))")
  db.close()
}

const countRows = (filename: string) => {
  const db = new SqliteDriver(filename, { readonly: true })
  try {
    return db.prepare("SELECT worker, count(*) AS n FROM items GROUP BY worker ORDER BY worker").all()
  } finally {
    db.close()
  }
}

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Run the worker; `onLine` sees each stdout line (and may signal the child). */
const runWorker = (args: ReadonlyArray<string>, onLine?: (line: string, child: ReturnType<typeof spawn>) => void) =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker, ...args], { cwd: root })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data: Buffer) => {
      const before = stdout.length
      stdout += data.toString()
      if (onLine) for (const line of stdout.slice(before).split("\n")) if (line !== "") onLine(line, child)
    })
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()))
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("Sqlite across processes", () => {
  it.live("4 processes writing one row at a time into one file: every row lands, no process fails", () =>
    Effect.gen(function*() {
      const filename = tmpFile("processes")
      createFile(filename)
      const runs = yield* Effect.forEach(
        ["w0", "w1", "w2", "w3"],
        (id) => runWorker(["insert", filename, "5000", id]),
        { concurrency: "unbounded" }
      )
      for (const run of runs) {
        expect(run.stderr).toBe("")
        expect(run.code).toBe(0)
        expect(JSON.parse(run.stdout)).toEqual({ inserted: 5000 })
      }
      expect(countRows(filename)).toEqual(["w0", "w1", "w2", "w3"].map((worker) => ({ worker, n: 5000 })))
    }), 120_000)

  it.live("SIGINT under NodeRuntime.runMain drains every accepted write before exiting", () =>
    Effect.gen(function*() {
      const filename = tmpFile("sigint")
      createFile(filename)
      const run = yield* runWorker(["sigint", filename, "10000", "s"], (line, child) => {
        if (line === "submitted") child.kill("SIGINT")
      })
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      expect(run.stdout).toBe("submitted\n")
      expect(countRows(filename)).toEqual([{ worker: "s", n: 10000 }])
    }), 60_000)
})
