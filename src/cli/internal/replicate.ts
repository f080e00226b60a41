/**
 * `quarry replicate status [--watch] | add-shadow <shadow> <url> |
 * backfill <shadow> [--table t] | verify <shadow> | repair <shadow>` on the
 * config's `Replicated.layer`.
 *
 * @internal
 */
import { Args, Command, Options } from "@effect/cli"
import { Context, Effect, Layer, Option, Stream } from "effect"
import * as path from "node:path"
import * as DatabaseConfig from "../../layers/DatabaseConfig.js"
import * as Replication from "../../replication/Replication.js"
import { CliError, Exit } from "./errors.js"
import { run } from "./global.js"
import * as Out from "./output.js"
import * as Progress from "./progress.js"
import * as Project from "./project.js"
import * as Report from "./verifyReport.js"

const replicate = Command.make("replicate").pipe(
  Command.withDescription("Operate a replicated database (the config's Replicated.layer): status, add-shadow, backfill, verify, repair.")
)

/** Open the config's replicated database; its `Replication` service. */
const withReplication = <A, E, R>(body: (r: Replication.Replication) => Effect.Effect<A, E, R>) =>
  run((project) =>
    Effect.gen(function*() {
      const layer = project.config.database
      if (layer === undefined || typeof layer === "string" || !Layer.isLayer(layer)) {
        return yield* Effect.fail(
          new CliError({
            reason: "NoConfig",
            message: "replicate needs quarry.config.ts to export `database: Replicated.layer({ … })`"
          })
        )
      }
      const context = yield* Project.open(layer)
      const found = Context.getOption(context as Context.Context<never>, Replication.Replication)
      if (Option.isNone(found)) {
        return yield* Effect.fail(
          new CliError({ reason: "NoConfig", message: "the config's database is not replicated (Replicated.layer)" })
        )
      }
      return yield* body(found.value)
    })
  )

const statusTable = (s: Replication.Status): string =>
  `mode ${s.mode}, log head ${s.head}\n` + (s.shadows.length === 0 ? "no shadows\n" : Out.table(
    ["shadow", "dialect", "state", "position", "lag", "lag (s)", "error"],
    s.shadows.map((sh) => [
      sh.name,
      sh.dialect ?? "",
      (sh.state === "streaming" ? Out.green : sh.state === "catching-up" ? Out.yellow : Out.red)(sh.state),
      String(sh.position),
      String(sh.lag.entries),
      sh.lag.seconds.toFixed(1),
      sh.lastError?.message.split("\n")[0] ?? ""
    ]),
    [false, false, false, true, true, true, false]
  ))

const statusJson = (s: Replication.Status) =>
  JSON.stringify({ ...s, shadows: s.shadows.map((sh) => ({ ...sh, lastError: sh.lastError?.message })) })

const status = Command.make("status", {
  watch: Options.boolean("watch").pipe(Options.withAlias("w"), Options.withDescription("keep refreshing until Ctrl-C")),
  json: Options.boolean("json").pipe(Options.withDescription("JSON (one object per line with --watch)"))
}, (o) =>
  withReplication((r) =>
    o.watch
      ? Stream.runForEach(r.changes, (s) =>
        Out.write(
          o.json
            ? `${statusJson(s)}\n`
            : Out.isTty()
            ? `\u001b[H\u001b[2J${statusTable(s)}${Out.dim("watching; Ctrl-C to stop")}\n`
            : `${statusTable(s)}\n`
        ))
      : Effect.flatMap(r.status, (s) => Out.write(o.json ? `${statusJson(s)}\n` : statusTable(s)))
  )).pipe(Command.withDescription("Each shadow's state, position and lag (--watch: live)."))

/** Run a stream of backfill progress with a progress bar (stderr); the rows copied per table. */
const copying = <E, R>(progress: Stream.Stream<Replication.BackfillProgress, E, R>) =>
  Effect.gen(function*() {
    const bar = Progress.make({ tty: process.stderr.isTTY === true, write: (s) => process.stderr.write(s) })
    const totals = new Map<string, number>()
    yield* Stream.runForEach(progress, (p) =>
      Effect.sync(() => {
        totals.set(p.table, p.copied)
        bar.update(p.table, p.copied, Math.max(p.estimated, p.copied), p.done)
      })).pipe(Effect.ensuring(Effect.sync(bar.end)))
    return { tables: totals.size, rows: [...totals.values()].reduce((a, b) => a + b, 0) }
  })

