/**
 * The command's own failures, and how any failure is told: one line on
 * stderr (`quarry: <what went wrong>`), the cause chain with `--verbose`.
 *
 * @internal
 */
import { Cause, Data, Effect, Option } from "effect"

/** @internal */
export type Reason =
  | "NoDatabase"
  | "NoConfig"
  | "BadConfig"
  | "NoSuchTable"
  | "UnknownColumn"
  | "BadArgument"
  | "Refused"
  | "OutOfSync"
  | "Unsupported"

/** A failure of the command itself (not of the database). @internal */
export class CliError extends Data.TaggedError("CliError")<{
  readonly reason: Reason
  readonly message: string
  readonly cause?: unknown
}> {}

/** The command failed and has said why; only the exit code is left. @internal */
export class Exit extends Data.TaggedError("QuarryExit")<{ readonly code: number }> {}

const text = (u: unknown): string => {
  if (typeof u === "object" && u !== null) {
    const message = (u as { message?: unknown }).message
    if (typeof message === "string" && message !== "") return message
    const tag = (u as { _tag?: unknown })._tag
    if (typeof tag === "string") return tag
  }
  return String(u)
}

/** The one line a failure is told in. @internal */
export const line = (error: unknown): string => {
  const first = text(error).split("\n")[0].trim()
  const tag = typeof error === "object" && error !== null ? (error as { _tag?: unknown })._tag : undefined
  if (tag === "ConnectionError") return `cannot connect: ${first}`
  return first
}

/** Every cause under a failure, outermost first. @internal */
export const chain = (error: unknown): ReadonlyArray<string> => {
  const out: Array<string> = []
  const seen = new Set<unknown>()
  let current: unknown = error
  while (current !== undefined && current !== null && !seen.has(current) && out.length < 10) {
    seen.add(current)
    const tag = typeof current === "object" ? (current as { _tag?: unknown })._tag : undefined
    const name = typeof tag === "string" ? tag : current instanceof Error ? current.name : typeof current
    const details = typeof current === "object"
      ? ["code", "sql", "table", "column", "constraint", "dialect", "migration", "operation"]
        .flatMap((k) => {
          const v = (current as Record<string, unknown>)[k]
          return typeof v === "string" || typeof v === "number" ? [`${k}=${v}`] : []
        })
      : []
    out.push(`${name}: ${text(current)}${details.length > 0 ? ` (${details.join(", ")})` : ""}`)
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined
  }
  return out
}

/**
 * Tell any failure of `effect` on stderr and turn it into `Exit` (code 1, or
 * the code `Exit` already carries); defects are told too, with their stack
 * only under `verbose`.
 *
 * @internal
 */
export const report = (verbose: boolean) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exit, R> =>
  Effect.catchAllCause(effect, (cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.fail(new Exit({ code: 130 }))
    const failure = Cause.failureOption(cause)
    const error: unknown = Option.isSome(failure) ? failure.value : Cause.squash(cause)
    if (error instanceof Exit) return Effect.fail(error)
    return Effect.sync(() => {
      process.stderr.write(`quarry: ${line(error)}\n`)
      if (verbose) {
        for (const entry of chain(error)) process.stderr.write(`  ${entry}\n`)
        if (Option.isNone(failure)) process.stderr.write(`${Cause.pretty(cause)}\n`)
      } else if (Option.isNone(failure)) {
        process.stderr.write(`  (an unexpected defect; run with --verbose for the stack)\n`)
      }
    }).pipe(Effect.zipRight(Effect.fail(new Exit({ code: 1 }))))
  })
