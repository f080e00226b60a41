/**
 * The package as a user gets it: `npm pack` (which builds dist/ through
 * `prepare`), the tarball installed into an empty project with only the peers
 * a SQLite user needs, type-checked under `nodenext` and `bundler` resolution,
 * and a small program importing `effect-quarry` run with node.
 *
 * The JavaScript peers are installed by npm at the versions this repo has
 * (`--prefer-offline`: from npm's cache when there); better-sqlite3 is linked
 * from this repo's node_modules, since its native build cannot run offline.
 * pg and mysql2 are not installed, which checks that the drivers are loaded
 * only when their layer is built.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
const work = mkdtempSync(join(tmpdir(), "quarry-pack-"))
const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const run = (cmd: string, args: ReadonlyArray<string>, cwd: string): string => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${stdout ?? ""}\n${stderr ?? ""}`)
  }
}

// What a SQLite user installs beside effect-quarry: these peers (the last four run the quarry command), and better-sqlite3.
const peers = [
  "effect",
  "@effect/sql",
  "@effect/experimental",
  "@effect/platform",
  "@effect/cli",
  "@effect/printer",
  "@effect/printer-ansi",
  "@effect/platform-node"
]
const version = (name: string): string =>
  (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

const program = `import { Model } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Ddl, Query, Sqlite, Table } from "effect-quarry"

class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  name: Schema.String
}) {}
const Users = Table.make(User, { name: "users" })

const main = Effect.gen(function*() {
  yield* Ddl.createAll([Users])
  yield* Query.run(Query.insertMany(Users, [{ name: "Ada" }, { name: "Grace" }]))
  const rows = yield* Query.all(Query.from(Users).pipe(Query.orderBy(Query.asc(Users.c.name))))
  const names: ReadonlyArray<string> = rows.map((row) => row.name)
  console.log(JSON.stringify(names))
})

Effect.runPromise(main.pipe(Effect.provide(Sqlite.layer({ filename: "app.db" }))))
`

const tsconfig = (resolution: "nodenext" | "bundler") =>
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: resolution === "nodenext" ? "NodeNext" : "ESNext",
      moduleResolution: resolution,
      strict: true,
      types: [],
      lib: ["ES2022", "DOM"],
      // The PostgreSQL / MySQL config types name pg's and mysql2's own types, absent in a SQLite-only project.
      skipLibCheck: true,
      outDir: "out",
      ...(resolution === "bundler" ? { noEmit: true } : {})
    },
    include: ["main.ts"]
  })

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("the npm package", () => {
  it("packs, installs into an empty project, runs a SQLite program and the quarry command", () => {
    const packed = JSON.parse(run(npm, ["pack", "--json", "--pack-destination", work], root)) as ReadonlyArray<{
      readonly filename: string
      readonly files: ReadonlyArray<{ readonly path: string }>
    }>
    const files = packed[0].files.map((f) => f.path)
    expect(files).toEqual(expect.arrayContaining([
      "package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/index.d.ts.map", "dist/index.js.map"
    ]))
    expect(files.filter((f) => /^(test|bench|examples|scripts)\//.test(f))).toEqual([])

    const app = join(work, "app")
    mkdirSync(app)
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
    const specs = [join(work, packed[0].filename), ...peers.map((p) => `${p}@${version(p)}`)]
    run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs], app)
    symlinkSync(realpathSync(join(root, "node_modules/better-sqlite3")), join(app, "node_modules/better-sqlite3"), "dir")
    expect(existsSync(join(app, "node_modules/effect-quarry/dist/index.js"))).toBe(true)
    // Optional peers stay out: a SQLite program needs neither pg nor mysql2.
    const installed = readdirSync(join(app, "node_modules"))
    expect(installed).not.toContain("pg")
    expect(installed).not.toContain("mysql2")

    writeFileSync(join(app, "main.ts"), program)
    writeFileSync(join(app, "tsconfig.bundler.json"), tsconfig("bundler"))
    run(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], app)
    writeFileSync(join(app, "tsconfig.json"), tsconfig("nodenext"))
    run(process.execPath, [tsc, "-p", "tsconfig.json"], app)
    expect(run(process.execPath, ["out/main.js"], app).trim()).toBe(JSON.stringify(["Ada", "Grace"]))
    // the package's bin, as `npx quarry` runs it
    const tables = JSON.parse(run(join(app, "node_modules/.bin/quarry"), ["inspect", "app.db", "tables", "--json"], app))
    expect(tables).toEqual([expect.objectContaining({ name: "users", rows: 2 })])
  }, 300_000)
})
