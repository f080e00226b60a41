/**
 * The canonical encoding verify hashes: the same decoded values read from
 * different dialects' drivers encode the same; any changed value does not.
 */
import { Model } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Dialect from "../../src/dialect/Dialect.js"
import { codec } from "../../src/replication/internal/image.js"
import * as Ranges from "../../src/replication/internal/ranges.js"
import * as Column from "../../src/schema/Column.js"
import * as Table from "../../src/schema/Table.js"

class Doc extends Model.Class<Doc>("Doc")({
  id: Schema.Int,
  flag: Schema.Boolean,
  amount: Column.Decimal(10, 2),
  big: Schema.BigInt,
  body: Column.Json(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}) {}

const Docs = Table.make(Doc, { name: "docs", primaryKey: ["id"] })

const read = (dialect: Dialect.Dialect, raw: ReadonlyArray<unknown>) => {
  const c = codec(Docs, dialect)
  return raw.map((v, i) => c.toNeutral[i](v))
}

describe("verify's canonical encoding", () => {
  it("encodes a PostgreSQL row and the same MySQL and SQLite rows alike", () => {
    const pg = read(Dialect.postgres, [1, true, "1.50", "9223372036854775807", "{\"b\": 1, \"a\": {\"y\": [1, 2], \"x\": null}}"])
    const my = read(Dialect.mysql, [1, 1, "1.5", "9223372036854775807", "{\"a\": {\"x\": null, \"y\": [1, 2]}, \"b\": 1}"])
    const lite = read(Dialect.sqlite, [1, 1, "1.5", "9223372036854775807", "{\"a\":{\"x\":null,\"y\":[1,2]},\"b\":1}"])
    expect(Ranges.encode(Docs, my)).toBe(Ranges.encode(Docs, pg))
    expect(Ranges.encode(Docs, lite)).toBe(Ranges.encode(Docs, pg))
    expect(Ranges.checksum(Docs, [lite])).toBe(Ranges.checksum(Docs, [pg]))
  })

  it("tells any changed value apart", () => {
    const base = [1, true, "1.5", "9223372036854775807", "{\"a\":1}"]
    const encoded = Ranges.encode(Docs, read(Dialect.postgres, base))
    const changes: ReadonlyArray<ReadonlyArray<unknown>> = [
      [2, true, "1.5", "9223372036854775807", "{\"a\":1}"],
      [1, false, "1.5", "9223372036854775807", "{\"a\":1}"],
      [1, true, "1.51", "9223372036854775807", "{\"a\":1}"],
      [1, true, "1.5", "9223372036854775806", "{\"a\":1}"],
      [1, true, "1.5", "9223372036854775807", "{\"a\":2}"]
    ]
    for (const changed of changes) expect(Ranges.encode(Docs, read(Dialect.postgres, changed))).not.toBe(encoded)
  })
})
