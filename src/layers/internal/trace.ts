/**
 * A `Database` whose statements and transactions run in spans named and
 * attributed by OpenTelemetry's database conventions, with a debug log line
 * per statement and a warning for slow ones (see `Tracing`). The wrapper
 * reads the running fiber once per statement: with no tracer installed (or
 * spans `"off"`), the log level above debug and no slow threshold it calls the
 * database directly, keeping SQLite's synchronous read path; with only a
 * threshold it times the synchronous read without making an effect.
 *
 * @internal
 */
import { Cause, Clock, Context, Effect, Exit, type Fiber, FiberRef, LogLevel, Option, Stream, type Tracer } from "effect"
import type { Database, Row, Statement } from "../Database.js"
import { type CanReadNow, ReadNow } from "./readNow.js"

/** @internal */
export type Spans = "on" | "off" | "parameters"

/** The settings of a fiber, in one FiberRef (one lookup per statement). @internal */
export interface Settings {
  readonly spans: Spans
  /** The slow-statement threshold in milliseconds (`Infinity`: no warning). */
  readonly slowMillis: number
}

/** @internal */
export const settings: FiberRef.FiberRef<Settings> = FiberRef.unsafeMake<Settings>({ spans: "on", slowMillis: 1000 })

// Effect's default tracer: spans made by it go nowhere.
const nativeTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** Where the database is, for the span attributes. @internal */
export interface Target {
  /** OpenTelemetry's `db.system.name`: "sqlite", "postgresql", "mysql" or "mariadb". */
  readonly system: string
  readonly namespace?: string | undefined
  readonly address?: string | undefined
  readonly port?: number | undefined
}

