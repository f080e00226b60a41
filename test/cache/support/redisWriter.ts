/**
 * Another process, for QueryCache.redis.integration.test.ts: renames the
 * first book through Quarry, with a query cache on the same Redis as the
 * test (a shared store, or messages), and exits.
 *
 * Environment: DIALECT, DATABASE_URL, REDIS_URL, NAMESPACE, MODE ("store" or
 * "messages"), TITLE.
 */
import { Effect, Layer } from "effect"
import * as QueryCache from "../../../src/cache/QueryCache.js"
import type { DialectName } from "../../../src/dialect/Dialect.js"
import * as Query from "../../../src/query/Query.js"
import { layerAt } from "../../support/dialects.js"
import { Books } from "../fixtures.js"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const redis = { url: env("REDIS_URL"), namespace: env("NAMESPACE") }
const cache = QueryCache.layer(
  env("MODE") === "store" ? { store: QueryCache.redisStore(redis) } : { messages: QueryCache.redisMessages(redis) }
)
const program = Effect.gen(function*() {
  const first = yield* Query.get(Query.from(Books).pipe(Query.orderBy(Books.c.id), Query.limit(1)))
  yield* Query.run(Query.update(Books, { title: env("TITLE") }).pipe(Query.where({ id: first.id })))
  yield* Effect.sync(() => console.log(`renamed ${first.id}`))
})

Effect.runPromise(
  program.pipe(Effect.provide(cache.pipe(Layer.provideMerge(layerAt(env("DIALECT") as DialectName, env("DATABASE_URL"))))))
).catch((error) => {
  console.error(error)
  process.exit(1)
})
