/**
 * Migration files: generating one from the models (pure), writing it and the
 * folder's index, and loading a folder's migrations.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Effect, Option } from "effect"
import { pathToFileURL } from "node:url"
import * as Snapshot from "../../schema/Snapshot.js"
import type * as Table from "../../schema/Table.js"
import * as Diff from "../Diff.js"
import * as Migration from "../Migration.js"
import * as MigrationError from "../MigrationError.js"
import { ordered } from "./apply.js"
import * as render from "./render.js"

/** What `Migrations.generate` takes (its public face). @internal */
export interface GenerateOptions {
  /** The current models. */
  readonly tables: ReadonlyArray<Table.Any>
  /** The existing migrations: the new one is diffed against the latest one's snapshot. */
  readonly migrations: ReadonlyArray<Migration.Migration>
  /** Renames and confirmed drops (see `Diff.Hints`). */
  readonly hints?: Diff.Hints | undefined
  /** Where the file imports `Migration` and `Operation` from (default `"effect-quarry"`). */
  readonly importFrom?: string | undefined
}

/** A generated migration file (its public face: `Migrations.Generated`). @internal */
export interface Generated {
  readonly id: string
  readonly fileName: string
  /** The file's TypeScript. */
  readonly source: string
  /** The operations (and hazards) it holds. */
  readonly changes: Diff.Changes
}

const stamp = (millis: number) => new Date(millis).toISOString().replace(/[-:T]/g, "").slice(0, 14)

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "migration"

/** A new id after the latest one: its UTC time, or the latest's stamp plus one when the clock is behind. */
const nextId = (name: string, millis: number, latest: string | undefined) => {
  const id = `${stamp(millis)}_${slug(name)}`
  if (latest === undefined || id > latest) return id
  const digits = /^\d{14}/.exec(latest)?.[0]
  return digits === undefined ? `${latest}_${slug(name)}` : `${(BigInt(digits) + 1n).toString()}_${slug(name)}`
}

/** @internal */
export const generate = (
  name: string,
  options: GenerateOptions
): Effect.Effect<
  Option.Option<Generated>,
  MigrationError.AmbiguousRename | MigrationError.InvalidHint | MigrationError.UnsupportedChange | MigrationError.InvalidMigration
> =>
  Effect.gen(function*() {
    const sorted = yield* ordered(options.migrations)
    const latest = sorted.at(-1)
    const snapshot = Snapshot.make(options.tables)
    const changes = yield* Diff.diff(latest?.snapshot ?? Migration.empty, snapshot, options.hints)
    if (changes.up.length === 0) return Option.none()
    const id = nextId(name, yield* Clock.currentTimeMillis, latest?.id)
    const source = render.file({
      id,
      up: changes.up,
      down: changes.down,
      snapshot,
      hazards: changes.hazards,
      downHazards: changes.downHazards,
      importFrom: options.importFrom ?? "effect-quarry"
    })
    return Option.some({ id, fileName: `${id}.ts`, source, changes })
  })

const migrationFile = /^(?!index\.)[^.].*(?<!\.d)\.(ts|mts|js|mjs)$/

/** The ids of the migration files in a folder, in order. */
const fileIds = (directory: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(directory))) return []
    const entries = yield* fs.readDirectory(directory)
    return entries.filter((f) => migrationFile.test(f)).sort()
  })

/**
 * A migration module's default export; a `.ts` file compiled to CommonJS (tsx
 * in a package that is not `"type": "module"`) imports as `{ default: exports }`.
 */
const defaultExport = (module: { readonly default?: unknown }): unknown =>
  Migration.isMigration(module.default) ? module.default : (module.default as { readonly default?: unknown } | undefined)?.default

/** @internal */
export const load = (
  directory: string
): Effect.Effect<ReadonlyArray<Migration.Migration>, MigrationError.InvalidMigration | PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const files = yield* fileIds(directory)
    const loaded = yield* Effect.forEach(files, (file) =>
      Effect.tryPromise({
        try: () => import(pathToFileURL(path.resolve(directory, file)).href) as Promise<{ readonly default?: unknown }>,
        catch: (cause) => new MigrationError.InvalidMigration({ migration: file, reason: `cannot be loaded: ${String(cause)}` })
      }).pipe(Effect.map(defaultExport), Effect.flatMap((value) =>
        Migration.isMigration(value)
          ? Effect.succeed(value)
          : Effect.fail(new MigrationError.InvalidMigration({ migration: file, reason: "its default export is not a Migration.make value" }))
      )))
    return yield* ordered(loaded)
  })

/** @internal */
export interface MakeOptions extends Omit<GenerateOptions, "migrations"> {
  readonly directory: string
  /** The folder's migrations, when already loaded (default: loaded from `directory`). */
  readonly migrations?: ReadonlyArray<Migration.Migration> | undefined
}

/** Generate, then write the file and the folder's index. @internal */
export const make = (name: string, options: MakeOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const migrations = options.migrations ?? (yield* load(options.directory))
    const generated = yield* generate(name, { ...options, migrations })
    if (Option.isNone(generated)) return Option.none()
    const g = generated.value
    yield* fs.makeDirectory(options.directory, { recursive: true })
    const file = path.join(options.directory, g.fileName)
    yield* fs.writeFileString(file, g.source)
    const ids = (yield* fileIds(options.directory)).map((f) => f.replace(/\.(ts|mts|js|mjs)$/, ""))
    yield* fs.writeFileString(path.join(options.directory, "index.ts"), render.index(ids))
    yield* Effect.logInfo(`wrote ${file}`)
    return Option.some({ ...g, path: file })
  })
