/**
 * Child process for the stream workload: one library, its own memory.
 *
 *   node --expose-gc --import tsx bench/stream-child.ts <dialect> <library> <file-or-url> <runs> <pool> <budget-ms>
 *
 * Runs the stream up to <runs> times, but no further run starts once
 * <budget-ms> have passed (a slow library gets fewer samples, never none).
 * Then one more, untimed run forces a GC every 100,000 rows (for 300,000
 * rows) to record the live heap: what the library still holds while rows are
 * consumed.
 * Prints one JSON line: per-run times, row count, checksum and memory.
 */
import { type BigRow, mysqlStreams, pgStreams, sqliteStreams, type StreamEntry } from "./workloads/stream.js"

const [dialect, library, target, runsArg, poolArg, budgetArg] = process.argv.slice(2)
const runs = Number(runsArg ?? "1")
const pool = Number(poolArg ?? "10")
const budgetMs = Number(budgetArg ?? "20000")

const MB = 1024 * 1024
const MEMORY_ROWS = 300_000
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const main = async () => {
  const table: Record<string, StreamEntry | undefined> = dialect === "postgres"
    ? pgStreams
    : dialect === "mysql"
    ? mysqlStreams
    : sqliteStreams
  const entry = table[library]
  if (entry === undefined || !("open" in entry)) throw new Error(`no stream implementation for ${dialect}/${library}`)
  const streamer = await entry.open(target, pool)

  gc()
  const base = process.memoryUsage()
  let rows = 0
  let checksum = 0
  let sampling = false
  let peakLiveHeap = base.heapUsed
  const onRow = (row: BigRow) => {
    rows++
    checksum = (checksum + row.a + row.b.length) % 1_000_000_007
    // Memory run only: what is still reachable every 100k rows (a library that
    // loaded every row still holds them here).
    if (sampling && rows % 100_000 === 0) {
      gc()
      const heap = process.memoryUsage().heapUsed
      if (heap > peakLiveHeap) peakLiveHeap = heap
      if (rows >= MEMORY_ROWS) throw new Error("memory run complete")
    }
  }

  const times: Array<number> = []
  let expected: string | undefined
  const check = () => {
    const got = `${rows}/${checksum}`
    if (expected !== undefined && got !== expected) throw new Error(`runs disagree: ${got} vs ${expected}`)
    expected = got
  }
  const started = performance.now()
  for (let r = 0; r < runs && (r === 0 || performance.now() - started < budgetMs); r++) {
    rows = 0
    checksum = 0
    const start = performance.now()
    await streamer.stream(onRow)
    times.push(performance.now() - start)
    check()
    gc()
  }
  const timed = { rows, checksum }
  // One untimed memory run, stopped after MEMORY_ROWS rows: a streaming
  // library is in its steady state by then, and one that loads every row has
  // loaded them all before the first row arrives.
  rows = 0
  checksum = 0
  sampling = true
  try {
    await streamer.stream(onRow)
  } catch (error) {
    if (rows < MEMORY_ROWS) throw error
  }
  await streamer.close()

  const maxRssMB = process.resourceUsage().maxRSS / 1024
  process.stdout.write(
    JSON.stringify({
      times,
      rows: timed.rows,
      checksum: timed.checksum,
      memory: {
        peakRssMB: maxRssMB,
        baseRssMB: base.rss / MB,
        peakHeapMB: peakLiveHeap / MB,
        baseHeapMB: base.heapUsed / MB
      }
    }) + "\n"
  )
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
