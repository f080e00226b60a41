/**
 * `quarry inspect [url] tables | schema [table] | rows <table>`: any database
 * as its catalog has it, for people and (with `--json`, `--ndjson`, `--csv`)
 * for scripts.
 *
 * @internal
 */
import { Args, Command, Options } from "@effect/cli"
import { Chunk, Effect, Option, Stream } from "effect"
import { existsSync } from "node:fs"
import type * as Database from "../../layers/Database.js"
import * as DatabaseConfig from "../../layers/DatabaseConfig.js"
import type { LiveTable } from "../../migrations/internal/catalog.js"
import * as Catalog from "./catalog.js"
import { CliError } from "./errors.js"
import { run, withDatabase } from "./global.js"
import { source } from "./modelSource.js"
import * as Out from "./output.js"

const inspect = Command.make("inspect", {
  url: Args.text({ name: "url-or-file" }).pipe(
    Args.withDescription("a SQLite file, or a postgres:// / mysql:// URL (default: DATABASE_URL, then the config's database)"),
    Args.optional
  )
}).pipe(Command.withDescription("Look at a database: its tables, their schema, their rows."))

const json = Options.boolean("json").pipe(Options.withDescription("JSON for scripts"))
const ndjson = Options.boolean("ndjson").pipe(Options.withDescription("one JSON object per line"))
const csv = Options.boolean("csv").pipe(Options.withDescription("CSV with a header line"))

type Format = "table" | "json" | "ndjson" | "csv"
const format = (o: { json: boolean; ndjson: boolean; csv: boolean }): Effect.Effect<Format, CliError> => {
  const chosen = (["json", "ndjson", "csv"] as const).filter((f) => o[f])
  return chosen.length > 1
    ? Effect.fail(new CliError({ reason: "BadArgument", message: `choose one of --${chosen.join(", --")}` }))
    : Effect.succeed(chosen[0] ?? "table")
}

/** Inspecting must not create a SQLite file that is not there. */
const existing = (url: Option.Option<string>): Effect.Effect<void, CliError> => {
  const given = Option.orElse(url, () => Option.fromNullable(process.env.DATABASE_URL).pipe(Option.filter((u) => u !== "")))
  if (Option.isNone(given) || DatabaseConfig.kindOf(given.value) !== "sqlite") return Effect.void
  const file = DatabaseConfig.sqliteFilename(given.value)
  return file === ":memory:" || existsSync(file)
    ? Effect.void
    : Effect.fail(new CliError({ reason: "NoDatabase", message: `no SQLite file ${file}` }))
}

