/**
 * Invalidation messages through Redis pub/sub, on the channel
 * `{namespace}:invalidations`: one connection publishes, each subscriber has
 * its own (a subscribed Redis connection can do nothing else).
 *
 * Pub/sub does not keep messages for a subscriber that is away: one whose
 * connection dropped may have missed invalidations. So when its
 * subscription is back (confirmed by Redis, so that nothing published from
 * then on is missed) it receives an invalidation of everything, as does one
 * that could not subscribe at first.
 */
import { Effect, type Scope } from "effect"
import type { Invalidation, Messages, RedisOptions, StoreError } from "../QueryCache.js"
import { connect, failed } from "./redisConnection.js"

const isInvalidation = (v: unknown): v is Invalidation =>
  typeof v === "object" && v !== null && typeof (v as Invalidation).origin === "string" &&
  ((v as Invalidation).tables === "all" ||
    (Array.isArray((v as Invalidation).tables) && (v as { tables: Array<unknown> }).tables.every((t) => typeof t === "string")))

/** @internal */
export const make = (options: RedisOptions = {}): Effect.Effect<Messages, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const channel = `{${options.namespace ?? "quarry"}}:invalidations`
    const publisher = yield* connect(options, "publisher")

    const subscribe = (receive: (message: Invalidation) => void): Effect.Effect<void, StoreError, Scope.Scope> =>
      Effect.gen(function*() {
        const client = yield* connect(options, "subscriber")
        let missed = false
        client.on("message", (from: string, text: string) => {
          if (from !== channel) return
          let message: unknown
          try {
            message = JSON.parse(text)
          } catch {
            return
          }
          if (isInvalidation(message)) receive(message)
        })
        const join = () =>
          client.subscribe(channel).then(() => {
            if (!missed) return
            missed = false
            receive({ origin: "redis", tables: "all" })
          }, () => {
            missed = true
          })
        client.on("close", () => {
          missed = true
        })
        client.on("ready", () => {
          if (missed) void join()
        })
        yield* Effect.tryPromise({ try: () => client.subscribe(channel), catch: failed("subscribe") }).pipe(
          Effect.catchAll((error) =>
            Effect.zipRight(
              Effect.sync(() => {
                missed = true
              }),
              Effect.logWarning("QueryCache: cannot subscribe to Redis invalidations yet; will when Redis is back", error)
            )
          )
        )
      })

    return {
      publish: (message) =>
        Effect.tryPromise({ try: () => publisher.publish(channel, JSON.stringify(message)), catch: failed("publish") })
          .pipe(Effect.asVoid),
      subscribe
    }
  })
