// Builds dist/ (ESM JavaScript, .d.ts, declaration and source maps) from src/ with tsc.
// Run by `npm run build` and by `prepare` (so `npm pack`, `npm install <git clone>` build it).
// The `quarry` bin (dist/cli/bin.js) is made executable when src/cli exists; without it the
// package builds the same, the bin entry pointing at nothing yet.
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
rmSync(join(root, "dist"), { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const built = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" })
if (built.status !== 0) process.exit(built.status ?? 1)
const bin = join(root, "dist", "cli", "bin.js")
if (existsSync(bin)) chmodSync(bin, 0o755)
