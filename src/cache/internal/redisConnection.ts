/**
 * A Redis connection for the query cache, on ioredis loaded when a store or
 * messages are built, never when `effect-quarry` is imported (ioredis is an
 * optional peer dependency). A missing ioredis fails with a `StoreError`
 * naming what to install.
 *
 * The connection is set to fail fast rather than wait: commands are not
 * queued while it is down (`enableOfflineQueue: false`), not retried
 * (`maxRetriesPerRequest: 0`) and time out (`commandTimeout`), so that a
 * lost Redis costs a query a failed lookup — it reads the database — and
 * never a wait. ioredis reconnects in the background. Its errors are logged
 * as warnings, once per outage.
 */
import { Duration, Effect, Runtime, type Scope } from "effect"
import type { RedisOptions } from "../QueryCache.js"
import { StoreError } from "../QueryCache.js"

/** What the cache uses of an ioredis client. */
export interface Client {
  readonly status: string
  on(event: string, listener: (...args: Array<any>) => void): unknown
  once(event: string, listener: (...args: Array<any>) => void): unknown
  off(event: string, listener: (...args: Array<any>) => void): unknown
  duplicate(): Client
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void
  publish(channel: string, message: string): Promise<number>
  subscribe(channel: string): Promise<unknown>
  mset(...args: Array<string>): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
  [command: string]: any
}

type Constructor = new(url: string, options: Record<string, unknown>) => Client

/** The ioredis client class, or a `StoreError` saying to install it. */
export const load = (importer: () => Promise<unknown> = () => import("ioredis")): Effect.Effect<Constructor, StoreError> =>
  Effect.tryPromise({
    try: async () => {
      const module = (await importer()) as { default?: Constructor; Redis?: Constructor }
      const Redis = module.Redis ?? module.default
      if (typeof Redis !== "function") throw new Error("the module has no Redis class")
      return Redis
    },
    catch: (cause) =>
      new StoreError({
        message: `cannot load ioredis for the Redis query cache (install it with \`npm install ioredis\`): ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        cause
      })
  })

/** A `StoreError` for a failed Redis command. */
export const failed = (what: string) => (cause: unknown): StoreError =>
  new StoreError({ message: `Redis ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

const millis = (d: Duration.DurationInput | undefined, fallback: number): number =>
  d === undefined ? fallback : Math.max(1, Math.round(Duration.toMillis(Duration.decode(d))))

/** Resolves when `client` is ready, or after `timeout` ms (it keeps trying in the background). */
const ready = (client: Client, timeout: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    if (client.status === "ready") return resume(Effect.succeed(true))
    const done = (ok: boolean) => {
      clearTimeout(timer)
      client.off("ready", onReady)
      resume(Effect.succeed(ok))
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeout)
    client.on("ready", onReady)
    return Effect.sync(() => {
      clearTimeout(timer)
      client.off("ready", onReady)
    })
  })

/**
 * A client connected to `options.url` (or `redisOptions`) for the life of
 * the scope: closed with it. Building it waits up to `connectTimeout` for
 * the connection; if Redis does not answer, it logs a warning and goes on
 * (lookups fail, and so read the database, until Redis is back).
 */
export const connect = (
  options: RedisOptions,
  what: string,
  setup: (client: Client) => void = () => undefined
): Effect.Effect<Client, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const Redis = yield* load()
    const runtime = yield* Effect.runtime<never>()
    const connectTimeout = millis(options.connectTimeout, 2_000)
    const client = yield* Effect.acquireRelease(
      Effect.try({
        try: () =>
          new Redis(options.url ?? "redis://127.0.0.1:6379", {
            connectTimeout,
            commandTimeout: millis(options.commandTimeout, 1_000),
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
            ...options.redisOptions
          }),
        catch: failed("connection")
      }),
      (client) =>
        Effect.promise(() =>
          client.quit().catch(() => {
            client.disconnect()
          })
        )
    )
    let down = false
    client.on("error", (error: unknown) => {
      if (down) return
      down = true
      Runtime.runFork(runtime)(Effect.logWarning(`QueryCache: the Redis ${what} connection failed`, error))
    })
    client.on("ready", () => {
      down = false
    })
    setup(client)
    if (!(yield* ready(client, connectTimeout))) {
      yield* Effect.logWarning(`QueryCache: Redis ${what} not ready after ${connectTimeout} ms; reading the database meanwhile`)
    }
    return client
  })
