/**
 * Spans and log lines for the statements Quarry runs.
 *
 * Spans follow OpenTelemetry's database semantic conventions: a statement's
 * span is named `"SELECT users"` (operation and table; the operation alone
 * when no table is named) and has `db.system.name` (`sqlite`, `postgresql`,
 * `mysql` or `mariadb`), `db.namespace`, `db.operation.name`,
 * `db.collection.name`, `db.query.text` (the SQL with its placeholders, never
 * the values), `server.address` / `server.port` for pooled databases, and
 * `db.response.returned_rows` or `db.response.affected_rows`; a failed
 * statement records its error's tag as `error.type` (`UniqueViolation`, ...).
 * A transaction is a `"transaction"` span over its statements; a batch of the
 * SQLite writer is a `"BATCH"` span linked both ways with its writes.
 *
 * Spans go to the tracer the program installs (`@effect/opentelemetry`'s
 * layers, or any `Layer.setTracer`). Under Effect's default tracer, which
 * exports nothing, no span is made. Quarry runs its statements itself, not
 * through `@effect/sql`'s statements, so each has one span; only what you
 * run through the `sql` template of `Database.sql` gets `@effect/sql`'s
 * own `sql.execute` span instead.
 *
 * Every statement but a stream is logged at debug level (seen once the minimum log level
 * is `Debug`), and a statement that takes longer than the slow threshold
 * (1 second unless set) at warning level, annotated with the same attributes
 * and `db.duration_ms`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Sqlite, Tracing } from "effect-quarry"
 *
 * // Development: parameter values on the spans, warnings from 100 ms.
 * const DatabaseLive = Layer.merge(
 *   Sqlite.layer({ filename: "app.db" }),
 *   Tracing.layer({ spans: "parameters", slowStatement: "100 millis" })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { Config, type ConfigError, Duration, Effect, Layer } from "effect"
import * as internal from "./internal/trace.js"

/**
 * `"on"` (the default): a span per statement and transaction; `"off"`: none;
 * `"parameters"`: spans (and debug log lines) with the parameter values as
 * `db.query.parameter.<index>` — for development only: values may be
 * personal data.
 *
 * @since 0.2.0
 * @category models
 */
export type Spans = internal.Spans

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly spans?: Spans | undefined
  /** Statements slower than this are logged at warning level; `"off"`: never. Default 1 second. */
  readonly slowStatement?: Duration.DurationInput | "off" | undefined
}

const millis = (threshold: Duration.DurationInput | "off"): number =>
  threshold === "off" ? Infinity : Duration.toMillis(Duration.decode(threshold))

/**
 * Run an effect with another span setting.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withSpans = (setting: Spans) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locallyWith(effect, internal.settings, (current) => ({ ...current, spans: setting }))

/**
 * Run an effect with another slow-statement threshold.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withSlowStatement =
  (threshold: Duration.DurationInput | "off") => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.locallyWith(effect, internal.settings, (current) => ({ ...current, slowMillis: millis(threshold) }))

/**
 * A layer that sets the span setting and slow threshold for the program it
 * is provided to; merge it with the database layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<never> =>
  Layer.fiberRefLocallyScopedWith(internal.settings, (current) => ({
    spans: options.spans ?? current.spans,
    slowMillis: options.slowStatement === undefined ? current.slowMillis : millis(options.slowStatement)
  }))

/**
 * The options from configuration: `QUARRY_SPANS` (`on`, `off` or
 * `parameters`; default `on`) and `QUARRY_SLOW_STATEMENT` (a duration such as
 * `250 millis`, or `off`; default 1 second).
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  spans: Config.literal("on", "off", "parameters")("QUARRY_SPANS").pipe(Config.withDefault("on" as const)),
  slowStatement: Config.literal("off")("QUARRY_SLOW_STATEMENT").pipe(
    Config.orElse(() => Config.duration("QUARRY_SLOW_STATEMENT")),
    Config.withDefault(Duration.seconds(1))
  )
})

/**
 * `layer` with its options read from configuration (by default `config`).
 *
 * @example
 * ```ts
 * import { Config, Layer } from "effect"
 * import { DatabaseConfig, Tracing } from "effect-quarry"
 *
 * // QUARRY_SPANS=parameters QUARRY_SLOW_STATEMENT="200 millis"
 * const DatabaseLive = Layer.merge(DatabaseConfig.layerConfig(Config.redacted("DATABASE_URL")), Tracing.layerConfig())
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (options: Config.Config<Options> = config): Layer.Layer<never, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(options, layer))
