import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import { createDatabase, dropDatabase, suiteDatabaseName } from "../support/servers.js"

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, "../..")

/** `npm run demo` is a promise of the README: it must run, on every dialect. */
const demo = async (env: Record<string, string>) => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/demo.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000
  })
  return stdout
}

describe("npm run demo", () => {
  it("runs on embedded SQLite by default", async () => {
    const out = await demo({ DATABASE_URL: "" })
    expect(out).toContain("Quarry demo on sqlite")
    expect(out).toContain("duplicate email → UniqueViolation")
    expect(out).toContain("Mort sold 9007199254740993 copies")
    expect(out).toContain("books left: 5")
    expect(out).toContain("5 rows streamed")
  })

  for (const kind of ["postgres", "mysql"] as const) {
    it(`runs on ${kind} when DATABASE_URL is set`, async () => {
      const name = suiteDatabaseName("demo")
      const url = await createDatabase(kind, name)
      try {
        const out = await demo({ DATABASE_URL: url })
        expect(out).toContain(`Quarry demo on ${kind}`)
        expect(out).toContain("author #1: 3 books since 1968")
        expect(out).toContain("5 rows streamed")
      } finally {
        await dropDatabase(kind, name)
      }
    })
  }
})
