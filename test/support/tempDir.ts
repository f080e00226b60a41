/**
 * Where test files go: one directory per test run, made by the vitest global
 * setup and removed by its teardown. Test processes find it in
 * `QUARRY_TEST_TMP`; outside vitest (benchmarks, scripts) files go to the
 * system's temporary directory.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { processExists } from "./servers/process.js"

const PREFIX = "quarry-test-"

/** The environment variable naming the run's directory. */
export const TEST_TMP_VARIABLE = "QUARRY_TEST_TMP"

/**
 * A new directory for this test run, named after this process so a later run
 * can tell it was left by a killed one ({@link removeOrphanRunDirs}).
 */
export const makeRunDir = (): string => mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`))

/** Remove the run directories of processes that are gone; returns how many. */
export const removeOrphanRunDirs = (): number => {
  let removed = 0
  for (const entry of readdirSync(os.tmpdir())) {
    const pid = entry.startsWith(PREFIX) ? Number.parseInt(entry.slice(PREFIX.length), 10) : NaN
    if (Number.isInteger(pid) && !processExists(pid)) {
      rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true })
      removed++
    }
  }
  return removed
}

/** A new empty directory for one test's files, inside the run's directory. */
export const makeTestDir = (prefix = "quarry-sqlite-"): string =>
  mkdtempSync(path.join(process.env[TEST_TMP_VARIABLE] ?? os.tmpdir(), prefix))

/** A path for a new SQLite file named after `name`, in a directory of its own. */
export const tempDbFile = (name: string): string =>
  path.join(makeTestDir(), `${name.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)}.db`)
