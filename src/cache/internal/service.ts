/**
 * The query cache service. A hit is one synchronous lookup (on a store that
 * has synchronous operations). A miss registers a flight for its key before
 * it reads, so concurrent misses of the same statement wait for that one
 * read instead of each reading (no stampede); it takes the store's version
 * before reading and stores only if no table it depends on was invalidated
 * meanwhile. An invalidation also grounds the flights it concerns, so that
 * readers arriving after it never join a read begun before it.
 *
 * Effect's `Cache` would give the single flight, but not what this needs
 * around it: lookups run in the context of the caller (its database,
 * transaction and span), entries bounded by bytes, dropped by table, and a
 * store shared between processes.
 */
import { Cause, Config, Deferred, Duration, Effect, Exit, FiberId, Layer, Option, Runtime, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import * as Database from "../../layers/Database.js"
import { type CachedRead, keyOf, QueryCache } from "../../query/internal/cache.js"
import type * as Table from "../../schema/Table.js"
import type { Invalidation, Messages, Options, StoreError } from "../QueryCache.js"
import * as memory from "./memoryStore.js"
import * as metrics from "./metrics.js"

type Rows = ReadonlyArray<Database.Row>

/** A read in progress for a key: its waiters get its exit (`undefined`: it was interrupted, read again). */
interface Flight {
  readonly tables: ReadonlyArray<string>
  readonly done: Deferred.Deferred<Exit.Exit<Rows, unknown> | undefined>
  grounded: boolean
}

const note = (read: CachedRead, outcome: string): void => {
  const span = read.fiber?.currentSpan
  if (span !== undefined && span._tag === "Span") span.attribute("quarry.cache", outcome)
}

const logged = <A>(what: string, effect: Effect.Effect<A, StoreError>, fallback: A): Effect.Effect<A> =>
  Effect.catchAll(effect, (error) => Effect.as(Effect.logWarning(`QueryCache: the store's ${what} failed`, error), fallback))

const touches = (flight: Flight, tables: ReadonlyArray<string> | "all"): boolean =>
  tables === "all" || flight.tables.some((t) => tables.includes(t))

/** @internal */
export const make = (options: Options = {}): Effect.Effect<QueryCache, StoreError, Database.Database | Scope.Scope> =>
  Effect.gen(function*() {
    const database = yield* Database.Database
    const store = options.store === undefined
      ? yield* memory.make(options)
      : Effect.isEffect(options.store)
      ? yield* options.store
      : options.store
    const sync = memory.syncOf(store)
    const defaultTtl = options.ttl === undefined ? undefined : Duration.decode(options.ttl)
    const prefix = options.namespace === undefined ? "" : `${options.namespace}\u0000`
    const messages: Messages | undefined = Effect.isEffect(options.messages) ? yield* options.messages : options.messages
    const origin = randomUUID()
    const flights = new Map<string, Flight>()

    const ground = (tables: ReadonlyArray<string> | "all"): void => {
      for (const [key, flight] of flights) {
        if (!touches(flight, tables)) continue
        flight.grounded = true
        flights.delete(key)
      }
    }

    /** Invalidate in this process: the store (if it is this process's) and the flights. */
    const local = (tables: ReadonlyArray<string> | "all"): Effect.Effect<void> => {
      metrics.add(metrics.invalidations, tables === "all" ? 1 : tables.length)
      ground(tables)
      if (sync !== undefined) {
        if (tables === "all") sync.clear()
        else sync.invalidate(tables)
        return Effect.void
      }
      return logged("invalidation", tables === "all" ? store.clear : store.invalidate(tables), undefined)
    }

    const broadcast = (tables: ReadonlyArray<string> | "all"): Effect.Effect<void> =>
      messages === undefined ? Effect.void : logged("publish", messages.publish({ origin, tables }), undefined)

    if (messages !== undefined) {
      const run = Runtime.runFork(yield* Effect.runtime<never>())
      yield* messages.subscribe((message: Invalidation) => {
        if (message.origin === origin) return
        // a synchronous store is invalidated before the sender's publish returns
        if (sync !== undefined) local(message.tables)
        else run(Effect.suspend(() => local(message.tables)))
      })
    }

    const hit = (read: CachedRead, rows: Rows): Effect.Effect<Rows> => {
      metrics.add(metrics.hits, 1)
      note(read, "hit")
      return Exit.succeed(rows)
    }

    /** Statement keys with the namespace in front, kept (so that each is one string with its hash). */
    const namespaced = new Map<string, string>()
    const statementOf = (read: CachedRead): string => {
      if (prefix === "") return read.statement
      let statement = namespaced.get(read.statement)
      if (statement === undefined) {
        if (namespaced.size >= 10_000) namespaced.clear()
        namespaced.set(read.statement, statement = prefix + read.statement)
      }
      return statement
    }

    const rows = <E>(read: CachedRead, load: Effect.Effect<Rows, E>): Effect.Effect<Rows, E> => {
      const statement = statementOf(read)
      if (sync !== undefined) {
        const found = sync.get(statement, read.params)
        return found !== undefined ? hit(read, found) : miss(statement, read, load)
      }
      return Effect.flatMap(
        logged("read", store.get(keyOf({ statement, params: read.params })), Option.none()),
        (found) => (Option.isSome(found) ? hit(read, found.value) : miss(statement, read, load))
      )
    }

    const miss = <E>(statement: string, read: CachedRead, load: Effect.Effect<Rows, E>): Effect.Effect<Rows, E> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const key = keyOf({ statement, params: read.params })
          const current = flights.get(key)
          if (current !== undefined) {
            metrics.add(metrics.hits, 1)
            note(read, "shared")
            return restore(Effect.flatMap(
              Deferred.await(current.done),
              (exit) => (exit === undefined ? rows(read, load) : exit as Exit.Exit<Rows, E>)
            ))
          }
          metrics.add(metrics.misses, 1)
          note(read, "miss")
          const tables = read.tables()
          const flight: Flight = { tables, done: Deferred.unsafeMake(FiberId.none), grounded: false }
          flights.set(key, flight)
          const ttl = read.ttl ?? defaultTtl
          const settle = (exit: Exit.Exit<Rows, E>, version: unknown): Effect.Effect<void> => {
            if (flights.get(key) === flight) flights.delete(key)
            const interrupted = Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
            Deferred.unsafeDone(flight.done, Exit.succeed(interrupted ? undefined : exit))
            if (!Exit.isSuccess(exit) || flight.grounded || version === undefined) return Effect.void
            const entry = { rows: exit.value, tables }
            if (sync !== undefined) {
              sync.set(statement, read.params, entry, ttl, version as number)
              return Effect.void
            }
            return logged("write", store.set(key, entry, { ttl, version }), undefined)
          }
          const version: Effect.Effect<unknown> = sync !== undefined
            ? Exit.succeed(sync.version())
            : logged("version", store.version(tables), undefined)
          return Effect.flatMap(version, (v) =>
            Effect.flatMap(Effect.exit(restore(load)), (exit) => Effect.zipRight(settle(exit, v), exit)))
        })
      )

    return {
      database,
      rows,
      invalidate: (tables) =>
        tables.length === 0 ? Effect.void : Effect.suspend(() => Effect.zipRight(local(tables), broadcast(tables))),
      invalidateAll: Effect.suspend(() => Effect.zipRight(local("all"), broadcast("all")))
    }
  })

