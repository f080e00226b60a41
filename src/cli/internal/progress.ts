/**
 * A progress bar for long copies: on a terminal one line redrawn in place
 * (`users  [#######.....]  4,200/10,000  1,830 rows/s  ETA 3s`); piped,
 * a plain line at most every `every` milliseconds and when a table is done.
 * Small enough not to need a library (none is a dependency of the package).
 *
 * @internal
 */
import { Effect, Fiber, Schedule } from "effect"

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US")

const eta = (seconds: number): string =>
  !Number.isFinite(seconds) ? "?" : seconds < 60 ? `${Math.ceil(seconds)}s` : `${Math.floor(seconds / 60)}m${Math.ceil(seconds % 60)}s`

/** One line of progress. @internal */
export const line = (label: string, done: number, total: number, perSecond: number, width: number): string => {
  const ratio = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(ratio * width)
  const rest = total > done && perSecond > 0 ? (total - done) / perSecond : 0
  return `${label}  [${"#".repeat(filled)}${".".repeat(width - filled)}]  ${fmt(done)}/${fmt(total)}  ` +
    `${fmt(perSecond)} rows/s  ETA ${eta(rest)}`
}

/** A progress reporter writing to `out`. @internal */
export const make = (options: { readonly tty: boolean; readonly every?: number; readonly write: (s: string) => void }) => {
  const started = new Map<string, number>()
  let last = 0
  let open = false
  // a table's clock starts when the previous one finished (the first: now)
  let mark = Date.now()
  return {
    update: (label: string, done: number, total: number, finished: boolean) => {
      const now = Date.now()
      if (!started.has(label)) started.set(label, mark)
      if (finished) mark = now
      const seconds = Math.max(0.001, (now - started.get(label)!) / 1000)
      const text = line(label, done, total, done / seconds, 24)
      if (options.tty) {
        options.write(`\r\u001b[2K${text}${finished ? "\n" : ""}`)
        open = !finished
      } else if (finished || now - last >= (options.every ?? 1000)) {
        options.write(`${text}${finished ? "  done" : ""}\n`)
        last = now
      }
    },
    end: () => {
      if (open) options.write("\n")
      open = false
    }
  }
}

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * A spinner with the seconds elapsed, for work that tells no progress
 * (verify, repair): redrawn every 100 ms on a terminal and erased when
 * `effect` ends; nothing when not a terminal.
 *
 * @internal
 */
export const spinning = (
  options: { readonly tty: boolean; readonly label: string; readonly write: (s: string) => void }
) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  if (!options.tty) return effect
  const started = Date.now()
  let frame = 0
  const draw = Effect.sync(() => {
    const seconds = Math.floor((Date.now() - started) / 1000)
    options.write(`\r\u001b[2K${frames[frame++ % frames.length]} ${options.label}  ${seconds}s`)
  })
  return Effect.acquireUseRelease(
    // forked in acquire (uninterruptible): the spinner itself must stay interruptible
    Effect.forkDaemon(Effect.interruptible(Effect.repeat(draw, Schedule.spaced("100 millis")))),
    () => effect,
    (fiber) => Effect.zipRight(Fiber.interrupt(fiber), Effect.sync(() => options.write("\r\u001b[2K")))
  )
}
