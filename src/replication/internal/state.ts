/**
 * What a replicated set knows of itself: the log's head and, per shadow, its
 * position, state and last error. One `SubscriptionRef` holds it: status
 * reads it, `changes` streams it, sync-mode writes wait on it, and every
 * change of a shadow's state is also a log line.
 */
import { Effect, SubscriptionRef } from "effect"
import type { DialectName } from "../../dialect/Dialect.js"
import type { ReplicationError } from "../../layers/DatabaseError.js"

/** A shadow's state: caught up, catching up, unreachable (retrying), or stopped (shipping ended). */
export type ShadowState = "streaming" | "catching-up" | "down" | "stopped"

/** One shadow, as known here. */
export interface Shadow {
  readonly name: string
  readonly dialect: DialectName | undefined
  readonly state: ShadowState
  /** The last position the shadow has applied. */
  readonly position: number
  /** When the oldest entry the shadow has not applied was written (ms since the epoch). */
  readonly pendingSince: number | undefined
  /** Whether this process ships to it (holds its lease). */
  readonly shipping: boolean
  readonly lastError: ReplicationError | undefined
}

/** The whole set. */
export interface Snapshot {
  readonly head: number
  readonly shadows: { readonly [name: string]: Shadow }
}

/** The state of a set, shared by its shippers and its database. */
export interface State {
  readonly ref: SubscriptionRef.SubscriptionRef<Snapshot>
  /** Change one shadow (logging a change of state); nothing when it is not in the set (removed). */
  readonly shadow: (name: string, f: (shadow: Shadow) => Shadow) => Effect.Effect<void>
  /** Add a shadow to the set (`Replication.addShadow`). */
  readonly add: (shadow: Shadow) => Effect.Effect<void>
  /** Take a shadow out of the set (`Replication.removeShadow`). */
  readonly remove: (name: string) => Effect.Effect<void>
  /** A new head, when it is later than the known one (entries written at `at`). */
  readonly advance: (head: number, at: number) => Effect.Effect<void>
}

const describe = (s: Shadow): string =>
  s.state === "down" || s.state === "stopped"
    ? `${s.state}${s.lastError === undefined ? "" : `: ${s.lastError.message}`}`
    : s.state

const logChange = (before: Shadow, after: Shadow): Effect.Effect<void> => {
  if (before.state === after.state) return Effect.void
  const message = `replication: shadow ${after.name} is ${describe(after)}`
  const log = after.state === "stopped" && after.lastError !== undefined
    ? Effect.logError(message)
    : after.state === "down"
    ? Effect.logWarning(message)
    : Effect.logInfo(message)
  return log.pipe(Effect.annotateLogs({ shadow: after.name, position: after.position }))
}

/** The state of a set whose shadows are named `names`, none known yet. */
export const make = (names: ReadonlyArray<string>): Effect.Effect<State> =>
  Effect.map(
    SubscriptionRef.make<Snapshot>({
      head: 0,
      shadows: Object.fromEntries(names.map((name): [string, Shadow] => [name, {
        name,
        dialect: undefined,
        state: "down",
        position: 0,
        pendingSince: undefined,
        shipping: false,
        lastError: undefined
      }]))
    }),
    (ref): State => ({
      ref,
      shadow: (name, f) =>
        Effect.flatMap(
          SubscriptionRef.modify(ref, (s): [readonly [Shadow, Shadow] | undefined, Snapshot] => {
            const before = s.shadows[name]
            if (before === undefined) return [undefined, s]
            const after = f(before)
            return [[before, after], { ...s, shadows: { ...s.shadows, [name]: after } }]
          }),
          (changed) => (changed === undefined ? Effect.void : logChange(changed[0], changed[1]))
        ),
      add: (shadow) =>
        Effect.zipRight(
          SubscriptionRef.update(ref, (s) => ({ ...s, shadows: { ...s.shadows, [shadow.name]: shadow } })),
          Effect.logInfo(`replication: shadow ${shadow.name} is added (${shadow.state})`).pipe(
            Effect.annotateLogs({ shadow: shadow.name, position: shadow.position })
          )
        ),
      remove: (name) =>
        Effect.zipRight(
          SubscriptionRef.update(ref, (s) => {
            const { [name]: _removed, ...shadows } = s.shadows
            return { ...s, shadows }
          }),
          Effect.logInfo(`replication: shadow ${name} is removed`).pipe(Effect.annotateLogs({ shadow: name }))
        ),
      advance: (head, at) =>
        SubscriptionRef.update(ref, (s) => {
          if (head <= s.head) return s
          const shadows: Record<string, Shadow> = {}
          for (const [name, shadow] of Object.entries(s.shadows)) {
            shadows[name] = shadow.pendingSince === undefined && shadow.position < head ? { ...shadow, pendingSince: at } : shadow
          }
          return { head, shadows }
        })
    })
  )