const keyword = /^\s*(?:\(\s*)*([A-Za-z]+)/
const table = /\b(?:FROM|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?|JOIN)\s+([`"]?)([A-Za-z_][\w$]*)\1/i

/** The operation (first keyword) and the first table a statement names. @internal */
export const describe = (sql: string): { readonly operation: string; readonly collection: string | undefined } => {
  const operation = (keyword.exec(sql)?.[1] ?? "SQL").toUpperCase()
  const collection = table.exec(sql)?.[2]
  return { operation, collection }
}

const attributes = (target: Target, statement: Statement, withParameters: boolean) => {
  const { collection, operation } = describe(statement.sql)
  const attrs: Record<string, unknown> = {
    "db.system.name": target.system,
    "db.operation.name": operation,
    "db.query.text": statement.sql
  }
  if (target.namespace !== undefined) attrs["db.namespace"] = target.namespace
  if (collection !== undefined) attrs["db.collection.name"] = collection
  if (target.address !== undefined) attrs["server.address"] = target.address
  if (target.port !== undefined) attrs["server.port"] = target.port
  if (withParameters) statement.params.forEach((value, i) => (attrs[`db.query.parameter.${i}`] = String(value)))
  return { name: collection === undefined ? operation : `${operation} ${collection}`, attrs }
}

/** The span setting for `fiber`: "off" under Effect's default tracer. */
const spanMode = (fiber: Fiber.RuntimeFiber<unknown, unknown>, current: Settings): Spans =>
  fiber.currentTracer === nativeTracer ? "off" : current.spans

const debugOn = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal <= LogLevel.Debug.ordinal

const errorType = (error: unknown): string => {
  const tag = typeof error === "object" && error !== null ? (error as { readonly _tag?: unknown })._tag : undefined
  return typeof tag === "string" ? tag : "Error"
}

/** What a statement's span and log line say about its outcome. */
const outcome = <A>(exit: Exit.Exit<A, unknown>, result: (a: A) => Record<string, unknown>) => {
  if (Exit.isSuccess(exit)) return result(exit.value)
  const failure = Cause.failureOption(exit.cause)
  // OpenTelemetry's `error.type`: the typed error's tag (the exit, recorded by the tracer, has the rest).
  return { "error.type": failure._tag === "Some" ? errorType(failure.value) : "_OTHER" }
}

const log = (
  attrs: Record<string, unknown>,
  statement: Statement,
  ms: number,
  slow: number,
  notes: Record<string, unknown>
): Effect.Effect<void> => {
  const annotations = { ...attrs, ...notes, "db.duration_ms": Math.round(ms * 1000) / 1000 }
  return Effect.annotateLogs(
    ms >= slow
      ? Effect.logWarning(`slow statement (${Math.round(ms)} ms, threshold ${slow} ms): ${statement.sql}`)
      : Effect.logDebug(statement.sql),
    annotations
  )
}

/** One statement, observed as `fiber`'s settings ask. */
const observe = <A, E>(
  target: Target,
  statement: Statement,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  current: Settings,
  run: () => Effect.Effect<A, E>,
  result: (a: A) => Record<string, unknown>
): Effect.Effect<A, E> => {
  const mode = spanMode(fiber, current)
  const slow = current.slowMillis
  const debug = debugOn(fiber)
  if (mode === "off") {
    // No span: the attributes are worked out only for a line that is written.
    return Effect.suspend(() => {
      const started = performance.now()
      return Effect.flatMap(Effect.exit(run()), (exit) => {
        const ms = performance.now() - started
        return debug || ms >= slow
          ? Effect.zipRight(log(attributes(target, statement, false).attrs, statement, ms, slow, outcome(exit, result)), exit)
          : exit
      })
    })
  }
  const { attrs, name } = attributes(target, statement, mode === "parameters")
  const timed = Effect.suspend(() => {
    const started = performance.now()
    return Effect.flatMap(Effect.exit(run()), (exit) => {
      const ms = performance.now() - started
      const notes = outcome(exit, result)
      const logged = debug || ms >= slow ? log(attrs, statement, ms, slow, notes) : Effect.void
      return Effect.zipRight(Effect.zipRight(Effect.annotateCurrentSpan(notes), logged), exit)
    })
  })
  return Effect.withSpan(timed, name, { kind: "client", attributes: attrs })
}

const rows = (r: ReadonlyArray<Row>) => ({ "db.response.returned_rows": r.length })
const none = () => ({})

/** How the writer's batch span is made for the writes of a traced fiber. @internal */
export interface JobTrace {
  readonly span: Tracer.AnySpan
  readonly tracer: Tracer.Tracer
  readonly clock: Clock.Clock
}

/** The running fiber's statement span, for a write handed to another fiber (the SQLite writer). @internal */
export const jobTrace = (fiber: Fiber.RuntimeFiber<unknown, unknown>): JobTrace | undefined => {
  if (fiber.currentTracer === nativeTracer) return undefined
  const span = fiber.currentSpan
  if (span === undefined || fiber.getFiberRef(settings).spans === "off") return undefined
  return { span, tracer: fiber.currentTracer, clock: Context.get(fiber.currentDefaultServices, Clock.Clock) }
}

/**
 * Open the span of a writer batch, linked both ways with the spans of its
 * traced writes; the returned function ends it.
 *
 * @internal
 */
export const batchSpan = (
  system: string,
  traces: ReadonlyArray<JobTrace>,
  size: number
): (exit: Exit.Exit<unknown, unknown>) => void => {
  const { clock, tracer } = traces[0]
  const links = traces.map((t): Tracer.SpanLink => ({ _tag: "SpanLink", span: t.span, attributes: {} }))
  const span = tracer.span("BATCH", Option.none(), Context.empty(), links, clock.unsafeCurrentTimeNanos(), "client")
  span.attribute("db.system.name", system)
  span.attribute("db.operation.name", "BATCH")
  span.attribute("db.operation.batch.size", size)
  for (const t of traces) if (t.span._tag === "Span") t.span.addLinks([{ _tag: "SpanLink", span, attributes: {} }])
  return (exit) => span.end(clock.unsafeCurrentTimeNanos(), exit)
}

/** `db` with its statements and transactions observed. @internal */
export const traced = <D extends Database>(db: D, target: Target): Database => {
  const each = <A, E>(
    statement: Statement,
    run: () => Effect.Effect<A, E>,
    result: (a: A) => Record<string, unknown>
  ): Effect.Effect<A, E> =>
    Effect.withFiberRuntime((fiber) => {
      const current = fiber.getFiberRef(settings)
      return spanMode(fiber, current) === "off" && current.slowMillis === Infinity && !debugOn(fiber)
        ? run()
        : observe(target, statement, fiber, current, run, result)
    })
  // the capabilities other rooms read off the object (InTransaction, capture hooks...) stay visible
  const capabilities = Object.fromEntries(Object.getOwnPropertySymbols(db).map((key) => [key, (db as any)[key]]))
  const wrapped: Database = {
    ...capabilities,
    dialect: db.dialect,
    sql: db.sql,
    all: (statement) => each(statement, () => db.all(statement), rows),
    run: (statement) =>
      each(statement, () => db.run(statement), (r) => ({ "db.response.affected_rows": r.rowsAffected })),
    stream: (statement) =>
      Stream.unwrap(Effect.withFiberRuntime((fiber) => {
        const mode = spanMode(fiber, fiber.getFiberRef(settings))
        if (mode === "off") return Effect.succeed(db.stream(statement))
        const { attrs, name } = attributes(target, statement, mode === "parameters")
        return Effect.succeed(Stream.withSpan(db.stream(statement), name, { kind: "client", attributes: attrs }))
      })),
    submit: (statement) => each(statement, () => db.submit(statement), none),
    transaction: (effect, options) =>
      Effect.withFiberRuntime((fiber) =>
        spanMode(fiber, fiber.getFiberRef(settings)) === "off"
          ? db.transaction(effect, options)
          : db.transaction(effect, options).pipe(
            Effect.tapError((error) => Effect.annotateCurrentSpan("error.type", errorType(error))),
            Effect.withSpan("transaction", {
              kind: "client",
              attributes: {
                "db.system.name": target.system,
                ...(target.namespace === undefined ? {} : { "db.namespace": target.namespace })
              }
            })
          )
      )
  }
  if (ReadNow in db) {
    const now = (db as unknown as CanReadNow)[ReadNow]
    return Object.assign(wrapped, {
      [ReadNow]: (fiber: Fiber.RuntimeFiber<unknown, unknown>, statement: Statement, one: boolean) => {
        const current = fiber.getFiberRef(settings)
        if (spanMode(fiber, current) !== "off" || debugOn(fiber)) {
          return observe(target, statement, fiber, current, () => now(fiber, statement, one), rows)
        }
        const slow = current.slowMillis
        if (slow === Infinity) return now(fiber, statement, one)
        // Only a threshold: time the synchronous read (an `Exit`) without making an effect.
        const started = performance.now()
        const answer = now(fiber, statement, one)
        if (!Exit.isExit(answer)) return observe(target, statement, fiber, current, () => answer, rows)
        const ms = performance.now() - started
        return ms < slow ? answer : Effect.zipRight(
          log(attributes(target, statement, false).attrs, statement, ms, slow, outcome(answer as Exit.Exit<ReadonlyArray<Row>, unknown>, rows)),
          answer
        )
      }
    })
  }
  return wrapped
}
