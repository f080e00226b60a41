/**
 * The shadows of a running set: adding one (`Replication.addShadow`) and
 * removing one (`Replication.removeShadow`).
 *
 * Each shadow has two scopes of its own, forked from the set's: its
 * shipper's fiber (and lease release) in one, its database in the other. The
 * set's shutdown closes them with the rest (after the drain); removing a
 * shadow closes just its two.
 *
 * Adding a shadow, while writes go on:
 * 1. its name is reserved and pruning held back (taken under the pruner's
 *    permit, so no prune decided without the hold runs after it);
 * 2. its layer is built in its own shadows scope;
 * 3. it is backfilled (backfill.ts: the missing tables created in its
 *    dialect, every table copied from ONE snapshot of the primary, the
 *    snapshot's log position P stored in the shadow);
 * 4. uninterruptibly: P is recorded on the primary (pruning then keeps the
 *    entries after P for it), it joins the state at P and its shipper starts
 *    from P with the database already open. Writes committed during the copy
 *    are after P: the shipper applies them; those before are in the snapshot.
 * A failed or interrupted add closes what it opened; the shadow keeps its
 * backfill progress, so adding it again resumes the copy.
 */
import { Context, Effect, ExecutionStrategy, Exit, Layer, Scope, Stream, SubscriptionRef } from "effect"
import { Database } from "../../layers/Database.js"
import { type DatabaseError, ReplicationError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import type * as Replication from "../Replication.js"
import * as Backfill from "./backfill.js"
import * as Log from "./log.js"
import type * as Shipper from "./shipper.js"
import type { State } from "./state.js"

/** A shadow's own scopes. */
export interface Scopes {
  readonly fibers: Scope.CloseableScope
  readonly shadows: Scope.CloseableScope
}

/** A shadow of the set. */
export interface Member extends Scopes {
  readonly shipper: Shipper.Shipper
}

/** Fresh scopes for one shadow, inside the set's. */
export const scopes = (fibers: Scope.Scope, shadows: Scope.Scope): Effect.Effect<Scopes> =>
  Effect.all({
    fibers: Scope.fork(fibers, ExecutionStrategy.sequential),
    shadows: Scope.fork(shadows, ExecutionStrategy.sequential)
  })

/** What adding and removing need from the set. */
export interface Deps {
  readonly primary: Database
  readonly tables: ReadonlyMap<string, Table.Any>
  readonly state: State
  readonly members: Map<string, Member>
  /** Names being added: reserved. */
  readonly adding: Set<string>
  /** Positions pruning must keep entries after, per shadow being added. */
  readonly holds: Map<string, number>
  /** The pruner's permit. */
  readonly pruning: Effect.Semaphore
  readonly closing: () => boolean
  readonly owner: string
  readonly leaseMillis: number
  readonly backfillChunkSize: number
  readonly newScopes: Effect.Effect<Scopes>
  /** Start a shipper on an opened shadow, in its scopes. */
  readonly start: (name: string, layer: Layer.Layer<Database, unknown>, scopes: Scopes, opened: Database) => Effect.Effect<Shipper.Shipper>
}

const invalid = (primary: Database, name: string, message: string) =>
  new ReplicationError({ reason: "Invalid", dialect: primary.dialect.name, shadow: name, message })

const closed = (d: Deps, name: string) => invalid(d.primary, name, `cannot add shadow ${name}: the replicated set is closing`)

/** Add a shadow: a stream of its backfill's progress; when it ends, the shadow ships. */
export const add = (
  d: Deps,
  name: string,
  layer: Layer.Layer<Database, unknown>,
  options: Replication.AddShadowOptions | undefined
): Stream.Stream<Replication.BackfillProgress, ReplicationError | DatabaseError> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const chunkSize = options?.backfillChunkSize ?? d.backfillChunkSize
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      return yield* Effect.fail(invalid(d.primary, name, `backfillChunkSize must be an integer >= 1, got ${chunkSize}`))
    }
    if (name.length === 0 || name.length > 255) {
      return yield* Effect.fail(invalid(d.primary, name, "a shadow's name must have 1 to 255 characters"))
    }
    if (d.closing()) return yield* Effect.fail(closed(d, name))
    if (d.members.has(name) || d.adding.has(name)) {
      return yield* Effect.fail(invalid(d.primary, name, `a shadow named ${name} is already in the replicated set`))
    }
    d.adding.add(name)
    yield* d.pruning.withPermits(1)(Effect.sync(() => d.holds.set(name, 0)))
    const own = yield* d.newScopes
    let joined = false
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        d.adding.delete(name)
        d.holds.delete(name)
        return joined ? Effect.void : Effect.zipRight(Scope.close(own.fibers, Exit.void), Scope.close(own.shadows, Exit.void))
      })
    )
    const built = yield* Effect.mapError(Layer.buildWithScope(layer, own.shadows), (error) =>
      new ReplicationError({
        reason: "Unreachable",
        shadow: name,
        message: `shadow ${name} cannot be opened: ${error instanceof Error ? error.message : String(error)}`,
        cause: error
      }))
    const shadow = Context.get(built, Database)

    const join = (position: number) =>
      Effect.uninterruptible(Effect.gen(function*() {
        if (d.closing()) return yield* Effect.fail(closed(d, name))
        yield* Log.recordShadow(d.primary, name, position, Date.now())
        const { head } = yield* SubscriptionRef.get(d.state.ref)
        yield* d.state.add({
          name,
          dialect: shadow.dialect.name,
          state: position >= head ? "streaming" : "catching-up",
          position,
          pendingSince: position >= head ? undefined : Date.now(),
          // the backfill gave the lease back and this process ships from here: the drain at shutdown waits for it
          shipping: true,
          lastError: undefined
        })
        const shipper = yield* d.start(name, layer, own, shadow)
        d.members.set(name, { ...own, shipper })
        joined = true
        yield* shipper.wake
      }))

    return Backfill.stream({
      name,
      primary: d.primary,
      shadow,
      tables: [...d.tables.values()],
      only: undefined,
      owner: d.owner,
      leaseMillis: d.leaseMillis,
      chunkSize
    }, join)
  }))

/** Remove a shadow: stop its shipper (giving its lease back), close its database, drop it from the status. */
export const remove = (d: Deps, name: string): Effect.Effect<void, ReplicationError> =>
  Effect.uninterruptible(Effect.suspend(() => {
    const member = d.members.get(name)
    if (member === undefined) {
      return Effect.fail(
        new ReplicationError({ reason: "NotReplicated", dialect: d.primary.dialect.name, shadow: name, message: `no shadow named ${name}` })
      )
    }
    d.members.delete(name)
    return Scope.close(member.fibers, Exit.void).pipe(
      Effect.zipRight(Scope.close(member.shadows, Exit.void)),
      Effect.zipRight(d.state.remove(name))
    )
  }))
