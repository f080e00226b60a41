/**
 * The root `quarry` command's own options (`--config`, `--verbose`), and how
 * every leaf command runs: load the config, run in a scope (the database is
 * closed when the command ends), tell failures in one line.
 *
 * @internal
 */
import { Command, Options } from "@effect/cli"
import { Effect, Logger, LogLevel, type Option, type Scope } from "effect"
import * as Database from "../../layers/Database.js"
import { report } from "./errors.js"
import * as Project from "./project.js"

/** The root command, before its subcommands are attached. @internal */
export const root = Command.make("quarry", {
  config: Options.file("config").pipe(
    Options.withDescription("the config file (default: quarry.config.ts / .js found from the working directory up)"),
    Options.optional
  ),
  verbose: Options.boolean("verbose").pipe(Options.withDescription("on failure, show the whole cause chain"))
})

/** Run a command's body with the project loaded, failures told. @internal */
export const run = <A, E, R>(
  body: (project: Project.Project) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const options = yield* root
    return yield* Effect.scoped(Effect.flatMap(Project.load(options.config), body)).pipe(
      report(options.verbose),
      // the library's progress logs are for --verbose; the command prints its own lines
      Logger.withMinimumLogLevel(options.verbose ? LogLevel.Info : LogLevel.Warning)
    )
  })

/**
 * Open the database (an explicit URL, `DATABASE_URL`, or the config's) in the
 * current scope and run `body` with it.
 *
 * @internal
 */
export const withDatabase = <A, E, R>(
  project: Project.Project,
  url: Option.Option<string>,
  body: (db: Database.Database) => Effect.Effect<A, E, R>
): Effect.Effect<A, unknown, Exclude<R, Database.Database> | Scope.Scope> =>
  Effect.gen(function*() {
    const layer = yield* Project.databaseLayer(project, url)
    const context = yield* Project.open(layer)
    const db = Project.database(context)
    return yield* Effect.provide(body(db), context)
  })
