/**
 * The `quarry` command: inspect any database, run migrations, operate
 * replication. `bin.ts` runs it with Node; `run` is here for programs that
 * embed it (a project's own `scripts/quarry.ts` with extra setup). Not part
 * of `effect-quarry`'s main entry: importing the library never loads
 * `@effect/cli`.
 *
 * @since 0.2.0
 */
import { Command } from "@effect/cli"
import type { CliApp } from "@effect/cli"
import type { FileSystem, Path, Terminal } from "@effect/platform"
import { Effect } from "effect"
import { createRequire } from "node:module"
import { Exit } from "./internal/errors.js"
import { root } from "./internal/global.js"
import * as Inspect from "./internal/inspect.js"
import * as Migrate from "./internal/migrate.js"
import * as Replicate from "./internal/replicate.js"

/**
 * The root command with every subcommand (`inspect`, `migrate`, `replicate`).
 *
 * @since 0.2.0
 * @category commands
 */
export const command = root.pipe(Command.withSubcommands([Inspect.command, Migrate.command, Replicate.command]))

const version = (): string => {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version
  } catch {
    return "0.0.0"
  }
}

/**
 * Run the command on an argument vector (`process.argv`); the exit code:
 * 0 on success, 1 when the command failed (told on stderr in one line),
 * 2 when the arguments were wrong (told with usage).
 *
 * @since 0.2.0
 * @category running
 */
export const run = (
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, CliApp.CliApp.Environment | FileSystem.FileSystem | Path.Path | Terminal.Terminal> =>
  Command.run(command, { name: "quarry", version: version() })(argv).pipe(
    Effect.as(0),
    Effect.catchAll((e) => Effect.succeed(e instanceof Exit ? e.code : 2))
  )
