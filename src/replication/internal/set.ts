/**
 * A replicated set, opened: the primary, its log, one shipper per shadow,
 * the pruner, and the finalizer that drains them.
 */
import type { SqlClient } from "@effect/sql"
import * as SqlClientTag from "@effect/sql/SqlClient"
import { Clock, Context, Duration, Effect, ExecutionStrategy, Exit, Layer, Option, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { Database } from "../../layers/Database.js"
import { type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import * as Replication from "../Replication.js"
import * as Checking from "./checking.js"
import * as ReplicatedDatabase from "./database.js"
import * as Routing from "./routing.js"
import * as Log from "./log.js"
import * as Members from "./members.js"
import * as Shipper from "./shipper.js"
import * as SqlAdapter from "./sqlClient.js"
import * as State from "./state.js"

/** The configuration, resolved. */
export interface Resolved {
  readonly primary: Layer.Layer<Database, unknown>
  readonly shadows: ReadonlyArray<readonly [string, Layer.Layer<Database, unknown>]>
  readonly tables: ReadonlyMap<string, Table.Any>
  readonly mode: "async" | "sync"
  readonly syncTimeout: Duration.Duration
  readonly batchSize: number
  readonly backfillChunkSize: number
  readonly reads: "primary" | "shadows"
  readonly readBound: Duration.Duration
  readonly pollMillis: number
  readonly leaseMillis: number
  readonly retry: Schedule.Schedule<unknown, unknown>
  readonly drainTimeout: Duration.Duration
  readonly retentionMillis: number
  readonly pruneInterval: Duration.Duration
  readonly owner: string
}

/** Background work keeps real time, whatever clock the program runs with (a test clock would stop it). */
const live = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withClock(effect, Clock.make())

const timeout = (shadow: string, dialect: Database["dialect"]["name"], position: number, waited: Duration.Duration) =>
  new ReplicationError({
    reason: "Timeout",
    dialect,
    shadow,
    position,
    message: `shadow ${shadow} did not apply position ${position} within ${Duration.format(waited)}; ` +
      `the write is committed on the primary and stays in the log`
  })

/** Open the set in the current scope. */
export const make = (
  config: Resolved
): Effect.Effect<Context.Context<Database | SqlClient.SqlClient | Replication.Replication>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const primaryContext = yield* Layer.build(config.primary)
    const primary = Context.get(primaryContext, Database)
    yield* Log.createPrimary(primary)
    const state = yield* State.make(config.shadows.map(([name]) => name))
    yield* state.advance(yield* Log.head(primary), Date.now())

    // closed in reverse: the drain (added last) first, then the fibers, then the shadows, then the primary
    const scope = yield* Effect.scope
    const shadowsScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    const fibersScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    // the shadows of the set now: each with scopes of its own inside the set's, so that one can be removed alone
    const members = new Map<string, Members.Member>()
    const names = () => [...members.keys()]
    const shippers = {
      get: (name: string) => members.get(name)?.shipper,
      values: () => [...members.values()].map((m) => m.shipper)
    }
    const start = (name: string, layer: Layer.Layer<Database, unknown>, scopes: Members.Scopes, opened?: Database) =>
      live(Shipper.start({
        name,
        layer,
        primary,
        tables: config.tables,
        state,
        owner: config.owner,
        batchSize: config.batchSize,
        backfillChunkSize: config.backfillChunkSize,
        pollMillis: config.pollMillis,
        leaseMillis: config.leaseMillis,
        retry: config.retry,
        opened
      }, scopes))
    for (const [name, layer] of config.shadows) {
      const scopes = yield* Members.scopes(fibersScope, shadowsScope)
      members.set(name, { ...scopes, shipper: yield* start(name, layer, scopes) })
    }

    /** Wait until a shadow has applied `position`. */
    const awaitOne = (name: string, position: number, waited: Duration.Duration): Effect.Effect<void, ReplicationError> =>
      live(
        state.ref.changes.pipe(
          Stream.map((s) => s.shadows[name]),
          Stream.filter((s) => s === undefined || s.position >= position || s.state === "stopped"),
          Stream.runHead,
          Effect.flatMap((found) => {
            const shadow = Option.getOrUndefined(found)
            return shadow === undefined || shadow.position >= position
              ? Effect.void
              : Effect.fail(shadow.lastError ?? timeout(name, primary.dialect.name, position, waited))
          }),
          Effect.timeoutFail({ duration: waited, onTimeout: () => timeout(name, primary.dialect.name, position, waited) })
        )
      )

    /** Wait until every shadow has applied `position`. */
    const awaitAll = (position: number, waited: Duration.Duration): Effect.Effect<void, ReplicationError> =>
      Effect.forEach(names(), (name) => awaitOne(name, position, waited), { concurrency: "unbounded", discard: true })

    let closing = false
    const wakeAll = Effect.suspend(() => Effect.forEach(shippers.values(), (s) => s.wake, { discard: true }))
    const database = ReplicatedDatabase.make({
      primary,
      compiler: yield* SqlAdapter.compilerFor(primary.dialect.name),
      tables: config.tables,
      closing: () => closing,
      reads: config.reads,
      route: Routing.make({
        primary,
        reads: config.reads,
        shadows: () => [...members].map(([name, m]) => ({ name, database: m.shipper.database })),
        state,
        bound: config.readBound
      }),
      committed: (position, at) =>
        Effect.zipRight(
          Effect.zipRight(state.advance(position, at), wakeAll),
          config.mode === "sync" ? awaitAll(position, config.syncTimeout) : Effect.void
        )
    })

    // entries every shadow has applied (as recorded on the primary) go, once older than the retention; a
    // shadow being added holds pruning back (taken under the same permit: no prune decided without it runs after)
    const pruning = yield* Effect.makeSemaphore(1)
    const holds = new Map<string, number>()
    const prune = pruning.withPermits(1)(Effect.gen(function*() {
      const recorded = yield* Log.recordedShadows(primary)
      const { head } = yield* SubscriptionRef.get(state.ref)
      const upTo = Math.min(head, ...names().map((n) => recorded.get(n) ?? 0), ...holds.values())
      if (upTo > 0) yield* Log.prune(primary, upTo, Date.now() - config.retentionMillis)
    }))
    yield* Effect.forkIn(live(
      Effect.repeat(
        Effect.catchAll(prune, (e) => Effect.logDebug(`replication: pruning failed: ${e.message}`)),
        Schedule.spaced(config.pruneInterval)
      )
    ), fibersScope)

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closing = true
        const snapshot = yield* SubscriptionRef.get(state.ref)
        const target = yield* Effect.orElseSucceed(Log.head(primary), () => snapshot.head)
        const shipping = names().filter((n) => snapshot.shadows[n]?.shipping || snapshot.shadows[n]?.state === "down")
        yield* wakeAll
        const drained = yield* Effect.exit(live(Effect.forEach(shipping, (name) =>
          state.ref.changes.pipe(
            Stream.map((s) => s.shadows[name]),
            // a shadow still opening is "down" and not shipping yet: wait for it; one another process ships to is not ours to drain
            Stream.filter((s) =>
              s === undefined || s.position >= target || s.state === "stopped" || (!s.shipping && s.state !== "down")
            ),
            Stream.runHead
          ), { concurrency: "unbounded", discard: true }).pipe(Effect.timeout(config.drainTimeout))))
        if (Exit.isFailure(drained)) {
          yield* Effect.logWarning(`replication: closing before every shadow applied position ${target}; the rest stays in the log`)
        }
        const after = yield* SubscriptionRef.get(state.ref)
        yield* Effect.forEach(names(), (n) =>
          (after.shadows[n]?.position ?? 0) > 0
            ? Effect.ignore(Log.recordShadow(primary, n, after.shadows[n].position, Date.now()))
            : Effect.void, { discard: true })
      })
    )

    const membership: Members.Deps = {
      primary,
      tables: config.tables,
      state,
      members,
      adding: new Set<string>(),
      holds,
      pruning,
      closing: () => closing,
      owner: config.owner,
      leaseMillis: config.leaseMillis,
      backfillChunkSize: config.backfillChunkSize,
      newScopes: Members.scopes(fibersScope, shadowsScope),
      start: (name, layer, scopes, opened) => start(name, layer, scopes, opened)
    }

    const checkingDeps = (name: string): Checking.Deps | undefined => {
      const shipper = shippers.get(name)
      return shipper === undefined ? undefined : {
        name,
        primary,
        shadow: shipper.open,
        tables: config.tables,
        owner: config.owner,
        leaseMillis: config.leaseMillis,
        waitFor: (position, waited) =>
          Effect.zipRight(
            Effect.zipRight(state.advance(position, Date.now()), shipper.wake),
            awaitOne(name, position, waited)
          ),
        wake: shipper.wake
      }
    }

    const replication: Replication.Replication = {
      status: Effect.map(SubscriptionRef.get(state.ref), (s) => statusOf(config.mode, s, Date.now())),
      changes: Stream.map(state.ref.changes, (s) => statusOf(config.mode, s, Date.now())),
      caughtUp: (options) =>
        Effect.flatMap(Log.head(primary), (head) =>
          Effect.zipRight(
            Effect.zipRight(state.advance(head, Date.now()), wakeAll),
            awaitAll(head, Duration.decode(options?.timeout ?? Replication.defaultCaughtUpTimeout))
          )) as Effect.Effect<void, DatabaseError>,
      resume: (name) => {
        const shipper = shippers.get(name)
        return shipper === undefined ? Effect.fail(unknownShadow(primary, name)) : shipper.resume
      },
      backfill: (name, options) => {
        const shipper = shippers.get(name)
        return shipper === undefined ? Stream.fail(unknownShadow(primary, name)) : shipper.backfill(options?.tables)
      },
      addShadow: (name, layer, options) => Members.add(membership, name, layer, options),
      removeShadow: (name) => Members.remove(membership, name),
      verify: (name, options) => {
        const deps = checkingDeps(name)
        return deps === undefined ? Effect.fail(unknownShadow(primary, name)) : Checking.verify(deps, options)
      },
      repair: (name, options) => {
        const deps = checkingDeps(name)
        return deps === undefined ? Effect.fail(unknownShadow(primary, name)) : Checking.repair(deps, options)
      },
      primary,
      shadow: (name) => {
        const shipper = shippers.get(name)
        return shipper === undefined ? Effect.fail(unknownShadow(primary, name)) : shipper.database
      }
    }

    return Context.make(Database, database).pipe(
      Context.add(SqlClientTag.SqlClient, database.sql),
      Context.add(Replication.Replication, replication)
    )
  })

const unknownShadow = (primary: Database, name: string) =>
  new ReplicationError({ reason: "NotReplicated", dialect: primary.dialect.name, shadow: name, message: `no shadow named ${name}` })

const statusOf = (mode: "async" | "sync", s: State.Snapshot, now: number): Replication.Status => ({
  mode,
  head: s.head,
  shadows: Object.values(s.shadows).map((shadow) => ({
    name: shadow.name,
    dialect: shadow.dialect,
    state: shadow.state,
    position: shadow.position,
    lag: {
      entries: Math.max(0, s.head - shadow.position),
      seconds: shadow.pendingSince === undefined || shadow.position >= s.head ? 0 : Math.max(0, (now - shadow.pendingSince) / 1000)
    },
    shipping: shadow.shipping,
    lastError: shadow.lastError
  }))
})
