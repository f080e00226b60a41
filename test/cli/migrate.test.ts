import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { databaseUrl } from "../support/dialects.js"
import { project, quarry } from "./support.js"

const models = (second: string) => `import { Model } from "@effect/sql"
import { Schema } from "effect"
import { Table } from "effect-quarry"

export class User extends Model.Class<User>("User")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(120)),
  ${second}: Schema.NullOr(Schema.String)
}) {}

export const Users = Table.make(User, { name: "users" })
`

const config = `import { Users } from "./models.js"

export default { tables: [Users], migrations: "db/migrations" }
`

for (const name of ["sqlite", "postgres", "mysql"] as const) {
  describe(`quarry migrate on ${name}`, () => {
    it("make, apply, status, check (exit 1 on drift), a destructive step refused without --yes, rollback", () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const url = yield* databaseUrl(name, `cli_migrate_${name}`)
        yield* Effect.promise(async () => {
          const dir = project({ "models.ts": models("name"), "quarry.config.ts": config })
          const q = (...args: Array<string>) => quarry(args, { cwd: dir, env: { DATABASE_URL: url } })

          const made = await q("migrate", "make", "create users")
          expect(made.code).toBe(0)
          expect(made.stdout).toMatch(/^created db\/migrations\/\d{14}_create_users\.ts\n$/)
          const status = await q("migrate", "status")
          const drift = await q("migrate", "check")
          expect(status.stdout).toMatch(/^\d{14}_create_users\s+pending$/m)
          expect(drift.code).toBe(1)
          expect(drift.stderr).toMatch(/^quarry: the database drifted from the latest snapshot: .*users.*\n$/)

          const applied = await q("migrate", "apply")
          expect([applied.code, applied.stderr]).toEqual([0, ""])
          expect(applied.stdout).toMatch(/^applied \d{14}_create_users\n$/)
          const after = await q("migrate", "status", "--json")
          const inSync = await q("migrate", "check")
          expect(JSON.parse(after.stdout).map((s: { state: string }) => s.state)).toEqual(["applied"])
          expect(inSync.code).toBe(0)

          // a column renamed in the model: ambiguous without a hint (no terminal to ask)
          writeFileSync(path.join(dir, "models.ts"), models("fullName"))
          const models1 = await q("migrate", "check", "--models-only")
          expect([models1.code, models1.stderr]).toEqual([1, "quarry: the models changed since the latest migration (2 operation(s))\n"])
          const ambiguous = await q("migrate", "make", "rename")
          expect(ambiguous.code).toBe(1)
          expect(ambiguous.stderr).toBe(
            "quarry: columns of users: name dropped and full_name added — renamed? Say so: --rename users.name=full_name, " +
              "or --drop users.name\n"
          )
          // dropping it is destructive: refused without --yes, nothing applied
          expect((await q("migrate", "make", "replace name", "--drop", "users.name")).code).toBe(0)
          expect(readdirSync(path.join(dir, "db/migrations")).filter((f) => f !== "index.ts")).toHaveLength(2)
          const refused = await q("migrate", "apply")
          expect(refused.code).toBe(1)
          expect(refused.stderr).toMatch(/^quarry: refused: \d{14}_replace_name: drop column users\.name — .*; run with --yes to allow it\n$/)
          expect(JSON.parse((await q("migrate", "status", "--json")).stdout).map((s: { state: string }) => s.state))
            .toEqual(["applied", "pending"])
          const yes = await q("migrate", "apply", "--yes")
          expect(yes.code).toBe(0)
          expect((await q("migrate", "check")).code).toBe(0)

          const back = await q("migrate", "rollback", "--steps", "2", "--yes")
          expect(back.code).toBe(0)
          expect(back.stdout).toMatch(/^rolled back \d{14}_replace_name\nrolled back \d{14}_create_users\n$/)
          expect(JSON.parse((await q("migrate", "status", "--json")).stdout).map((s: { state: string }) => s.state))
            .toEqual(["pending", "pending"])
        })
      }))), 600_000)
  })
}
