/**
 * Taking a pooled connection for the current scope in one interruptible
 * step, without a fiber of its own — the discipline both pools share; each
 * driver says only how its pool hands out and takes back a connection.
 *
 * @internal
 */
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Scope } from "effect"

/** A connection a pool handed out, and how to give it back (exactly once). @internal */
export interface Taken<Raw> {
  readonly value: Raw
  readonly giveBack: () => void
}

/**
 * Take a connection with `connect` (which calls back with an error or what
 * it took) and make it `wrap`'s connection for the current scope. The give
 * back is registered in the scope before the wait begins, so no interruption
 * can leak the connection; an interrupted wait gives it back when it comes.
 * @internal
 */
export const take = <Raw, C>(
  connect: (done: (error: unknown, taken: Taken<Raw> | undefined) => void) => void,
  wrap: (raw: Raw) => C
): Effect.Effect<C, SqlError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    let held: Taken<Raw> | undefined
    const giveBack = Effect.sync(() => {
      const taken = held
      held = undefined
      taken?.giveBack()
    })
    return Effect.zipRight(
      Scope.addFinalizer(scope, giveBack),
      Effect.async<C, SqlError>((resume) => {
        let abandoned = false
        connect((error, taken) => {
          if (taken === undefined) {
            if (!abandoned) resume(Effect.fail(new SqlError({ cause: error, message: "Failed to acquire connection" })))
            return
          }
          if (abandoned) return taken.giveBack()
          held = taken
          resume(Effect.succeed(wrap(taken.value)))
        })
        return Effect.sync(() => {
          abandoned = true
        })
      })
    )
  })
