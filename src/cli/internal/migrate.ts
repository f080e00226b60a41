/**
 * `quarry migrate make [name] | apply | rollback | status | check`: the
 * `Migrations` functions, with prompts where a person must decide (a
 * destructive step, an ambiguous rename) and `--yes` / flags for CI.
 *
 * @internal
 */
import { Args, Command, Options, Prompt } from "@effect/cli"
import { Effect, Option } from "effect"
import * as path from "node:path"
import type * as Diff from "../../migrations/Diff.js"
import type * as Migration from "../../migrations/Migration.js"
import * as Migrations from "../../migrations/Migrations.js"
import type * as Table from "../../schema/Table.js"
import { CliError } from "./errors.js"
import { run, withDatabase } from "./global.js"
import * as Out from "./output.js"
import * as Project from "./project.js"

const url = Options.text("url").pipe(
  Options.withDescription("the database URL or SQLite file (default: DATABASE_URL, then the config's database)"),
  Options.optional
)
const dir = Options.directory("dir").pipe(
  Options.withDescription("the migrations folder (default: the config's `migrations`, else ./migrations)"),
  Options.optional
)
const yes = Options.boolean("yes").pipe(
  Options.withAlias("y"),
  Options.withDescription("allow destructive steps without asking (for CI)")
)

const migrate = Command.make("migrate", { url, dir }).pipe(
  Command.withDescription("Generate, apply, roll back and check migrations (see docs/migrations.md).")
)

/** Whether a person is at the keyboard to answer a prompt. */
const interactive = (): boolean => process.stdin.isTTY === true && process.stdout.isTTY === true

const loadAll = (project: Project.Project, flag: Option.Option<string>) => {
  const directory = Project.migrationsDir(project, flag)
  return Effect.map(Project.withTypeScript(directory, Migrations.load(directory)), (migrations) => ({ directory, migrations }))
}

const tablesOf = (project: Project.Project, command: string): Effect.Effect<ReadonlyArray<Table.Any>, CliError> =>
  project.config.tables !== undefined && project.config.tables.length > 0
    ? Effect.succeed(project.config.tables)
    : Effect.fail(
      new CliError({
        reason: "NoConfig",
        message: `migrate ${command} compares the models with the migrations: export \`tables\` from quarry.config.ts` +
          (project.file === undefined ? " (no config file found from here up)" : ` (${project.file})`)
      })
    )

const onDatabase = <A, E, R>(
  body: (project: Project.Project, migrations: ReadonlyArray<Migration.Migration>) => Effect.Effect<A, E, R>
) =>
  Effect.flatMap(migrate, (m) =>
    run((project) =>
      Effect.flatMap(loadAll(project, m.dir), ({ migrations }) =>
        withDatabase(project, m.url, () => body(project, migrations)))
    ))

/**
 * Run `step` without permission for destructive operations; when it is
 * refused for one, ask (on a terminal) or fail saying `--yes` allows it.
 */
const guarded = <A, R>(
  yes: boolean,
  step: (allowDestructive: boolean) => Effect.Effect<A, Migrations.RunError, R>
): Effect.Effect<A, unknown, any> =>
  yes ? step(true) : Effect.catchIf(
    step(false),
    (e): e is Extract<Migrations.RunError, { _tag: "DestructiveChange" }> => e._tag === "DestructiveChange",
    (e) =>
      interactive()
        ? Effect.flatMap(
          Prompt.run(Prompt.confirm({ message: `${e.migration}: ${e.operation} — ${e.reason}. Go ahead?`, initial: false })),
          (ok): Effect.Effect<A, unknown, R> =>
            ok ? step(true) : Effect.fail(new CliError({ reason: "Refused", message: "nothing changed: not confirmed" }))
        )
        : Effect.fail(
          new CliError({
            reason: "Refused",
            message: `refused: ${e.migration}: ${e.operation} — ${e.reason}; run with --yes to allow it`,
            cause: e
          })
        )
  )