const withInspected = <A, E, R>(body: (db: Database.Database) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(inspect, ({ url }) => run((project) => Effect.zipRight(existing(url), withDatabase(project, url, body))))

const tables = Command.make("tables", { json, ndjson, csv }, (o) =>
  withInspected((db) =>
    Effect.gen(function*() {
      const f = yield* format(o)
      const list = yield* Catalog.tables(db)
      if (f === "json") return yield* Out.write(`${Out.jsonText(list)}\n`)
      if (f === "ndjson") return yield* Out.write(list.map((t) => `${Out.jsonText(t)}\n`).join(""))
      if (f === "csv") {
        return yield* Out.write(`name,rows,size\n${list.map((t) => `${Out.csvField(t.name)},${t.rows},${t.size ?? ""}\n`).join("")}`)
      }
      if (list.length === 0) return yield* Out.write(Out.dim(`no tables (${db.dialect.name})\n`))
      yield* Out.write(
        Out.table(["table", "rows", "size"], list.map((t) => [t.name, String(t.rows), Out.size(t.size)]), [false, true, true])
      )
    })
  )).pipe(Command.withDescription("Each table with its row count and size (where the database reports it)."))

const describeText = (t: LiveTable): string => {
  const key = (c: string) =>
    [
      t.primaryKey.includes(c) ? "PK" : "",
      t.unique.some((u) => u.length === 1 && u[0] === c) ? "UNIQUE" : "",
      ...t.foreignKeys.filter((f) => f.column === c).map((f) => `FK → ${f.table}(${f.references})`)
    ].filter((s) => s !== "").join(", ")
  let out = `${Out.bold(t.name)}\n` + Out.table(
    ["column", "type", "nullable", "default", "key"],
    t.columns.map((c) => [c.name, c.type, c.nullable ? "yes" : "no", c.default ?? "", key(c.name)])
  )
  if (t.primaryKey.length > 1) out += `primary key: (${t.primaryKey.join(", ")})\n`
  for (const u of t.unique.filter((u) => u.length > 1)) out += `unique: (${u.join(", ")})\n`
  for (const i of t.indexes) out += `index ${i.name}: (${i.columns.join(", ")})\n`
  for (const f of t.foreignKeys) {
    out += `foreign key${f.name !== undefined && f.name !== "" ? ` ${f.name}` : ""}: ${f.column} → ${f.table}(${f.references})` +
      ` on delete ${f.onDelete} on update ${f.onUpdate}\n`
  }
  return out
}

const schema = Command.make("schema", {
  table: Args.text({ name: "table" }).pipe(Args.withDescription("one table (default: all)"), Args.optional),
  asModel: Options.boolean("as-model").pipe(
    Options.withDescription("print Quarry source (Model.Class + Table.make) for the tables")
  ),
  json
}, (o) =>
  withInspected((db) =>
    Effect.gen(function*() {
      const found = yield* Catalog.describe(db, Option.getOrUndefined(o.table))
      if (o.asModel) return yield* Out.write(source(found))
      if (o.json) return yield* Out.write(`${JSON.stringify(found, null, 2)}\n`)
      if (found.length === 0) return yield* Out.write(Out.dim(`no tables (${db.dialect.name})\n`))
      yield* Out.write(found.map(describeText).join("\n"))
    })
  )).pipe(Command.withDescription("Columns, keys, indexes and foreign keys as the catalog has them (--as-model: as Quarry source)."))

/** How many rows fix the widths of a table before the rest streams through. */
const sample = 200

const rows = Command.make("rows", {
  table: Args.text({ name: "table" }),
  where: Options.text("where").pipe(
    Options.withDescription("column=value (repeatable; all must hold)"),
    Options.repeated
  ),
  order: Options.text("order").pipe(Options.withDescription("column, or column:desc"), Options.optional),
  limit: Options.integer("limit").pipe(Options.withDescription("at most N rows"), Options.optional),
  json,
  ndjson,
  csv
}, (o) =>
  withInspected((db) =>
    Effect.gen(function*() {
      const f = yield* format(o)
      const limit = Option.getOrUndefined(o.limit)
      if (limit !== undefined && limit < 0) {
        return yield* Effect.fail(new CliError({ reason: "BadArgument", message: `--limit ${limit}: must be 0 or more` }))
      }
      const [table] = yield* Catalog.describe(db, o.table)
      const statement = yield* Catalog.rowsStatement(db.dialect, table, {
        where: o.where,
        order: Option.getOrUndefined(o.order),
        limit
      })
      const names = table.columns.map((c) => c.name)
      const integers = new Set(table.columns.filter((c) => Catalog.isInteger(c.type)).map((c) => c.name))
      const stream = db.stream(statement)
      switch (f) {
        case "ndjson":
          return yield* Stream.runForEachChunk(stream, (chunk) =>
            Out.write(Chunk.toReadonlyArray(chunk).map((r) => `${Out.jsonRow(r, integers)}\n`).join("")))
        case "json": {
          let first = true
          yield* Out.write("[")
          yield* Stream.runForEachChunk(stream, (chunk) => {
            let text = ""
            for (const r of chunk) {
              text += `${first ? "\n" : ",\n"}${Out.jsonRow(r, integers)}`
              first = false
            }
            return Out.write(text)
          })
          return yield* Out.write(first ? "]\n" : "\n]\n")
        }
        case "csv":
          yield* Out.write(`${names.map(Out.csvField).join(",")}\n`)
          return yield* Stream.runForEachChunk(stream, (chunk) =>
            Out.write(Chunk.toReadonlyArray(chunk).map((r) => `${names.map((n) => Out.csvField(r[n])).join(",")}\n`).join("")))
        case "table": {
          const right = table.columns.map((c) => Catalog.isInteger(c.type) || /numeric|decimal|real|double|float/i.test(c.type))
          let widths: ReadonlyArray<number> | undefined
          let buffered: Array<ReadonlyArray<string>> = []
          let count = 0
          const flush = () => {
            widths = Out.widths(names, buffered, Out.terminalWidth())
            const text = Out.lines([names], widths).split("\n")[0]
            const out = `${Out.bold(text)}\n${Out.lines(buffered, widths, right)}`
            buffered = []
            return out
          }
          yield* Stream.runForEachChunk(stream, (chunk) => {
            const cells = Chunk.toReadonlyArray(chunk).map((r) => names.map((n) => Out.cell(r[n])))
            count += cells.length
            if (widths !== undefined) return Out.write(Out.lines(cells, widths, right))
            buffered.push(...cells)
            return buffered.length >= sample ? Out.write(flush()) : Effect.void
          })
          if (widths === undefined) yield* Out.write(flush())
          return yield* Out.write(Out.dim(`(${count} row${count === 1 ? "" : "s"})\n`))
        }
      }
    })
  )).pipe(Command.withDescription("A table's rows: aligned, or --json / --ndjson / --csv, streamed in constant memory."))

/** `quarry inspect` with its subcommands. @internal */
export const command = inspect.pipe(Command.withSubcommands([tables, schema, rows]))
