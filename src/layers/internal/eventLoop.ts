/**
 * Yielding to the event loop. Effect's scheduler runs fibers on microtasks
 * and only rarely lets the event loop turn; long synchronous work (a
 * synchronous driver such as better-sqlite3) split into steps must yield
 * between them for timers, I/O and signals to be served.
 *
 * @internal
 */
import { Effect } from "effect"

/** Resume on the next turn of the event loop (`setImmediate`), after pending I/O. @internal */
export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
