/**
 * Running `quarry` as a child process, the way a user runs it: from source
 * under tsx (building dist/ in a test is slow; test/package covers the built
 * package), in a project folder of its own whose `effect-quarry` imports
 * resolve to this repository's src/ (tsconfig paths), with no colours.
 */
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

export const root = path.resolve(import.meta.dirname, "../..")
export const bin = path.join(root, "src/cli/bin.ts")
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment `quarry` runs with: the project's tsconfig for `effect-quarry`, no colours, no DATABASE_URL. */
export const environment = (env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: "1",
  DATABASE_URL: "",
  TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"),
  ...env
})

/** The node command line that runs `quarry` from source. */
export const command: ReadonlyArray<string> = [process.execPath, "--import", tsx, bin]

/** Run `quarry args…` in `cwd`; never throws for a non-zero exit. */
export const quarry = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {}
): Promise<Result> =>
  new Promise((resolve) => {
    execFile(command[0], [...command.slice(1), ...args], {
      cwd: options.cwd ?? root,
      env: environment(options.env),
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })

/** A fresh project folder (files written as given), with this repository's node_modules. */
export const project = (files: Record<string, string>): string => {
  const base = process.env.QUARRY_TEST_TMP ?? os.tmpdir()
  const dir = mkdtempSync(path.join(base, "cli-"))
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

/** The lines of a text, without the last empty one. */
export const lines = (text: string): ReadonlyArray<string> => text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1)
