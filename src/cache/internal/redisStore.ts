/**
 * The Redis store. Every key starts with `{namespace}:` (one Redis Cluster
 * hash slot, so the scripts may touch them together):
 *
 * - `{ns}:v:<table>` holds the table's version, a token replaced by a new
 *   random one at each invalidation (never a counter: a version key that
 *   Redis evicts or loses comes back as a new token, never as an old value);
 *   `{ns}:all` is the version of everything, replaced by `clear`;
 * - `{ns}:e:<sha256 of the key>` holds an entry: the JSON list of the
 *   version keys and tokens it was read under, a newline, and the rows (see
 *   ./codec.ts), with the entry's TTL.
 *
 * `version` reads the tokens of a read's tables (creating missing ones)
 * before the database is read; `set` stores only if they are all still
 * current; `get` serves an entry only if they are all still current, and
 * deletes it otherwise. Each is one Lua script, so atomic: a result read
 * before an invalidation is never stored after it, nor served if it was
 * stored before it. An invalidation is one MSET of new tokens, whatever the
 * number of results it drops; those results are deleted when next looked up
 * or when their TTL (at most `maxTtl`) runs out.
 *
 * An invalidation that fails (Redis unreachable) is kept and sent again
 * before this store's next lookup, and when the connection is back.
 */
import { Duration, Effect, Option, Runtime, type Scope } from "effect"
import { createHash, randomUUID } from "node:crypto"
import type { RedisOptions, Store, StoreError } from "../QueryCache.js"
import * as codec from "./codec.js"
import { type Client, connect, failed } from "./redisConnection.js"

const VERSION = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then
    redis.call('SET', KEYS[i], ARGV[1])
    v = ARGV[1]
  end
  out[i] = v
end
return out`

const SET = `
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 1] then return 0 end
end
if ARGV[2] == '0' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`

const GET = `
local text = redis.call('GET', KEYS[1])
if not text then return false end
local cut = string.find(text, '\\n', 1, true)
local header = cjson.decode(string.sub(text, 1, cut - 1))
for i = 1, #header, 2 do
  if redis.call('GET', header[i]) ~= header[i + 1] then
    redis.call('DEL', KEYS[1])
    return false
  end
end
return text`

/** The tokens a read was started under, as `version` gives them to `set`. */
interface Version {
  readonly keys: ReadonlyArray<string>
  readonly tokens: ReadonlyArray<string>
}

/** @internal */
export const make = (options: RedisOptions = {}): Effect.Effect<Store, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = `{${options.namespace ?? "quarry"}}:`
    const all = `${prefix}all`
    const versionKey = (table: string) => `${prefix}v:${table}`
    const entryKey = (key: string) => `${prefix}e:${createHash("sha256").update(key).digest("base64url")}`
    const maxTtl = Duration.decode(options.maxTtl ?? "1 hour")
    const pending = new Set<string>()

    const client: Client = yield* connect(options, "store", (client) => {
      client.defineCommand("quarryVersion", { lua: VERSION })
      client.defineCommand("quarrySet", { lua: SET })
      client.defineCommand("quarryGet", { numberOfKeys: 1, lua: GET })
    })

    const command = <A>(what: string, run: () => Promise<A>): Effect.Effect<A, StoreError> =>
      Effect.tryPromise({ try: run, catch: failed(what) })

    /** Send the invalidations that failed, before anything else. */
    const flush: Effect.Effect<void, StoreError> = Effect.suspend(() => {
      if (pending.size === 0) return Effect.void
      const keys = Array.from(pending)
      const token = randomUUID()
      return command("invalidation", () => client.mset(...keys.flatMap((k) => [k, token]))).pipe(
        Effect.tap(() => Effect.sync(() => keys.forEach((k) => pending.delete(k))))
      )
    })
    const run = Runtime.runFork(yield* Effect.runtime<never>())
    client.on("ready", () => {
      if (pending.size > 0) run(Effect.ignore(flush))
    })

    const replace = (keys: ReadonlyArray<string>): Effect.Effect<void, StoreError> =>
      Effect.suspend(() => {
        keys.forEach((k) => pending.add(k))
        return flush
      })

    const ttlOf = (ttl: Duration.Duration | undefined): number => {
      const d = ttl === undefined ? maxTtl : Duration.min(ttl, maxTtl)
      return Duration.isFinite(d) ? Math.max(1, Math.ceil(Duration.toMillis(d))) : 0
    }

    return {
      get: (key) =>
        Effect.zipRight(
          flush,
          command("read", () => client.quarryGet(entryKey(key)) as Promise<string | null>).pipe(
            Effect.flatMap((text) =>
              text === null ? Effect.succeed(Option.none()) : Effect.try({
                try: () => Option.some(codec.decodeRows(text.slice(text.indexOf("\n") + 1))),
                catch: failed("read (decoding)")
              })
            )
          )
        ),
      version: (tables) =>
        Effect.zipRight(
          flush,
          Effect.suspend(() => {
            const keys = [all, ...tables.map(versionKey)]
            return command(
              "version",
              () => client.quarryVersion(keys.length, ...keys, randomUUID()) as Promise<Array<string>>
            ).pipe(Effect.map((tokens): Version => ({ keys, tokens })))
          })
        ),
      set: (key, entry, { ttl, version }) =>
        Effect.suspend(() => {
          const { keys, tokens } = version as Version
          let rows: string
          try {
            rows = codec.encodeRows(entry.rows)
          } catch (cause) {
            return Effect.fail(failed("write (encoding)")(cause))
          }
          const header = JSON.stringify(keys.flatMap((k, i) => [k, tokens[i]]))
          const payload = `${header}\n${rows}`
          return flush.pipe(Effect.zipRight(command(
            "write",
            () => client.quarrySet(keys.length + 1, entryKey(key), ...keys, payload, String(ttlOf(ttl)), ...tokens)
          )), Effect.asVoid)
        }),
      invalidate: (tables) => replace(tables.map(versionKey)),
      clear: replace([all])
    }
  })