const backfill = Command.make("backfill", {
  shadow: Args.text({ name: "shadow" }),
  table: Options.text("table").pipe(Options.withDescription("only this table (repeatable; default all)"), Options.repeated)
}, (o) =>
  withReplication((r) =>
    Effect.gen(function*() {
      const copied = yield* copying(r.backfill(o.shadow, { tables: o.table.length > 0 ? o.table : undefined }))
      yield* Out.write(`backfilled ${o.shadow}: ${copied.tables} table(s), ${copied.rows} row(s)\n`)
    })
  )).pipe(Command.withDescription("Copy tables to a shadow from a snapshot of the primary, with a progress bar."))

const addShadow = Command.make("add-shadow", {
  shadow: Args.text({ name: "shadow" }),
  url: Args.text({ name: "url" }).pipe(Args.withDescription("the new shadow: a postgres:// or mysql:// URL, or a SQLite file"))
}, (o) =>
  withReplication((r) =>
    Effect.gen(function*() {
      const url = DatabaseConfig.kindOf(o.url) === "sqlite" && !/^[a-z][a-z0-9+.-]*:/i.test(o.url) ? path.resolve(o.url) : o.url
      const copied = yield* copying(r.addShadow(o.shadow, DatabaseConfig.layerFromUrl(url)))
      yield* r.caughtUp()
      const status = yield* r.status
      const position = status.shadows.find((s) => s.name === o.shadow)?.position ?? 0
      yield* Out.write(
        `added ${o.shadow}: ${copied.tables} table(s), ${copied.rows} row(s) copied, at position ${position} of ${status.head}\n` +
          `list it in the shadows of your Replicated.layer so that your application ships to it\n`
      )
    })
  )).pipe(Command.withDescription(
    "Add a shadow: create its tables, copy them from one snapshot of the primary, then apply the log after it."
  ))

const checking = {
  shadow: Args.text({ name: "shadow" }),
  table: Options.text("table").pipe(Options.withDescription("only this table (repeatable; default all)"), Options.repeated),
  chunkSize: Options.integer("chunk-size").pipe(
    Options.withDescription("rows per checksummed key range (default 1000)"),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("the result as one JSON object"))
}

const verifyOptions = (o: { readonly table: ReadonlyArray<string>; readonly chunkSize: Option.Option<number> }) => ({
  tables: o.table.length > 0 ? o.table : undefined,
  chunkSize: Option.getOrUndefined(o.chunkSize)
})

const spinner = (label: string) =>
  Progress.spinning({ tty: process.stderr.isTTY === true, label, write: (s) => process.stderr.write(s) })

const verify = Command.make("verify", checking, (o) =>
  withReplication((r) =>
    Effect.gen(function*() {
      const result = yield* r.verify(o.shadow, verifyOptions(o)).pipe(spinner(`verifying ${o.shadow}`))
      yield* Out.write(o.json ? Report.verificationJson(result) : Report.verification(result))
      // a difference is the answer, told on stdout; only the exit code says it too
      if (!result.equal) return yield* Effect.fail(new Exit({ code: 1 }))
    })
  )).pipe(Command.withDescription("Compare a shadow with the primary by checksums over key ranges; exit 1 when they differ."))

const repair = Command.make("repair", checking, (o) =>
  withReplication((r) =>
    Effect.gen(function*() {
      const result = yield* r.repair(o.shadow, verifyOptions(o)).pipe(spinner(`repairing ${o.shadow}`))
      yield* Out.write(o.json ? Report.repairJson(result) : Report.repair(result))
    })
  )).pipe(Command.withDescription("Verify a shadow, then re-copy only the rows that differ from the primary."))

/** `quarry replicate` with its subcommands. @internal */
export const command = replicate.pipe(Command.withSubcommands([status, addShadow, backfill, verify, repair]))