/** @internal */
export const layer = (options?: Options): Layer.Layer<QueryCache, StoreError, Database.Database> =>
  Layer.scoped(QueryCache, make(options))

/** @internal */
export const layerConfig = (
  config: Config.Config.Wrap<Pick<Options, "maxEntries" | "maxBytes" | "ttl" | "namespace">>
) => Layer.unwrapEffect(Effect.map(Config.unwrap(config), (options) => layer(options)))

const names = (tables: ReadonlyArray<Table.Any | string>): Array<string> =>
  tables.map((t) => (typeof t === "string" ? t : t.name))

/** @internal */
export const invalidate = (...tables: ReadonlyArray<Table.Any | string>): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(QueryCache), (cache) =>
    Option.isNone(cache) ? Effect.void : Database.afterCommit(cache.value.invalidate(names(tables))))

/** @internal */
export const invalidateAll: Effect.Effect<void> = Effect.flatMap(
  Effect.serviceOption(QueryCache),
  (cache) => (Option.isNone(cache) ? Effect.void : Database.afterCommit(cache.value.invalidateAll))
)

/** @internal */
export const memoryMessages: Effect.Effect<Messages> = Effect.sync(() => {
  const receivers = new Set<(message: Invalidation) => void>()
  return {
    publish: (message) =>
      Effect.sync(() => {
        for (const receive of Array.from(receivers)) receive(message)
      }),
    subscribe: (receive) =>
      Effect.acquireRelease(Effect.sync(() => receivers.add(receive)), () => Effect.sync(() => receivers.delete(receive)))
        .pipe(Effect.asVoid)
  }
})
