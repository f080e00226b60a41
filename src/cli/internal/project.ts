/**
 * Finding and loading `quarry.config.*`, TypeScript support for it and for
 * migration files (tsx, when the runtime cannot import `.ts` itself), and the
 * database a command runs on: `--url` / the positional URL, then
 * `DATABASE_URL`, then the config's `database`.
 *
 * @internal
 */
import { Context, Effect, Layer, Option, type Scope } from "effect"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import * as Database from "../../layers/Database.js"
import * as DatabaseConfig from "../../layers/DatabaseConfig.js"
import type * as Config from "../Config.js"
import { fileNames } from "../Config.js"
import { CliError } from "./errors.js"

/** A loaded config, with where it was found. @internal */
export interface Project {
  readonly file: string | undefined
  readonly config: Config.Config
}

/** The config file in `from` or the nearest directory above it. @internal */
export const find = (from: string): string | undefined => {
  let dir = path.resolve(from)
  for (;;) {
    for (const name of fileNames) {
      const file = path.join(dir, name)
      if (existsSync(file)) return file
    }
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

const unknownExtension = (e: unknown): boolean => {
  const text = `${(e as { code?: unknown })?.code ?? ""} ${(e as { message?: unknown })?.message ?? ""} ${
    String((e as { cause?: unknown })?.cause ?? "")
  }`
  return /ERR_UNKNOWN_FILE_EXTENSION|Unknown file extension/.test(text)
}

let typeScript: Promise<boolean> | undefined

/**
 * Teach this process to import TypeScript with the project's tsx (resolved
 * from `dir`), once; false when tsx is not installed there.
 */
const registerTsx = (dir: string): Promise<boolean> =>
  (typeScript ??= (async () => {
    let api: string
    try {
      api = createRequire(path.join(dir, "noop.js")).resolve("tsx/esm/api")
    } catch {
      try {
        api = createRequire(import.meta.url).resolve("tsx/esm/api")
      } catch {
        return false
      }
    }
    const mod = (await import(pathToFileURL(api).href)) as { register: () => unknown }
    mod.register()
    return true
  })())

/**
 * Run `effect`; if it failed because this runtime cannot import `.ts`,
 * register tsx and run it once more (or fail saying how to run TypeScript).
 *
 * @internal
 */
export const withTypeScript = <A, E, R>(
  dir: string,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | CliError, R> =>
  Effect.catchAll(effect, (e): Effect.Effect<A, E | CliError, R> =>
    unknownExtension(e)
      ? Effect.flatMap(Effect.promise(() => registerTsx(dir)), (ok): Effect.Effect<A, E | CliError, R> =>
        ok
          ? effect
          : Effect.fail(
            new CliError({
              reason: "BadConfig",
              message: "cannot import TypeScript files: install tsx in the project (npm i -D tsx), " +
                "run quarry under a TypeScript runtime, or use a .js / .mjs config",
              cause: e
            })
          ))
      : Effect.fail(e))

/** Load the config named by `--config`, or found from the working directory. @internal */
export const load = (explicit: Option.Option<string>): Effect.Effect<Project, CliError> =>
  Effect.gen(function*() {
    const file = Option.isSome(explicit) ? path.resolve(explicit.value) : find(process.cwd())
    if (file === undefined) return { file: undefined, config: {} }
    if (!existsSync(file)) {
      return yield* Effect.fail(new CliError({ reason: "NoConfig", message: `no config file ${file}` }))
    }
    const imported = yield* withTypeScript(
      path.dirname(file),
      Effect.tryPromise({
        try: () => import(pathToFileURL(file).href) as Promise<{ default?: unknown }>,
        catch: (cause) => cause
      })
    ).pipe(Effect.mapError((cause) =>
      cause instanceof CliError ? cause : new CliError({
        reason: "BadConfig",
        message: `cannot load ${path.relative(process.cwd(), file) || file}: ${
          String((cause as { message?: unknown })?.message ?? cause).split("\n")[0]
        }`,
        cause
      })
    ))
    const config = imported.default
    if (typeof config !== "object" || config === null) {
      return yield* Effect.fail(
        new CliError({ reason: "BadConfig", message: `${file}: its default export is not a quarry config object` })
      )
    }
    return { file, config: config as Config.Config }
  })

/** Where the migrations of a project are. @internal */
export const migrationsDir = (project: Project, flag: Option.Option<string>): string =>
  Option.isSome(flag)
    ? path.resolve(flag.value)
    : path.resolve(project.file === undefined ? process.cwd() : path.dirname(project.file), project.config.migrations ?? "migrations")

/** The database layer: an explicit URL, then `DATABASE_URL`, then the config's. @internal */
export const databaseLayer = (
  project: Project,
  url: Option.Option<string>
): Effect.Effect<Layer.Layer<Database.Database, unknown>, CliError> => {
  const explicit = Option.orElse(url, () => Option.fromNullable(process.env.DATABASE_URL).pipe(Option.filter((u) => u !== "")))
  if (Option.isSome(explicit)) return Effect.succeed(DatabaseConfig.layerFromUrl(explicit.value))
  const configured = project.config.database
  if (typeof configured === "string") {
    const base = project.file === undefined ? process.cwd() : path.dirname(project.file)
    const resolved = DatabaseConfig.kindOf(configured) === "sqlite" && !/^[a-z][a-z0-9+.-]*:/i.test(configured)
      ? path.resolve(base, configured)
      : configured
    return Effect.succeed(DatabaseConfig.layerFromUrl(resolved))
  }
  if (configured !== undefined && Layer.isLayer(configured)) return Effect.succeed(configured)
  return Effect.fail(
    new CliError({
      reason: "NoDatabase",
      message: "no database: give a URL or SQLite file, set DATABASE_URL, or export `database` from quarry.config.ts"
    })
  )
}

/** Open a layer in the current scope; its whole context. @internal */
export const open = (
  layer: Layer.Layer<Database.Database, unknown>
): Effect.Effect<Context.Context<Database.Database>, unknown, Scope.Scope> => Layer.build(layer)

/** The `Database` of an opened context. @internal */
export const database = (context: Context.Context<Database.Database>): Database.Database =>
  Context.get(context, Database.Database)
