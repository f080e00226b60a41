/**
 * How much state the current fiber holds: every FiberRef value it carries,
 * with the history kept for each. Work that leaves nothing behind leaves it
 * unchanged.
 */
import { Effect } from "effect"

export const fiberState: Effect.Effect<number> = Effect.withFiberRuntime<number>((fiber) => {
  const locals = (fiber.getFiberRefs() as unknown as { locals: Map<unknown, ReadonlyArray<unknown>> }).locals
  let n = 0
  for (const stack of locals.values()) n += stack.length
  return Effect.succeed(n)
})

/** The fiber's state after `work` ran 10 times, and after 100 more: equal when the work leaves nothing behind. */
export const stateAround = <E, R>(work: Effect.Effect<unknown, E, R>): Effect.Effect<readonly [number, number], E, R> =>
  Effect.gen(function*() {
    yield* Effect.repeatN(work, 9)
    const before = yield* fiberState
    yield* Effect.repeatN(work, 99)
    return [before, yield* fiberState] as const
  })
