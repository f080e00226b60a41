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
