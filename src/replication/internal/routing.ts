/**
 * Read routing: which database a read of a replicated set runs on.
 *
 * Reads go to the primary unless the layer (`reads: "shadows"`) or the
 * region (`Replication.readFromShadows`) asks for shadows; a transaction's
 * reads always go to the primary. Statements arrive compiled for the
 * primary's dialect, so only shadows of that dialect serve reads (others are
 * copies for recovery), and only one that is streaming or catching up.
 * Read-your-writes: a fiber's last write has a log position; the shadow
 * chosen must have applied it, which a read waits for up to a bound, then
 * reads the primary instead.
 */
import { Duration, Effect, FiberRef, Option, Stream, SubscriptionRef } from "effect"
import type { Database } from "../../layers/Database.js"
import type { State } from "./state.js"

/** Where reads go in the current region (undefined: the layer's choice). */
export const preference: FiberRef.FiberRef<"primary" | "shadows" | undefined> = FiberRef.unsafeMake<"primary" | "shadows" | undefined>(
  undefined
)

/** A shadow as the router sees it. */
export interface Candidate {
  readonly name: string
  readonly database: Effect.Effect<Option.Option<Database>>
}

export interface Config {
  readonly primary: Database
  readonly reads: "primary" | "shadows"
  /** The shadows now (shadows may be added and removed while the set runs). */
  readonly shadows: () => ReadonlyArray<Candidate>
  readonly state: State
  /** How long a read waits for a shadow to apply the fiber's last write before reading the primary. */
  readonly bound: Duration.Duration
}

/** The database a read runs on, given the fiber's last write's position (0: none). */
export type Route = (lastWrite: number) => Effect.Effect<Database>

/** Whether reads of the current region go to shadows. */
export const wantsShadows = (layer: "primary" | "shadows", region: "primary" | "shadows" | undefined) =>
  (region ?? layer) === "shadows"

/** The router of a set. */
export const make = (c: Config): Route => {
  let next = 0
  return (lastWrite) =>
    Effect.gen(function*() {
      const snapshot = yield* SubscriptionRef.get(c.state.ref)
      const usable: Array<{ readonly name: string; readonly db: Database }> = []
      for (const candidate of c.shadows()) {
        const shadow = snapshot.shadows[candidate.name]
        if (shadow === undefined || shadow.dialect !== c.primary.dialect.name) continue
        if (shadow.state !== "streaming" && shadow.state !== "catching-up") continue
        const db = yield* candidate.database
        if (Option.isSome(db)) usable.push({ name: candidate.name, db: db.value })
      }
      if (usable.length === 0) return c.primary
      const chosen = usable[next++ % usable.length]
      if (snapshot.shadows[chosen.name].position >= lastWrite) return chosen.db
      const reached = yield* c.state.ref.changes.pipe(
        Stream.map((s) => s.shadows[chosen.name]),
        Stream.filter((s) => s === undefined || s.position >= lastWrite || s.state === "stopped" || s.state === "down"),
        Stream.runHead,
        Effect.timeout(c.bound),
        Effect.option
      )
      const shadow = Option.flatten(reached)
      return Option.isSome(shadow) && shadow.value !== undefined && shadow.value.position >= lastWrite ? chosen.db : c.primary
    })
}
