/**
 * What the numbers were measured on: hardware, runtime, and the versions of
 * every library in the comparison (read from each installed package.json).
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(path.join(root, "package.json"))

export const PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"

export interface Environment {
  readonly date: string
  readonly os: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly loadAverage: ReadonlyArray<number>
  readonly versions: Readonly<Record<string, string>>
  /** Filled in by the run once the servers/databases are open. */
  readonly engines: Record<string, string>
}

const PACKAGES = [
  "effect-quarry",
  "effect",
  "@effect/sql",
  "@effect/sql-sqlite-node",
  "@effect/sql-pg",
  "@effect/sql-mysql2",
  "better-sqlite3",
  "drizzle-orm",
  "kysely",
  "pg",
  "mysql2"
] as const

const versionOf = (name: string): string => {
  try {
    const file = name === "effect-quarry" ? path.join(root, "package.json") : require.resolve(`${name}/package.json`)
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version
  } catch {
    // Some packages do not export ./package.json; walk node_modules instead.
    try {
      const file = path.join(root, "node_modules", name, "package.json")
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version
    } catch {
      return "not installed"
    }
  }
}

export const pgbenchVersion = (): string => {
  try {
    return execFileSync(PGBENCH, ["--version"], { encoding: "utf8" }).trim()
  } catch {
    return "not available"
  }
}

export const environment = (): Environment => {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
    engines: {}
  }
}
