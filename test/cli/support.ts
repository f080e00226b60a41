/**
 * Running `quarry` as a child process, the way a user runs it: the built
 * command (`node <package>/dist/cli/bin.js`), in a project folder of its own
 * whose `effect-quarry` imports resolve to that built package through
 * `node_modules/effect-quarry`, with no colours. A `.ts` config and `.ts`
 * migrations are then loaded the way docs/cli.md says: Node cannot import
 * them, so `quarry` registers the project's tsx.
 *
 * The package is built once for the source it is built from (see `built`),
 * shared by every test file and worker of a run and by later runs while the
 * source is unchanged; only test files importing this module pay for it.
 */
import { execFile, execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  closeSync,
  writeSync
} from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

export const root = path.resolve(import.meta.dirname, "../..")

/** What the build depends on: every file under src/, the build's tsconfigs and package.json. */
const sourceStamp = (): string => {
  const hash = createHash("sha256")
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else {
        hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0")
      }
    }
  }
  walk(path.join(root, "src"))
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json"]) hash.update(readFileSync(path.join(root, file)))
  return hash.digest("hex").slice(0, 16)
}

const builds = path.join(root, ".tmp", "cli-build")
const lockFile = path.join(builds, "lock")

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Take the cross-process build lock (a file created exclusively); a lock whose process is gone is taken over. */
const lock = async (): Promise<() => void> => {
  mkdirSync(builds, { recursive: true })
  for (;;) {
    try {
      const fd = openSync(lockFile, "wx")
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(lockFile, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
      let holder = NaN
      try {
        holder = Number.parseInt(readFileSync(lockFile, "utf8"), 10)
      } catch {
        continue // released meanwhile
      }
      const stale = Number.isInteger(holder) ? !alive(holder) : Date.now() - statSync(lockFile).mtimeMs > 10_000
      if (stale) rmSync(lockFile, { force: true })
      else await sleep(250)
    }
  }
}

/**
 * The package as `npm run build` makes it (tsc with tsconfig.build.json, the
 * bin made executable, beside a copy of package.json), in
 * `.tmp/cli-build/<hash of the source>/`: built by the first process that
 * needs it under a lock, reused by the others and by later runs on the same
 * source. Not the repository's own dist/, which `npm pack` (test/package)
 * deletes and rebuilds while other files may be running.
 */
export const built = async (): Promise<string> => {
  const dir = path.join(builds, sourceStamp())
  const done = path.join(dir, "dist", "cli", "bin.js")
  if (existsSync(done)) return dir
  const release = await lock()
  try {
    if (existsSync(done)) return dir
    const partial = `${dir}.partial-${process.pid}`
    rmSync(partial, { recursive: true, force: true })
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
    // declarations are not needed to run the command (and the config is not type-checked when loaded)
    execFileSync(process.execPath, [
      tsc,
      "-p",
      path.join(root, "tsconfig.build.json"),
      "--outDir",
      path.join(partial, "dist"),
      "--declaration",
      "false",
      "--declarationMap",
      "false"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    copyFileSync(path.join(root, "package.json"), path.join(partial, "package.json"))
    chmodSync(path.join(partial, "dist", "cli", "bin.js"), 0o755)
    renameSync(partial, dir)
    // builds of older sources, unused for an hour
    for (const old of readdirSync(builds)) {
      const file = path.join(builds, old)
      if (old !== "lock" && file !== dir && Date.now() - statSync(file).mtimeMs > 3_600_000) rmSync(file, { recursive: true, force: true })
    }
    return dir
  } finally {
    release()
  }
}

/** The built package this run uses. */
export const pkg = await built()
export const bin = path.join(pkg, "dist", "cli", "bin.js")

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment `quarry` runs with: no colours, no DATABASE_URL. */
export const environment = (env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: "1",
  DATABASE_URL: "",
  ...env
})

/** The node command line that runs the built `quarry`. */
export const command: ReadonlyArray<string> = [process.execPath, bin]

/** Run `quarry args…` in `cwd`; never throws for a non-zero exit. */
export const quarry = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {}
): Promise<Result> =>
  new Promise((resolve) => {
    execFile(command[0], [...command.slice(1), ...args], {
      cwd: options.cwd ?? os.tmpdir(),
      env: environment(options.env),
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })

/**
 * A fresh project folder (files written as given) with a node_modules of its
 * own: this repository's dependencies linked one by one, and `effect-quarry`
 * linked to the built package, as `npm install effect-quarry` would have it.
 */
export const project = (files: Record<string, string>): string => {
  const base = process.env.QUARRY_TEST_TMP ?? os.tmpdir()
  const dir = mkdtempSync(path.join(base, "cli-"))
  const modules = realpathSync(path.join(root, "node_modules"))
  mkdirSync(path.join(dir, "node_modules"))
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith(".") || entry === "effect-quarry") continue
    symlinkSync(path.join(modules, entry), path.join(dir, "node_modules", entry))
  }
  symlinkSync(pkg, path.join(dir, "node_modules", "effect-quarry"))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

/** The lines of a text, without the last empty one. */
export const lines = (text: string): ReadonlyArray<string> => text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1)
