/**
 * `quarry` at a terminal: a pseudo-TTY from util-linux `script`, answering a
 * prompt once it is on screen, and the progress bar redrawn in place.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { command, environment, project, quarry, type Result } from "./support.js"

const hasScript = spawnSync("script", ["--version"]).status === 0
const shell = (args: ReadonlyArray<string>) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")

/** Run `quarry args…` on a pseudo-terminal; type `answer` once `prompt` shows. */
const atTerminal = (
  args: ReadonlyArray<string>,
  cwd: string,
  dialogue?: { readonly prompt: string; readonly answer: string }
): Promise<Result> =>
  new Promise((resolve) => {
    const child = spawn("script", ["-qec", shell([...command, ...args]), "/dev/null"], {
      cwd,
      env: environment({ TERM: "xterm" })
    })
    let stdout = ""
    let answered = false
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
      if (dialogue !== undefined && !answered && stdout.includes(dialogue.prompt)) {
        answered = true
        child.stdin.write(dialogue.answer)
      }
    })
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr: "" }))
  })

const models = (second: string) => `import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Table } from "effect-quarry"

export class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  ${second}: Schema.NullOr(Schema.String)
}) {}

export const Users = Table.make(User, { name: "users" })
`

describe.skipIf(!hasScript)("quarry at a terminal", () => {
  it("asks before a destructive migration, and applies it when told yes", async () => {
    const dir = project({
      "models.ts": models("name"),
      "quarry.config.ts": `import { Users } from "./models.js"\nexport default { database: "app.db", tables: [Users] }\n`
    })
    expect((await quarry(["migrate", "make", "one"], { cwd: dir })).code).toBe(0)
    expect((await quarry(["migrate", "apply"], { cwd: dir })).code).toBe(0)
    writeFileSync(path.join(dir, "models.ts"), models("nickname"))
    expect((await quarry(["migrate", "make", "two", "--drop", "users.name"], { cwd: dir })).code).toBe(0)

    const no = await atTerminal(["migrate", "apply"], dir, { prompt: "Go ahead?", answer: "n" })
    expect(no.code).toBe(1)
    expect(no.stdout).toContain("drop column users.name")
    expect(no.stdout).toContain("quarry: nothing changed: not confirmed")
    const yes = await atTerminal(["migrate", "apply"], dir, { prompt: "Go ahead?", answer: "y" })
    expect(yes.code).toBe(0)
    expect(yes.stdout).toMatch(/applied \d{14}_two/)
  }, 300_000)

  it("backfill draws a progress bar on a terminal, plain lines when piped", async () => {
    const dir = project({
      "quarry.config.ts": `import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Replicated, Sqlite, Table } from "effect-quarry"

class Item extends Model.Class<Item>("Item")({ id: Model.Generated(Schema.Int), label: Schema.String }) {}
const Items = Table.make(Item, { name: "items" })

export default {
  database: Replicated.layer({
    primary: Sqlite.layer({ filename: "primary.db" }),
    shadows: { dr: Sqlite.layer({ filename: "dr.db" }) },
    tables: [Items],
    backfillChunkSize: 500
  })
}
`
    })
    const db = new Database(path.join(dir, "primary.db"))
    db.exec("CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL)")
    const insert = db.prepare("INSERT INTO items (label) VALUES (?)")
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`item ${i}`)
    })()
    db.close()

    const tty = await atTerminal(["replicate", "backfill", "dr"], dir)
    expect(tty.code).toBe(0)
    // redrawn in place: carriage return + erase line, then the bar, rate and ETA
    expect(tty.stdout).toMatch(/\r\u001b\[2Kitems {2}\[#*\.+\] {2}500\/3,000 {2}[\d,]+ rows\/s {2}ETA \d+s/)
    expect(tty.stdout).toMatch(/items {2}\[#{24}\] {2}3,000\/3,000/)
    expect(tty.stdout).toContain("backfilled dr: 1 table(s), 3000 row(s)")

    // verify tells no progress: a spinner on the terminal, erased before the report
    const verify = await atTerminal(["replicate", "verify", "dr"], dir)
    expect(verify.code).toBe(0)
    expect(verify.stdout).toMatch(/\r\u001b\[2K⠋ verifying dr {2}\d+s[^]*\r\u001b\[2Kitems: equal/)

    const piped = await quarry(["replicate", "backfill", "dr"], { cwd: dir })
    expect(piped.code).toBe(0)
    expect(piped.stderr).not.toContain("\r")
    expect(piped.stderr).toMatch(/^items {2}\[#{24}\] {2}3,000\/3,000 .* done$/m)
    const verifyPiped = await quarry(["replicate", "verify", "dr"], { cwd: dir })
    expect([verifyPiped.code, verifyPiped.stderr]).toEqual([0, ""])
    const status = await quarry(["replicate", "status", "--json"], { cwd: dir })
    expect(JSON.parse(status.stdout).shadows.map((s: { name: string }) => s.name)).toEqual(["dr"])
  }, 300_000)
})
