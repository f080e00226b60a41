/**
 * Spans on the three dialects, recorded by an in-memory tracer: names and
 * attributes by OpenTelemetry's database conventions, parent / child through
 * transactions, errors recorded, parameter values only when asked for, and
 * no second span from @effect/sql for the same statement.
 */
import { describe, expect, it } from "@effect/vitest"
import { Model } from "@effect/sql"
import { Effect, Exit, Option, Schema, Tracer } from "effect"
import { transaction } from "../../src/layers/Database.js"
import * as Tracing from "../../src/layers/Tracing.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"

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

const system = { sqlite: "sqlite", postgres: "postgresql", mysql: "mysql" } as const

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
        expect(spans.map((s) => s.name).sort()).toEqual(
          ["INSERT traced_members", "INSERT traced_members", "SELECT traced_members", "outer", "transaction"]
        )
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
  })
}
