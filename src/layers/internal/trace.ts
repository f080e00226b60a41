/**
 * A `Database` whose statements and transactions run in spans named and
 * attributed by OpenTelemetry's database conventions (see `Tracing`). The
 * wrapper asks the running fiber's tracer first: under Effect's default
 * tracer (nothing exported) and with spans `"off"` it calls the database
 * directly, keeping SQLite's synchronous read path.
 *
 * @internal
 */
import { Effect, type Fiber, FiberRef, Stream, type Tracer } from "effect"
import type { Database, Row, Statement } from "../Database.js"
import { type CanReadNow, ReadNow } from "./readNow.js"

/** @internal */
export const spans: FiberRef.FiberRef<"on" | "off" | "parameters"> = FiberRef.unsafeMake<"on" | "off" | "parameters">("on")

// Effect's default tracer: spans made by it go nowhere.
const nativeTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** Where the database is, for the span attributes. @internal */
export interface Target {
  /** OpenTelemetry's `db.system.name`: "sqlite", "postgresql", "mysql" (MariaDB included). */
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

const setting = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  fiber.currentTracer === nativeTracer ? "off" : fiber.getFiberRef(spans)

const errorType = (error: unknown): string => {
  const tag = typeof error === "object" && error !== null ? (error as { readonly _tag?: unknown })._tag : undefined
  return typeof tag === "string" ? tag : "Error"
}

// OpenTelemetry's `error.type`: the tag of the typed error (the exit, recorded by the tracer, has the rest).
const recordError = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapError(effect, (error) => Effect.annotateCurrentSpan("error.type", errorType(error)))

const traceEffect = <A, E>(
  target: Target,
  statement: Statement,
  mode: "on" | "parameters",
  effect: Effect.Effect<A, E>,
  result: (a: A) => Record<string, unknown>
): Effect.Effect<A, E> => {
  const { attrs, name } = attributes(target, statement, mode === "parameters")
  return recordError(effect).pipe(
    Effect.tap((a) => Effect.annotateCurrentSpan(result(a))),
    Effect.withSpan(name, { kind: "client", attributes: attrs })
  )
}

const rows = (r: ReadonlyArray<Row>) => ({ "db.response.returned_rows": r.length })

/** `db` with its statements and transactions in spans. @internal */
export const traced = <D extends Database>(db: D, target: Target): Database => {
  const each = <A, E>(
    statement: Statement,
    run: () => Effect.Effect<A, E>,
    result: (a: A) => Record<string, unknown>
  ): Effect.Effect<A, E> =>
    Effect.withFiberRuntime((fiber) => {
      const mode = setting(fiber)
      return mode === "off" ? run() : traceEffect(target, statement, mode, run(), result)
    })
  const wrapped: Database = {
    dialect: db.dialect,
    sql: db.sql,
    all: (statement) => each(statement, () => db.all(statement), rows),
    run: (statement) =>
      each(statement, () => db.run(statement), (r) => ({ "db.response.affected_rows": r.rowsAffected })),
    stream: (statement) =>
      Stream.unwrap(Effect.withFiberRuntime((fiber) => {
        const mode = setting(fiber)
        if (mode === "off") return Effect.succeed(db.stream(statement))
        const { attrs, name } = attributes(target, statement, mode === "parameters")
        return Effect.succeed(Stream.withSpan(db.stream(statement), name, { kind: "client", attributes: attrs }))
      })),
    submit: (statement) => each(statement, () => db.submit(statement), () => ({})),
    transaction: (effect, options) =>
      Effect.withFiberRuntime((fiber) =>
        setting(fiber) === "off"
          ? db.transaction(effect, options)
          : recordError(db.transaction(effect, options)).pipe(
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
      [ReadNow]: (fiber: Fiber.RuntimeFiber<unknown, unknown>, statement: Statement) =>
        setting(fiber) === "off" ? now(fiber, statement) : wrapped.all(statement)
    })
  }
  return wrapped
}
