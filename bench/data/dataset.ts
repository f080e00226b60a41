/**
 * The data every library works on: deterministic rows (no randomness between
 * runs or libraries) and the mapping from an operation number to the
 * parameters of that operation, so that every library does the same work.
 */

export const USERS = 10_000
export const POSTS_PER_USER = 10
export const POSTS = USERS * POSTS_PER_USER
export const BULK_ROWS = 100_000
export const PREFETCH_PARENTS = 1_000
export const CONCURRENCY = 100
export const STREAM_ROWS = 1_000_000
export const BULK_CHUNK = 1_000

/** Small integer hash (xorshift-multiply), deterministic across runs. */
export const hash = (n: number): number => {
  let x = (n ^ 0x9e3779b9) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

export type UserRow = {
  readonly id: number
  readonly email: string
  readonly name: string
  readonly age: number
  readonly score: number
}

export type PostRow = {
  readonly id: number
  readonly user_id: number
  readonly title: string
  readonly score: number
  readonly created_at: number
}

export type EventRow = {
  readonly kind: string
  readonly payload: string
  readonly amount: number
  readonly created_at: number
}

export const user = (id: number): UserRow => ({
  id,
  email: `user${id}@example.com`,
  name: `User ${id}`,
  age: 18 + (hash(id) % 63),
  score: (hash(id * 31) % 10_000) / 100
})

export const post = (id: number): PostRow => ({
  id,
  user_id: Math.ceil(id / POSTS_PER_USER),
  title: `Post ${id} about something`,
  score: hash(id * 17) % 1_000,
  created_at: 1_700_000_000 + id
})

export const event = (i: number): EventRow => ({
  kind: `kind-${i % 8}`,
  payload: `payload number ${i}`,
  amount: i % 1_000,
  created_at: 1_700_000_000 + i
})

/** Rows of the 1M-row table that is streamed. */
export const bigRow = (id: number) => ({ id, a: id % 1_000, b: `row ${id}`, c: id / 4 })

/** Parameters per operation number. Spread over the table, repeat after it. */
export const ids = {
  /** A user id for a by-key lookup. */
  user: (op: number): number => 1 + ((op * 7_919) % USERS),
  /** Lower bound of the age filter (18..80). */
  minAge: (op: number): number => 18 + (op % 60),
  /** Minimum score for the filter (0..99). */
  minScore: (op: number): number => op % 50,
  /** First user of a 10-user window for the join (100 rows). */
  joinFirst: (op: number): number => 1 + ((op * 10) % (USERS - 10)),
  /** First user of a 100-user window for the aggregate (1,000 posts). */
  aggregateFirst: (op: number): number => 1 + ((op * 100) % (USERS - 100)),
  /** Users with id greater than this are the 1,000 parents of a prefetch. */
  prefetchAfter: (op: number): number => (op * PREFETCH_PARENTS) % (USERS - PREFETCH_PARENTS)
}

/** Build `count` items from consecutive numbers starting at `start`. */
export const range = <A>(start: number, count: number, f: (i: number) => A): Array<A> => {
  const out = new Array<A>(count)
  for (let i = 0; i < count; i++) out[i] = f(start + i)
  return out
}

/** Split an array into chunks of `size`. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
