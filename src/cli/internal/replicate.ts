/**
 * `quarry replicate status [--watch] | backfill <shadow> [--table t]` on the
 * config's `Replicated.layer`. Built to grow: `verify` and `repair` join as
 * further subcommands of the same parent once `Replication` has them.
 *
 * @internal
 */
import { Args, Command, Options } from "@effect/cli"
import { Context, Effect, Layer, Option, Stream } from "effect"
import * as Replication from "../../replication/Replication.js"
import { CliError } from "./errors.js"
import { run } from "./global.js"
import * as Out from "./output.js"
import * as Progress from "./progress.js"
import * as Project from "./project.js"

const replicate = Command.make("replicate").pipe(
  Command.withDescription("Operate a replicated database (the config's Replicated.layer): status, backfill.")
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

const backfill = Command.make("backfill", {
  shadow: Args.text({ name: "shadow" }),
  table: Options.text("table").pipe(Options.withDescription("only this table (repeatable; default all)"), Options.repeated)
}, (o) =>
  withReplication((r) =>
    Effect.gen(function*() {
      const bar = Progress.make({ tty: process.stderr.isTTY === true, write: (s) => process.stderr.write(s) })
      const totals = new Map<string, number>()
      yield* Stream.runForEach(
        r.backfill(o.shadow, { tables: o.table.length > 0 ? o.table : undefined }),
        (p) =>
          Effect.sync(() => {
            totals.set(p.table, p.copied)
            bar.update(p.table, p.copied, Math.max(p.estimated, p.copied), p.done)
          })
      ).pipe(Effect.ensuring(Effect.sync(bar.end)))
      const rows = [...totals.values()].reduce((a, b) => a + b, 0)
      yield* Out.write(`backfilled ${o.shadow}: ${totals.size} table(s), ${rows} row(s)\n`)
    })
  )).pipe(Command.withDescription("Copy tables to a shadow from a snapshot of the primary, with a progress bar."))

/** `quarry replicate` with its subcommands. @internal */
export const command = replicate.pipe(Command.withSubcommands([status, backfill]))
