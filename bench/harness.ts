/**
 * Timing. Every library of a workload is measured side by side: each one is
 * verified (a fixed first batch whose checksum must agree with the others),
 * warmed up and calibrated, then the timed samples are taken round-robin
 * (library A, B, C, then B, C, A, ...) so that background noise on the machine
 * spreads over all libraries instead of landing on one of them.
 *
 * A sample is ONE call of `run(n, offset)`: the library performs `n`
 * operations in a row and returns a checksum. Effect-based libraries run the
 * whole batch inside a single `runPromise`, so runtime start-up is paid once
 * per sample, not once per operation — the same treatment for every one.
 */
/** One library set up for one workload. */
export interface Subject {
  /** Perform `n` operations, the first one numbered `offset`; return a checksum of what was read. */
  readonly run: (n: number, offset: number) => number | Promise<number>
  /** Untimed work before every timed call (for example: empty the table that is bulk-loaded). */
  readonly reset?: (() => unknown) | undefined
  /** Untimed work after every timed call (for example: let background work the call started finish). */
  readonly settle?: (() => unknown) | undefined
  readonly close?: (() => unknown) | undefined
}

export interface Settings {
  /** Minimum warm-up time per library. */
  readonly warmupMs: number
  /** Target duration of one sample. */
  readonly sampleMs: number
  readonly samples: number
}

export interface Plan {
  /** Operations in the verification batch (its checksum must be equal for every library). */
  readonly verifyOps: number
  /** Every call runs exactly one operation (heavy operations such as a 100k-row bulk insert). */
  readonly fixedOps?: boolean | undefined
  /** Upper bound for the calibrated batch size. */
  readonly maxOps?: number | undefined
  /** Units counted per operation (rows per bulk insert, lookups per round...). */
  readonly unitsPerOp: number
  /** Record the longest event-loop stall during each sample. */
  readonly trackEventLoop?: boolean | undefined
  /** At most this many samples (for operations that take seconds each). */
  readonly maxSamples?: number | undefined
}

export interface Stats {
  readonly median: number
  readonly min: number
  readonly max: number
  /** Half the min-max range relative to the median (0.05 = ±5 %). */
  readonly spread: number
}

export interface Measurement {
  /** Units per second, one entry per sample. */
  readonly samples: ReadonlyArray<number>
  readonly throughput: Stats
  readonly opsPerSample: number
  readonly checksum: number
  /** Longest event-loop stall per sample, milliseconds. */
  readonly loopDelayMs?: Stats | undefined
}

export const stats = (values: ReadonlyArray<number>): Stats => {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  const median = n === 0 ? NaN : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  const min = sorted[0] ?? NaN
  const max = sorted[n - 1] ?? NaN
  return { median, min, max, spread: median > 0 ? (max - min) / 2 / median : 0 }
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6

/** Results are folded in here so that no engine can prove a result unused. */
export let sink = 0

/** Time one call; sync subjects stay sync (no extra promise in the timed region). */
const timed = async (subject: Subject, n: number, offset: number): Promise<{ ms: number; checksum: number }> => {
  if (subject.reset) await subject.reset()
  const start = nowMs()
  const result = subject.run(n, offset)
  const checksum = typeof result === "number" ? result : await result
  const ms = nowMs() - start
  if (subject.settle) await subject.settle()
  sink = (sink + checksum) % 1_000_003
  return { ms, checksum }
}

/** Let pending timers run, so a stall caused by synchronous work gets recorded. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2))

/**
 * The longest gap between two runs of a 1 ms interval timer: how long the
 * event loop could not run anything. Started before the timed call, so even
 * a stall at its very beginning is seen.
 */
const stallMeter = async () => {
  let last = nowMs()
  let max = 0
  const handle = setInterval(() => {
    const now = nowMs()
    if (now - last > max) max = now - last
    last = now
  }, 1)
  await tick()
  max = 0
  last = nowMs()
  return {
    stop: async (): Promise<number> => {
      await tick()
      clearInterval(handle)
      return Math.max(max, nowMs() - last)
    }
  }
}

interface State {
  readonly name: string
  readonly subject: Subject
  n: number
  offset: number
  checksum: number
  readonly samples: Array<number>
  readonly delays: Array<number>
}

/**
 * Measure every subject of a workload side by side. Subjects that throw are
 * reported through `onError` and dropped; the others continue.
 */
export const measure = async (
  subjects: ReadonlyArray<{ readonly name: string; readonly subject: Subject }>,
  plan: Plan,
  settings: Settings,
  onError: (name: string, error: unknown) => void
): Promise<Map<string, Measurement>> => {
  let states: Array<State> = subjects.map(({ name, subject }) => ({
    name,
    subject,
    n: 1,
    offset: 0,
    checksum: NaN,
    samples: [],
    delays: []
  }))
  const guard = async (state: State, f: () => Promise<void>): Promise<boolean> => {
    try {
      await f()
      return true
    } catch (error) {
      onError(state.name, error)
      return false
    }
  }
  const keep = async (f: (state: State) => Promise<void>) => {
    const ok: Array<State> = []
    for (const state of states) if (await guard(state, () => f(state))) ok.push(state)
    states = ok
  }

  // Verification doubles as the first warm-up call.
  await keep(async (state) => {
    const ops = plan.fixedOps ? 1 : plan.verifyOps
    const { checksum } = await timed(state.subject, ops, 0)
    state.checksum = checksum
    state.offset = ops
  })

  // Warm-up and calibration: double the batch until it is long enough to time.
  await keep(async (state) => {
    const started = nowMs()
    if (plan.fixedOps) {
      state.n = 1
      if (settings.warmupMs > 0) {
        await timed(state.subject, 1, state.offset)
        state.offset += 1
      }
      return
    }
    let n = 1
    let last = 0
    for (;;) {
      const { ms } = await timed(state.subject, n, state.offset)
      state.offset += n
      last = ms
      const enough = nowMs() - started >= settings.warmupMs
      if (enough && ms >= Math.min(settings.sampleMs / 4, 20)) break
      if (ms < settings.sampleMs / 2) n *= 2
      if (plan.maxOps !== undefined && n >= plan.maxOps) {
        n = plan.maxOps
        if (enough) break
      }
    }
    const scaled = Math.max(1, Math.round((n * settings.sampleMs) / Math.max(last, 0.001)))
    state.n = plan.maxOps === undefined ? scaled : Math.min(scaled, plan.maxOps)
  })

  const samples = Math.min(settings.samples, plan.maxSamples ?? Infinity)
  for (let s = 0; s < samples; s++) {
    const order = states.map((_, i) => states[(i + s) % states.length])
    const failed = new Set<State>()
    for (const state of order) {
      const ok = await guard(state, async () => {
        if (state.subject.reset) await state.subject.reset()
        const meter = plan.trackEventLoop ? await stallMeter() : undefined
        const { ms } = await timed({ run: state.subject.run, settle: state.subject.settle }, state.n, state.offset)
        if (meter) state.delays.push(await meter.stop())
        state.offset += state.n
        state.samples.push((state.n * plan.unitsPerOp) / (ms / 1000))
      })
      if (!ok) failed.add(state)
    }
    states = states.filter((state) => !failed.has(state))
  }

  return new Map(
    states.map((state) => [
      state.name,
      {
        samples: state.samples,
        throughput: stats(state.samples),
        opsPerSample: state.n,
        checksum: state.checksum,
        loopDelayMs: plan.trackEventLoop ? stats(state.delays) : undefined
      }
    ])
  )
}
