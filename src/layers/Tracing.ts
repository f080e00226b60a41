/**
 * Spans for the statements Quarry runs, named and attributed by
 * OpenTelemetry's database semantic conventions: a statement's span is
 * `"SELECT users"` (operation and table) with `db.system.name`,
 * `db.namespace`, `db.operation.name`, `db.collection.name`, `db.query.text`
 * (the SQL with its placeholders, never the values), `server.address` /
 * `server.port` for pooled databases, and `db.response.returned_rows` /
 * `db.response.affected_rows`; a transaction is a `"transaction"` span over
 * its statements, and a failed statement records the error's tag as
 * `error.type`.
 *
 * Spans go to the tracer the program installs (`@effect/opentelemetry`'s
 * layers, or any `Layer.setTracer`). Under Effect's default tracer, which
 * exports nothing, no span is made, so tracing costs nothing until a tracer
 * is installed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Database, Tracing } from "effect-quarry"
 *
 * // Development: the parameter values too, as db.query.parameter.<index>.
 * const program = Database.all({ sql: "SELECT 1", params: [] }).pipe(Tracing.withSpans("parameters"))
 * ```
 *
 * @since 0.2.0
 */
import { Effect, type FiberRef } from "effect"
import * as internal from "./internal/trace.js"

/**
 * `"on"` (the default): a span per statement and transaction; `"off"`: none;
 * `"parameters"`: spans with the parameter values (for development only:
 * values may be personal data).
 *
 * @since 0.2.0
 * @category models
 */
export type Spans = "on" | "off" | "parameters"

/**
 * The span setting of the running fiber.
 *
 * @since 0.2.0
 * @category references
 */
export const spans: FiberRef.FiberRef<Spans> = internal.spans

/**
 * Run an effect with another span setting.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withSpans = (setting: Spans) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, internal.spans, setting)
