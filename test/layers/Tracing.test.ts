/**
 * Spans on the three dialects, recorded by an in-memory tracer: names and
 * attributes by OpenTelemetry's database conventions, parent / child through
 * transactions, errors recorded, parameter values only when asked for, and
 * no second span from @effect/sql for the same statement; the SQLite
 * writer's batch span; the settings from a layer and from Config; log lines.
 */
import { describe, expect, it } from "@effect/vitest"
import { Model } from "@effect/sql"
import { Chunk, ConfigProvider, Effect, Exit, HashMap, Layer, Logger, LogLevel, Option, Schema, Stream, Tracer } from "effect"
import { transaction } from "../../src/layers/Database.js"
import * as Tracing from "../../src/layers/Tracing.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import * as Query from "../../src/query/Query.js"
import { cases, only } from "../support/dialects.js"

class Recorded implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = String(Math.random())
  readonly traceId = "trace"
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Tracer.Span["context"],
    readonly links: Array<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }
  event() {}
  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.links.push(...links)
  }
}

const recorder = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new Recorded(name, parent, context, [...links], startTime, kind)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

class Member extends Model.Class<Member>("Member")({
  id: Model.Generated(Schema.Int),
  email: Schema.String.pipe(Schema.maxLength(100))
}) {}
const Members = Table.make(Member, { name: "traced_members", columns: { email: { unique: true } } })

// The MySQL case runs on MariaDB, which OpenTelemetry names "mariadb".
const system = { sqlite: "sqlite", postgres: "postgresql", mysql: "mariadb" } as const

