/**
 * A layer is a recipe: every build acquires its own connections and every
 * finalizer releases only its own. One layer value, built again after its
 * first build closed or built twice at once, works each time on every
 * dialect, whether it comes from the dialect's module or from DatabaseConfig.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Config, Context, Effect, Exit, Layer, Scope } from "effect"
import type { DialectName } from "../../src/dialect/Dialect.js"
import { Database } from "../../src/layers/Database.js"
import * as DatabaseConfig from "../../src/layers/DatabaseConfig.js"
import type { DatabaseError } from "../../src/layers/DatabaseError.js"
import { databaseUrl, layerAt } from "../support/dialects.js"

type Live = Layer.Layer<Database | SqlClient.SqlClient, DatabaseError>

const flavours: ReadonlyArray<readonly [string, (name: DialectName, url: string) => Live]> = [
  ["layer", layerAt],
  ["DatabaseConfig.layerFromUrl", (_, url) => DatabaseConfig.layerFromUrl(url)],
  ["DatabaseConfig.layerConfig", (_, url) => Layer.orDie(DatabaseConfig.layerConfig(Config.succeed(url)))]
]

/** One build of `layer` in a scope of its own, closed by the caller. */
const build = (layer: Live) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Scope.extend(Layer.build(layer), scope)
    return { context, close: Scope.close(scope, Exit.void) }
  })

/**
 * Every path a statement can take through a build: one step on the pool
 * (`run`, `all`), a reserved connection (a transaction), the `SqlClient`.
 * The number of rows written so far, by every build.
 */
const use = (context: Context.Context<Database | SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const db = Context.get(context, Database)
    yield* db.run({ sql: "CREATE TABLE IF NOT EXISTS builds (n INT)", params: [] })
    yield* db.run({ sql: "INSERT INTO builds (n) VALUES (1)", params: [] })
    yield* db.transaction(db.run({ sql: "INSERT INTO builds (n) VALUES (2)", params: [] }))
    const [viaSql] = yield* Context.get(context, SqlClient.SqlClient)<{ n: unknown }>`SELECT COUNT(*) AS n FROM builds`
    const [viaDb] = yield* db.all({ sql: "SELECT COUNT(*) AS n FROM builds", params: [] })
    expect(Number(viaSql.n)).toBe(Number(viaDb.n))
    return Number(viaDb.n)
  })

describe.each(["sqlite", "postgres", "mysql"] as const)("%s: one layer value, many builds", (name) => {
  describe.each(flavours)("%s", (flavour, makeLayer) => {
    const suite = `rebuild_${flavour.replace(/\W/g, "_")}`

    it.scopedLive("is built, closed and built again", () =>
      Effect.gen(function*() {
        const layer = makeLayer(name, yield* databaseUrl(name, `${suite}_seq`))
        const first = yield* build(layer)
        expect(yield* use(first.context)).toBe(2)
        yield* first.close
        const second = yield* build(layer)
        expect(yield* use(second.context)).toBe(4)
        yield* second.close
        const third = yield* build(layer)
        expect(yield* use(third.context)).toBe(6)
        yield* third.close
      }))

    it.scopedLive("two builds open at once do not share a pool: closing either leaves the other working", () =>
      Effect.gen(function*() {
        const layer = makeLayer(name, yield* databaseUrl(name, `${suite}_par`))
        const a = yield* build(layer)
        const b = yield* build(layer)
        expect(yield* use(a.context)).toBe(2)
        expect(yield* use(b.context)).toBe(4)
        // the later build closes first, then the earlier one
        yield* b.close
        expect(yield* use(a.context)).toBe(6)
        const c = yield* build(layer)
        expect(yield* use(c.context)).toBe(8)
        yield* a.close
        expect(yield* use(c.context)).toBe(10)
        yield* c.close
      }))
  })
})