const ids = (list: ReadonlyArray<string>, verb: string, none: string) =>
  Out.write(list.length === 0 ? `${none}\n` : list.map((id) => `${Out.green(verb)} ${id}\n`).join(""))

const apply = Command.make("apply", {
  yes,
  to: Options.text("to").pipe(Options.withDescription("stop after this migration id"), Options.optional)
}, (o) =>
  onDatabase((project, migrations): Effect.Effect<void, unknown, any> =>
    guarded(o.yes, (allowDestructive) =>
      Migrations.apply({
        migrations,
        allowDestructive,
        to: Option.getOrUndefined(o.to),
        table: project.config.migrationsTable
      })).pipe(Effect.flatMap((list) => ids(list, "applied", "nothing to apply")))
  )).pipe(Command.withDescription("Apply every pending migration (asks before a destructive step; --yes allows it)."))

const rollback = Command.make("rollback", {
  yes,
  steps: Options.integer("steps").pipe(Options.withDescription("how many migrations (default 1)"), Options.withDefault(1))
}, (o) =>
  onDatabase((project, migrations): Effect.Effect<void, unknown, any> =>
    guarded(o.yes, (allowDestructive) =>
      Migrations.rollback({ migrations, steps: o.steps, allowDestructive, table: project.config.migrationsTable })).pipe(
        Effect.flatMap((list) => ids(list, "rolled back", "nothing to roll back"))
      )
  )).pipe(Command.withDescription("Roll back the last applied migrations (asks before a destructive step; --yes allows it)."))

const status = Command.make("status", { json: Options.boolean("json").pipe(Options.withDescription("JSON for scripts")) }, (o) =>
  onDatabase((project, migrations) =>
    Effect.flatMap(Migrations.status({ migrations, table: project.config.migrationsTable }), (list) =>
      o.json
        ? Out.write(`${JSON.stringify(list, null, 2)}\n`)
        : list.length === 0
        ? Out.write("no migrations\n")
        : Out.write(Out.table(
          ["migration", "state", "applied at"],
          list.map((s) => [
            s.id,
            (s.state === "applied" ? Out.green : s.state === "pending" ? Out.yellow : Out.red)(s.state) +
            (s.outOfOrder ? " (out of order)" : ""),
            s.appliedAt?.toISOString() ?? ""
          ])
        )))
  )).pipe(Command.withDescription("Each migration: applied, pending, partial, missing or edited."))

const check = Command.make("check", {
  modelsOnly: Options.boolean("models-only").pipe(
    Options.withDescription("compare the models with the latest migration only, not the database")
  )
}, (o) =>
  Effect.flatMap(migrate, (m) =>
    run((project) =>
      Effect.gen(function*() {
        const tables = yield* tablesOf(project, "check")
        const { migrations } = yield* loadAll(project, m.dir)
        const report = o.modelsOnly
          ? yield* Migrations.check({ tables, migrations })
          : yield* withDatabase(project, m.url, () =>
            Migrations.check({ tables, migrations, live: true, table: project.config.migrationsTable }))
        yield* Out.write(
          `${Out.green("in sync")}: the models match the latest migration${o.modelsOnly ? "" : ", and the database matches it"}\n`
        )
        return report
      })
    ))).pipe(Command.withDescription("For CI: exit 1 when the models or the database differ from the latest migration."))

const hintOf = (rename: ReadonlyArray<string>, drop: ReadonlyArray<string>): Effect.Effect<Diff.Hints, CliError> =>
  Effect.gen(function*() {
    const tables: Array<{ from: string; to: string }> = []
    const columns: Array<{ table: string; from: string; to: string }> = []
    for (const r of rename) {
      const m = /^(?:([^.=]+)\.)?([^.=]+)=([^.=]+)$/.exec(r)
      if (m === null) {
        return yield* Effect.fail(
          new CliError({ reason: "BadArgument", message: `--rename ${r}: expected old=new (a table) or table.old=new (a column)` })
        )
      }
      if (m[1] === undefined) tables.push({ from: m[2], to: m[3] })
      else columns.push({ table: m[1], from: m[2], to: m[3] })
    }
    return { tables, columns, drops: drop }
  })