for (const c of cases("tracing")) {
  describe(`spans (${c.name})`, () => {
    it.effect("a span per statement, transactions as parents, errors recorded, values never by default", () =>
      Effect.gen(function*() {
        const { spans, tracer } = recorder()
        yield* Ddl.createAll([Members])
        const outcome = yield* Effect.gen(function*() {
          yield* transaction(Query.run(Query.insertMany(Members, [{ email: "ada@example.com" }])))
          const rows = yield* Query.all(Query.from(Members))
          const duplicate = yield* Effect.exit(Query.run(Query.insertMany(Members, [{ email: "ada@example.com" }])))
          return { rows, duplicate }
        }).pipe(Effect.withSpan("outer"), Effect.withTracer(tracer))
        expect(outcome.rows.map((r) => r.email)).toEqual(["ada@example.com"])
        expect(Exit.isFailure(outcome.duplicate)).toBe(true)

        const named = (name: string) => spans.filter((s) => s.name === name)
        const outer = named("outer")[0]
        const tx = named("transaction")[0]
        expect(tx.parent).toEqual(Option.some(outer))
        const [inserted, failed] = named("INSERT traced_members")
        expect(inserted.parent).toEqual(Option.some(tx))
        expect(failed.parent).toEqual(Option.some(outer))
        expect(failed.attributes.get("error.type")).toBe("UniqueViolation")
        expect(failed.status._tag === "Ended" && Exit.isFailure(failed.status.exit)).toBe(true)

        const select = named("SELECT traced_members")[0]
        expect(select.kind).toBe("client")
        expect(select.parent).toEqual(Option.some(outer))
        const attrs = Object.fromEntries(select.attributes)
        expect(attrs).toMatchObject({
          "db.system.name": system[c.name],
          "db.operation.name": "SELECT",
          "db.collection.name": "traced_members",
          "db.response.returned_rows": 1
        })
        expect(String(attrs["db.namespace"])).not.toBe("")
        if (c.name === "sqlite") expect(attrs["server.address"]).toBeUndefined()
        else {
          expect(attrs["server.address"]).toBe("127.0.0.1")
          expect(typeof attrs["server.port"]).toBe("number")
        }
        expect(inserted.attributes.get("db.response.affected_rows") ?? inserted.attributes.get("db.response.returned_rows"))
          .toBe(1)
        // Placeholders only: no value in the text, no parameter attribute.
        for (const span of [inserted, failed, select]) {
          expect(String(span.attributes.get("db.query.text"))).not.toContain("ada@example.com")
          expect([...span.attributes.keys()].filter((k) => k.startsWith("db.query.parameter"))).toEqual([])
        }
        // One span per statement: outer, transaction, 2 inserts, 1 select (no @effect/sql span beside them).
        expect(spans.map((s) => s.name).filter((n) => n !== "BATCH").sort()).toEqual(
          ["INSERT traced_members", "INSERT traced_members", "SELECT traced_members", "outer", "transaction"]
        )
        // SQLite: what went through the writer's queue is linked to the batch that committed it.
        for (const batch of named("BATCH")) {
          expect(c.name).toBe("sqlite")
          for (const link of batch.links) expect(["transaction", "INSERT traced_members"]).toContain((link.span as Recorded).name)
        }
      }).pipe(Effect.provide(c.layer)))

    it.effect("parameter values only with \"parameters\"; none with \"off\" or Effect's default tracer", () =>
      Effect.gen(function*() {
        const { spans, tracer } = recorder()
        yield* Ddl.createAll([Members])
        const find = Query.all(Query.from(Members).pipe(Query.where({ email: "grace@example.com" })))
        yield* find.pipe(Tracing.withSpans("parameters"), Effect.withTracer(tracer))
        expect(spans).toHaveLength(1)
        expect(spans[0].attributes.get("db.query.parameter.0")).toBe("grace@example.com")
        yield* find.pipe(Tracing.withSpans("off"), Effect.withTracer(tracer))
        expect(spans).toHaveLength(1)
        // Under the default tracer nothing is traced (and the fast paths stay).
        const parent = yield* find.pipe(Effect.zipRight(Effect.option(Effect.currentSpan)))
        expect(Option.isNone(parent)).toBe(true)
      }).pipe(Effect.provide(c.layer)))

    it.effect("streams have a span; the settings come from Tracing.layer and from Config", () =>
      Effect.gen(function*() {
        const { spans, tracer } = recorder()
        yield* Ddl.createAll([Members])
        yield* Query.run(Query.insertMany(Members, [{ email: "lin@example.com" }]))
        const streamed = yield* Stream.runCollect(Query.stream(Query.from(Members))).pipe(Effect.withTracer(tracer))
        expect(Chunk.size(streamed)).toBe(1)
        expect(spans.map((s) => s.name)).toEqual(["SELECT traced_members"])
        expect(spans[0].attributes.get("db.system.name")).toBe(system[c.name])

        const find = Query.all(Query.from(Members).pipe(Query.where({ email: "lin@example.com" })))
        yield* find.pipe(Effect.withTracer(tracer), Effect.provide(Tracing.layer({ spans: "parameters" })))
        expect(spans[1].attributes.get("db.query.parameter.0")).toBe("lin@example.com")
        const fromConfig = Tracing.layerConfig().pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["QUARRY_SPANS", "off"]]))))
        )
        yield* find.pipe(Effect.withTracer(tracer), Effect.provide(fromConfig))
        expect(spans).toHaveLength(2)
      }).pipe(Effect.provide(c.layer)))

    it.effect("a debug line per statement, a warning for a slow one", () =>
      Effect.gen(function*() {
        const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
        const logger = Logger.make(({ annotations, logLevel, message }) => {
          const text = Array.isArray(message) ? message.join(" ") : String(message)
          lines.push({ level: logLevel.label, message: text, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
        })
        const capture = Logger.replace(Logger.defaultLogger, logger)
        yield* Ddl.createAll([Members])
        const find = Query.all(Query.from(Members).pipe(Query.where({ email: "kay@example.com" })))
        // Default level (info), default threshold: nothing.
        yield* find.pipe(Effect.provide(capture))
        expect(lines).toEqual([])
        yield* Effect.all([
          Query.run(Query.insertMany(Members, [{ email: "kay@example.com" }])),
          find
        ]).pipe(Logger.withMinimumLogLevel(LogLevel.Debug), Effect.provide(capture))
        expect(lines.map((l) => l.level)).toEqual(["DEBUG", "DEBUG"])
        expect(lines[1].message).toContain("traced_members")
        expect(lines[1].annotations).toMatchObject({
          "db.system.name": system[c.name],
          "db.operation.name": "SELECT",
          "db.collection.name": "traced_members",
          "db.response.returned_rows": 1
        })
        expect(typeof lines[1].annotations["db.duration_ms"]).toBe("number")
        expect(JSON.stringify(lines)).not.toContain("kay@example.com")
        // A threshold every statement passes: warnings at the default level, without a tracer.
        lines.length = 0
        yield* find.pipe(Tracing.withSlowStatement("0 millis"), Effect.provide(capture))
        expect(lines.map((l) => l.level)).toEqual(["WARN"])
        expect(lines[0].message).toMatch(/^slow statement/)
        lines.length = 0
        yield* find.pipe(Effect.provide(Layer.merge(capture, Tracing.layer({ slowStatement: "off" }))))
        expect(lines).toEqual([])
      }).pipe(Effect.provide(c.layer)))
  })
}

describe("the SQLite writer's batch", () => {
  const c = only("sqlite", "tracing-batch")
  it.effect("is a BATCH span linked both ways with the writes it commits", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recorder()
      yield* Ddl.createAll([Members])
      // Many writers at once share the writer's batches.
      yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => `w${i}@example.com`),
        (email) => Query.run(Query.insertMany(Members, [{ email }])),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.withTracer(tracer))
      const batches = spans.filter((s) => s.name === "BATCH")
      expect(batches.length).toBeGreaterThan(0)
      for (const batch of batches) {
        expect(batch.attributes.get("db.system.name")).toBe("sqlite")
        expect(batch.attributes.get("db.operation.batch.size")).toBe(batch.links.length)
        expect(batch.status._tag).toBe("Ended")
        for (const link of batch.links) {
          const write = link.span as Recorded
          expect(write.name).toBe("INSERT traced_members")
          expect(write.links.map((l) => l.span)).toContain(batch)
        }
      }
    }).pipe(Effect.provide(c.layer)))
})
