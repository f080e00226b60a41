/**
 * Finding and loading `quarry.config.*`, TypeScript support for it and for
 * migration files (tsx, when the runtime cannot import `.ts` itself), and the
 * database a command runs on: `--url` / the positional URL, then
 * `DATABASE_URL`, then the config's `database`.
 *
 * @internal
 */
import { Context, Effect, Layer, Option, type Scope } from "effect"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
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
 * The ES module entry of `tsx/<api>` as installed for `from` (a file): read
 * from tsx's package.json `exports`, since `require.resolve` would give its
 * CommonJS entry, which cannot register the ESM loader.
 */
const tsxApi = (from: string, api: "./esm/api" | "./cjs/api"): string | undefined => {
  try {
    const manifest = createRequire(from).resolve("tsx/package.json")
    const entry = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, unknown> }).exports?.[api]
    const target = typeof entry === "string"
      ? entry
      : (entry as { import?: string | { default?: string } } | undefined)?.import
    const file = typeof target === "string" ? target : target?.default
    return file === undefined ? undefined : path.join(path.dirname(manifest), file)
  } catch {
    return undefined
  }
}

/**
 * Whether this runtime imports TypeScript by itself (Node with type
 * stripping, tsx, Bun): a throwaway `.ts` file is imported. Asked before the
 * first `.ts` import, since Node remembers a failed import of a file and
 * would fail it again even after tsx is registered.
 */
const importsTypeScript = async (): Promise<boolean> => {
  const file = path.join(os.tmpdir(), `quarry-ts-probe-${process.pid}-${Date.now()}.ts`)
  writeFileSync(file, "export const probe: number = 1\n")
  try {
    await import(pathToFileURL(file).href)
    return true
  } catch (e) {
    if (unknownExtension(e)) return false
    throw e
  } finally {
    rmSync(file, { force: true })
  }
}

/**
 * Make sure this process imports TypeScript, once: by itself, else with the
 * project's tsx (resolved from `dir`, else the one beside quarry); false when
 * neither can.
 */
const typeScriptReady = (dir: string): Promise<boolean> =>
  (typeScript ??= (async () => {
    if (await importsTypeScript()) return true
    // as `node --import tsx` does: its CommonJS hooks (a .ts file in a package that is not
    // "type": "module" is CommonJS) and its ES module hooks
    const from = [path.join(dir, "noop.js"), fileURLToPath(import.meta.url)]
    const found = from.map((f) => [tsxApi(f, "./cjs/api"), tsxApi(f, "./esm/api")] as const).find(([c, e]) => c && e)
    if (found === undefined) return false
    for (const api of found) ((await import(pathToFileURL(api!).href)) as { register: () => unknown }).register()
    return true
  })())

const typeScriptFile = /\.[mc]?ts$/

/**
 * Run `effect`, which imports `files` (default: the files in `dir`): when one
 * of them is TypeScript, first make sure this runtime can import it
 * (registering the project's tsx if needed), or fail saying how.
 *
 * @internal
 */
export const withTypeScript = <A, E, R>(
  dir: string,
  effect: Effect.Effect<A, E, R>,
  files?: ReadonlyArray<string>
): Effect.Effect<A, E | CliError, R> =>
  Effect.suspend(() => {
    const names = files ?? (existsSync(dir) ? readdirSync(dir) : [])
    if (!names.some((f) => typeScriptFile.test(f) && !f.endsWith(".d.ts"))) return effect
    return Effect.flatMap(Effect.promise(() => typeScriptReady(dir)), (ok): Effect.Effect<A, E | CliError, R> =>
      ok
        ? effect
        : Effect.fail(
          new CliError({
            reason: "BadConfig",
            message: "cannot import TypeScript files: install tsx in the project (npm i -D tsx), " +
              "run quarry under a TypeScript runtime, or use a .js / .mjs config"
          })
        ))
  })

/**
 * A module's default export. A `.ts` config in a package that is not
 * `"type": "module"` is compiled to CommonJS: imported, its `default` is then
 * the whole `exports` object, with the config under `exports.default`.
 */
const defaultExport = (imported: { readonly default?: unknown }): unknown => {
  const value = imported.default
  if (typeof value !== "object" || value === null || !("default" in value)) return value
  const fields = Object.keys(value).filter((k) => k !== "default" && k !== "__esModule")
  const config = ["database", "tables", "migrations", "migrationsTable"]
  return (value as { __esModule?: unknown }).__esModule === true || !fields.some((k) => config.includes(k))
    ? (value as { default: unknown }).default
    : value
}

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
      }),
      [file]
    ).pipe(Effect.mapError((cause) =>
      cause instanceof CliError ? cause : new CliError({
        reason: "BadConfig",
        message: `cannot load ${path.relative(process.cwd(), file) || file}: ${
          String((cause as { message?: unknown })?.message ?? cause).split("\n")[0]
        }`,
        cause
      })
    ))
    const config = defaultExport(imported)
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
