/**
 * The spans as OpenTelemetry receives them through `@effect/opentelemetry`
 * (the setup docs/observability.md shows), on the three dialects: one client
 * span per statement, under the transaction's span, with the conventions'
 * attributes and the error's status.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { describe, expect, it } from "@effect/vitest"
import { Model } from "@effect/sql"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Schema } from "effect"
import { transaction } from "../../src/layers/Database.js"
import * as Ddl from "../../src/schema/Ddl.js"
import * as Table from "../../src/schema/Table.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"

class Note extends Model.Class<Note>("Note")({
  id: Model.Generated(Schema.Int),
  title: Schema.String.pipe(Schema.maxLength(100))
}) {}
const Notes = Table.make(Note, { name: "otel_notes", columns: { title: { unique: true } } })

for (const c of cases("tracing-otel")) {
  describe(`OpenTelemetry (${c.name})`, () => {
    it.effect("exports a client span per statement under its transaction, failures with error status", () => {
      const exporter = new InMemorySpanExporter()
      const Otel = NodeSdk.layer(() => ({
        resource: { serviceName: "quarry-test" },
        spanProcessor: new SimpleSpanProcessor(exporter)
      }))
      return Effect.gen(function*() {
        // Read before the provider shuts down (which empties the in-memory exporter).
        const spans = yield* Effect.gen(function*() {
          yield* Ddl.createAll([Notes])
          yield* transaction(Query.run(Query.insertMany(Notes, [{ title: "a" }])))
          yield* Effect.exit(Query.run(Query.insertMany(Notes, [{ title: "a" }])))
          yield* Query.all(Query.from(Notes))
          return exporter.getFinishedSpans()
        }).pipe(Effect.provide(Otel))
        const tx = spans.find((s) => s.name === "transaction")!
        const inserts = spans.filter((s) => s.name === "INSERT otel_notes")
        const select = spans.find((s) => s.name === "SELECT otel_notes")!
        expect(inserts).toHaveLength(2)
        expect(inserts[0].parentSpanContext?.spanId).toBe(tx.spanContext().spanId)
        expect(select.kind).toBe(SpanKind.CLIENT)
        expect(select.attributes["db.collection.name"]).toBe("otel_notes")
        expect(select.attributes["db.response.returned_rows"]).toBe(1)
        expect(inserts[1].attributes["error.type"]).toBe("UniqueViolation")
        expect(inserts[1].status.code).toBe(SpanStatusCode.ERROR)
      }).pipe(Effect.provide(c.layer))
    })
  })
}