type Ambiguous = Extract<Migrations.RunError, { _tag: "AmbiguousRename" }>

/** Ask which of the dropped names became which added one (or was really dropped). */
const askRenames = (e: Ambiguous, hints: Diff.Hints): Effect.Effect<Diff.Hints, unknown, any> =>
  Effect.gen(function*() {
    const added = [...e.added]
    const tables = [...(hints.tables ?? [])]
    const columns = [...(hints.columns ?? [])]
    const drops = [...(hints.drops ?? [])]
    for (const dropped of e.dropped) {
      const what = e.kind === "table" ? `table ${dropped}` : `column ${e.table}.${dropped}`
      const choice = yield* Prompt.run(Prompt.select({
        message: `${what} is gone from the models: renamed, or dropped (its data lost)?`,
        choices: [
          ...added.map((a) => ({ title: `renamed to ${a}`, value: a })),
          { title: "dropped", value: "" }
        ]
      }))
      if (choice === "") drops.push(e.kind === "table" ? dropped : `${e.table}.${dropped}`)
      else {
        added.splice(added.indexOf(choice), 1)
        if (e.kind === "table") tables.push({ from: dropped, to: choice })
        else columns.push({ table: e.table!, from: dropped, to: choice })
      }
    }
    return { tables, columns, drops }
  })

const make = Command.make("make", {
  name: Args.text({ name: "name" }).pipe(Args.withDescription("what the migration does (default: auto)"), Args.withDefault("auto")),
  rename: Options.text("rename").pipe(
    Options.withDescription("old=new (a table) or table.old=new (a column): a rename, not a drop and an add (repeatable)"),
    Options.repeated
  ),
  drop: Options.text("drop").pipe(
    Options.withDescription("table or table.column: really dropped, not renamed (repeatable)"),
    Options.repeated
  )
}, (o) =>
  Effect.flatMap(migrate, (m) =>
    run((project) =>
      Effect.gen(function*() {
        const tables = yield* tablesOf(project, "make")
        const { directory, migrations } = yield* loadAll(project, m.dir)
        const attempt = (hints: Diff.Hints): Effect.Effect<Option.Option<Migrations.Generated & { path: string }>, unknown, any> =>
          Effect.catchIf(
            Migrations.make(o.name, { directory, tables, migrations, hints }),
            (e): e is Ambiguous => (e as { _tag?: string })._tag === "AmbiguousRename",
            (e) =>
              interactive()
                ? Effect.flatMap(askRenames(e, hints), attempt)
                : Effect.fail(
                  new CliError({
                    reason: "BadArgument",
                    message: `${e.kind === "table" ? "tables" : `columns of ${e.table}`}: ${e.dropped.join(", ")} dropped and ` +
                      `${e.added.join(", ")} added — renamed? Say so: --rename ${e.kind === "table" ? "" : `${e.table}.`}` +
                      `${e.dropped[0]}=${e.added[0]}, or --drop ${e.kind === "table" ? "" : `${e.table}.`}${e.dropped[0]}`,
                    cause: e
                  })
                )
          )
        const made = yield* attempt(yield* hintOf(o.rename, o.drop))
        if (Option.isNone(made)) return yield* Out.write("no changes: the models match the latest migration\n")
        const g = made.value
        yield* Out.write(`${Out.green("created")} ${path.relative(process.cwd(), g.path) || g.path}\n`)
        for (const h of g.changes.hazards) yield* Out.write(`  ${Out.yellow("destructive")}: ${h.operation}: ${h.reason}\n`)
      })
    ))).pipe(Command.withDescription("Write the next migration from the models (asks about ambiguous renames; --rename / --drop decide)."))

/** `quarry migrate` with its subcommands. @internal */
export const command = migrate.pipe(Command.withSubcommands([make, apply, rollback, status, check]))
