/**
 * A shipper: the fiber that keeps one shadow up to date.
 *
 * It opens the shadow (building its layer; a shadow that cannot be opened is
 * `down` and retried), takes the shadow's lease, then loops: read the entries
 * after the shadow's position from the primary (one read), apply a batch of
 * them on the shadow in ONE transaction that also checks the lease and
 * stores the new position, and wait for the next commit (or the poll
 * interval: other processes write too). A failure that may heal (connection,
 * deadlock, busy) makes the shadow `down` and is retried on the backoff
 * schedule; a shadow that rejects an entry is found out entry by entry and
 * `stopped` with the entry's position and table, the other shadows going
 * on. Another process holding the lease makes this one stand by, taking over
 * when that lease expires.
 */
import { Cause, Context, Duration, ExecutionStrategy, Effect, Either, Exit, Layer, Option, Queue, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { Database } from "../../layers/Database.js"
import { type DatabaseError, isDatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import { hasDdl, type Step, steps, Unknown } from "./apply.js"
import * as Backfill from "./backfill.js"
import * as Log from "./log.js"
import type { State } from "./state.js"

/** What a shipper needs. */
export interface Config {
  readonly name: string
  readonly layer: Layer.Layer<Database, unknown>
  readonly primary: Database
  readonly tables: ReadonlyMap<string, Table.Any>
  readonly state: State
  /** This process's name in leases. */
  readonly owner: string
  readonly batchSize: number
  readonly backfillChunkSize: number
  readonly pollMillis: number
  readonly leaseMillis: number
  readonly retry: Schedule.Schedule<unknown, unknown>
  /** The shadow, already opened in the shipper's shadows scope (`Replication.addShadow`): `layer` is then not built. */
  readonly opened?: Database | undefined
}

/** A running shipper. */
export interface Shipper {
  /** Tell it an entry was committed. */
  readonly wake: Effect.Effect<void>
  /** Start it again after it stopped. */
  readonly resume: Effect.Effect<void>
  /** The shadow's database, once opened. */
  readonly database: Effect.Effect<Option.Option<Database>>
  /** The shadow's database, opening it now if it is not yet (failing when it cannot be opened). */
  readonly open: Effect.Effect<Database, ReplicationError>
  /** Backfill the shadow (some tables, or all), then ship from the snapshot's position. */
  readonly backfill: (tables: ReadonlyArray<string> | undefined) => Stream.Stream<Backfill.Progress, ReplicationError | DatabaseError>
}

class LeaseLost {
  readonly _tag = "LeaseLost"
}

class StepFailed {
  readonly _tag = "StepFailed"
  constructor(readonly step: Step, readonly error: DatabaseError) {}
}

/** A failure that ends shipping until `resume`. */
class Stop {
  readonly _tag = "Stop"
  constructor(readonly error: ReplicationError) {}
}

const down = (c: Config, error: unknown): ReplicationError =>
  new ReplicationError({
    reason: "Unreachable",
    dialect: isDatabaseError(error) ? error.dialect : c.primary.dialect.name,
    shadow: c.name,
    message: `shadow ${c.name} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    cause: error
  })

const retryable = (error: unknown) => !isDatabaseError(error) || error.retryable || error._tag === "ConnectionError"

/** Take (or renew) the shadow's lease; whether this process holds it, and the stored position. */
const claim = (c: Config, shadow: Database) =>
  shadow.transaction(Effect.gen(function*() {
    const lease = yield* Log.lockPosition(shadow, c.name)
    const now = Date.now()
    if (lease.owner !== c.owner && lease.owner !== "" && lease.until > now) {
      return { leader: false, position: lease.position }
    }
    yield* Log.storePosition(shadow, c.name, { position: lease.position, owner: c.owner, until: now + c.leaseMillis })
    return { leader: true, position: lease.position }
  }))

/** Give up the shadow's lease, if this process holds it (its position stays). */
const release = (c: Config, shadow: Database) =>
  shadow.transaction(Effect.gen(function*() {
    const lease = yield* Log.lockPosition(shadow, c.name)
    if (lease.owner === c.owner) yield* Log.storePosition(shadow, c.name, { position: lease.position, owner: "", until: 0 })
  }))

/**
 * Apply steps and store the new position, in one transaction that checks the
 * lease and the position. DDL runs on SQLite with foreign keys off, as on the
 * primary: a table rebuild drops and renames a parent, which would otherwise
 * cascade to its children.
 */
const apply = (c: Config, shadow: Database, expected: number, batch: ReadonlyArray<Step>, last: number, ddl: boolean) =>
  shadow.transaction(
    Effect.gen(function*() {
      const lease = yield* Log.lockPosition(shadow, c.name)
      if (lease.owner !== c.owner || lease.position !== expected) return yield* Effect.fail(new LeaseLost())
      for (const step of batch) yield* Effect.mapError(shadow.run(step), (e) => new StepFailed(step, e))
      yield* Log.storePosition(shadow, c.name, { position: last, owner: c.owner, until: Date.now() + c.leaseMillis })
    }),
    ddl && shadow.dialect.name === "sqlite" ? { foreignKeysOff: true } : undefined
  )

/**
 * Start the shipper of one shadow: its fiber in `scopes.fibers`, the shadow's
 * layer in `scopes.shadows` (closed after the fibers are interrupted).
 */
export const start = (
  c: Config,
  scopes: { readonly fibers: Scope.Scope; readonly shadows: Scope.Scope }
): Effect.Effect<Shipper> =>
  Effect.gen(function*() {
    const wakeup = yield* Queue.sliding<void>(1)
    const resumed = yield* Queue.sliding<void>(1)
    const opened = yield* SubscriptionRef.make(Option.fromNullable(c.opened))
    const update = c.state.shadow

    const open: Effect.Effect<Database, ReplicationError> = Effect.flatMap(SubscriptionRef.get(opened), (known) =>
      Option.isSome(known) ? Effect.succeed(known.value) : Effect.gen(function*() {
        const child = yield* Scope.fork(scopes.shadows, ExecutionStrategy.sequential)
        const built = yield* Effect.exit(Layer.buildWithScope(c.layer, child))
        if (Exit.isFailure(built)) {
          yield* Scope.close(child, Exit.void)
          return yield* Effect.fail(down(c, Cause.squash(built.cause)))
        }
        const shadow = Context.get(built.value, Database)
        yield* Effect.mapError(Log.createShadow(shadow), (e) => down(c, e))
        yield* SubscriptionRef.set(opened, Option.some(shadow))
        yield* update(c.name, (s) => ({ ...s, dialect: shadow.dialect.name }))
        return shadow
      }))

    const wait = (millis: number) =>
      Effect.raceFirst(Queue.take(wakeup), Effect.sleep(Duration.millis(millis)))

    /** Ship while holding the lease; returns when it is lost. */
    const ship = (shadow: Database, from: number) =>
      Effect.gen(function*() {
        let position = from
        let renewed = Date.now()
        // the primary's copy of the position (for pruning): once idle, and at most once a second while shipping
        let recorded = 0
        let recordedAt = 0
        const record = Effect.suspend(() => {
          recorded = position
          recordedAt = Date.now()
          return Effect.ignore(Log.recordShadow(c.primary, c.name, position, recordedAt))
        })
        const tick = Math.max(1, Math.min(c.pollMillis, c.leaseMillis / 3))
        while (true) {
          const entries = yield* Effect.mapError(Log.read(c.primary, position, c.batchSize), (e) => down(c, e))
          if (entries.length === 0) {
            const head = yield* Effect.mapError(Log.head(c.primary), (e) => down(c, e))
            yield* c.state.advance(head, Date.now())
            if (head > position) {
              // entries committed up to `head` were in the log when it was read: read again before calling it a gap
              const again = yield* Effect.mapError(Log.read(c.primary, position, 1), (e) => down(c, e))
              if (again.length > 0) continue
              return yield* Effect.fail(new Stop(gap(c, shadow, position)))
            }
            yield* update(c.name, (s) => ({ ...s, state: "streaming", position, pendingSince: undefined, shipping: true, lastError: undefined }))
            if (recorded < position) yield* record
            if (Date.now() - renewed >= c.leaseMillis / 3) {
              const renewal = yield* Effect.mapError(claim(c, shadow), (e) => down(c, e))
              if (!renewal.leader || renewal.position !== position) return
              renewed = Date.now()
            }
            yield* wait(tick)
            continue
          }
          if (entries[0].position !== position + 1) return yield* Effect.fail(new Stop(gap(c, shadow, position)))
          const last = entries[entries.length - 1]
          yield* c.state.advance(last.position, last.at)
          // DDL goes alone: MySQL commits DDL at once, and the rows after it need the new tables
          const ddlAt = entries.findIndex(hasDdl)
          const batch = ddlAt === 0 ? entries.slice(0, 1) : ddlAt > 0 ? entries.slice(0, ddlAt) : entries
          const head = (yield* SubscriptionRef.get(c.state.ref)).head
          yield* update(c.name, (s) => ({
            ...s,
            state: head - position > c.batchSize ? "catching-up" : s.state === "down" ? "catching-up" : s.state,
            pendingSince: entries[0].at
          }))
          const applied = yield* applyOrFind(shadow, position, batch)
          if (applied === "lost") return
          position = applied
          renewed = Date.now()
          const next = entries.find((e) => e.position > position)
          yield* update(c.name, (s) => ({
            ...s,
            state: position >= head ? "streaming" : "catching-up",
            position,
            pendingSince: next?.at ?? (position >= head ? undefined : s.pendingSince),
            shipping: true,
            lastError: undefined
          }))
          if (Date.now() - recordedAt >= 1000) yield* record
        }
      })

    /** Apply a batch; on a rejection, entry by entry to name the entry. The new position, or "lost". */
    const applyOrFind = (
      shadow: Database,
      position: number,
      batch: ReadonlyArray<Log.Entry>
    ): Effect.Effect<number | "lost", ReplicationError | Stop> =>
      Effect.gen(function*() {
        const all = steps(batch, shadow.dialect, c.tables)
        if (all instanceof Unknown) return yield* Effect.fail(new Stop(rejected(c, shadow, all.position, all.table, all.message)))
        const end = batch[batch.length - 1].position
        const whole = yield* Effect.either(apply(c, shadow, position, all, end, batch.some(hasDdl)))
        if (Either.isRight(whole)) return end
        const error = whole.left
        if (error instanceof LeaseLost) return "lost" as const
        const cause = error instanceof StepFailed ? error.error : error
        if (retryable(cause)) return yield* Effect.fail(down(c, cause))
        if (batch.length === 1) {
          const step = error instanceof StepFailed ? error.step : undefined
          return yield* Effect.fail(
            new Stop(rejected(c, shadow, batch[0].position, step?.table, `rejected: ${cause.message}`, cause))
          )
        }
        let at = position
        for (const entry of batch) {
          const one = yield* applyOrFind(shadow, at, [entry])
          if (one === "lost") return one
          at = one
        }
        return at
      })

    const cycle: Effect.Effect<void, ReplicationError | Stop> = Effect.gen(function*() {
      const shadow = yield* open
      while (true) {
        const claimed = yield* Effect.mapError(claim(c, shadow), (e) => down(c, e))
        if (!claimed.leader) {
          const head = (yield* SubscriptionRef.get(c.state.ref)).head
          yield* update(c.name, (s) => ({
            ...s,
            state: claimed.position >= head ? "streaming" : "catching-up",
            position: Math.max(s.position, claimed.position),
            shipping: false,
            lastError: undefined
          }))
          yield* wait(c.pollMillis)
          continue
        }
        yield* update(c.name, (s) => ({ ...s, position: claimed.position, shipping: true }))
        yield* ship(shadow, claimed.position)
      }
    })

    const backfillConfig = (shadow: Database, only: ReadonlyArray<string> | undefined): Backfill.Config => ({
      name: c.name,
      primary: c.primary,
      shadow,
      tables: [...c.tables.values()],
      only,
      owner: c.owner,
      leaseMillis: c.leaseMillis,
      chunkSize: c.backfillChunkSize
    })

    const loop = Effect.gen(function*() {
      const backoff = yield* Schedule.driver(c.retry)
      while (true) {
        const exit = yield* Effect.either(cycle)
        if (Either.isRight(exit)) continue
        const error = exit.left
        if (error instanceof Stop && error.error.reason === "Gap") {
          // the log no longer holds what the shadow needs: copy the tables from a snapshot, then ship from there
          yield* update(c.name, (s) => ({ ...s, state: "catching-up", lastError: error.error }))
          yield* Effect.logInfo(`replication: shadow ${c.name} needs the entries pruned from the log: backfilling`)
          const filled = yield* Effect.either(Effect.flatMap(open, (shadow) =>
            Backfill.run(backfillConfig(shadow, undefined), (p) =>
              p.done ? Effect.logInfo(`replication: backfill of ${c.name}: ${p.table} copied (${p.copied} rows)`) : Effect.void)))
          if (Either.isRight(filled)) continue
          yield* update(c.name, (s) => ({ ...s, state: "down", lastError: down(c, filled.left) }))
          yield* Effect.ignore(backoff.next(filled.left))
          continue
        }
        if (error instanceof Stop) {
          yield* update(c.name, (s) => ({ ...s, state: "stopped", shipping: false, lastError: error.error }))
          yield* Queue.take(resumed)
          yield* backoff.reset
          continue
        }
        yield* update(c.name, (s) => ({ ...s, state: "down", lastError: error }))
        yield* Effect.ignore(backoff.next(error))
      }
    })

    // runs after the fiber below is interrupted (finalizers run in reverse): give the lease back, so that the
    // next process to start ships at once instead of waiting for it to expire
    yield* Scope.addFinalizer(scopes.fibers, Effect.flatMap(SubscriptionRef.get(opened), (known) =>
      Option.isNone(known) ? Effect.void : Effect.ignore(release(c, known.value)).pipe(Effect.timeout("2 seconds"), Effect.ignore)))
    // interruptible even when started from an uninterruptible region (addShadow joins uninterruptibly)
    yield* Effect.forkIn(Effect.interruptible(loop), scopes.fibers)
    // only a stopped shipper resumes (a token left for a running one would skip its next stop); the state
    // leaves "stopped" at once, so that a caughtUp right after does not fail with the old error
    const resume = Effect.flatMap(SubscriptionRef.get(c.state.ref), (s) =>
      s.shadows[c.name]?.state !== "stopped" ? Effect.void : Effect.zipRight(
        update(c.name, (shadow) => ({ ...shadow, state: "catching-up", lastError: undefined })),
        Queue.offer(resumed, undefined)
      ))
    return {
      wake: Queue.offer(wakeup, undefined).pipe(Effect.asVoid),
      resume,
      database: SubscriptionRef.get(opened),
      open,
      backfill: (tables) =>
        Stream.unwrap(Effect.map(open, (shadow) => Backfill.stream(backfillConfig(shadow, tables)))).pipe(
          // the shipper stood by during the copy (or stopped on a gap): ship from the snapshot at once
          Stream.ensuring(Effect.zipRight(resume, Queue.offer(wakeup, undefined)))
        )
    }
  })

const gap = (c: Config, shadow: Database, position: number) =>
  new ReplicationError({
    reason: "Gap",
    dialect: shadow.dialect.name,
    shadow: c.name,
    position,
    message: `shadow ${c.name} is at position ${position}, but the log no longer holds the entries after it: ` +
      `it needs a backfill`
  })

const rejected = (
  c: Config,
  shadow: Database,
  position: number,
  table: string | undefined,
  message: string,
  cause?: unknown
) =>
  new ReplicationError({
    reason: "Rejected",
    dialect: shadow.dialect.name,
    shadow: c.name,
    position,
    table,
    message: `shadow ${c.name} rejected the entry at position ${position}${table === undefined ? "" : ` (${table})`}: ${message}`,
    cause
  })

