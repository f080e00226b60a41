/**
 * The Redis store's parts that need no server: the exact row codec and the
 * lazy loading of ioredis.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeRows, encodeRows, Unsupported } from "../../src/cache/internal/codec.js"
import { load } from "../../src/cache/internal/redisConnection.js"
import * as QueryCache from "../../src/cache/QueryCache.js"

describe("codec", () => {
  it("gives back driver rows equal and of the same classes", () => {
    const proto = JSON.parse(`{"__proto__": 1}`) as Record<string, unknown>
    const rows = [
      {
        s: "ünï \"q\" \n\\ 🎉",
        empty: "",
        n: 0.1,
        negZero: -0,
        nan: NaN,
        inf: Infinity,
        ninf: -Infinity,
        t: true,
        nil: null,
        undef: undefined,
        big: 9223372036854775807n,
        nbig: -9223372036854775808n,
        date: new Date("2024-02-29T12:34:56.789Z"),
        invalid: new Date(NaN),
        buffer: Buffer.from([0, 255, 10]),
        bytes: new Uint8Array([1, 2, 3]),
        slice: new Uint8Array([9, 8, 7, 6]).subarray(1, 3),
        json: { a: [1, "x", null, [2, { b: ["a", "tagged-looking"] }]], nested: { deep: [] } },
        arrayLikeTag: ["b", "12"],
        proto
      }
    ]
    const back = decodeRows(encodeRows(rows))
    expect(back).toStrictEqual([{ ...rows[0], slice: new Uint8Array([8, 7]) }])
    const [row] = back as Array<Record<string, unknown>>
    expect(Object.is(row.negZero, -0)).toBe(true)
    expect(Buffer.isBuffer(row.buffer)).toBe(true)
    expect(Buffer.isBuffer(row.bytes)).toBe(false)
    expect(row.arrayLikeTag).toEqual(["b", "12"])
    expect(Object.getPrototypeOf(row.proto)).toBe(Object.prototype)
    expect(Object.keys(row.proto as object)).toEqual(["__proto__"])
  })

  it("refuses a value it cannot give back exactly", () => {
    class Interval {
      hours = 1
    }
    expect(() => encodeRows([{ i: new Interval() }])).toThrow(Unsupported)
    expect(() => encodeRows([{ m: new Map() }])).toThrow(Unsupported)
    expect(() => encodeRows([{ f: () => 1 }])).toThrow(Unsupported)
  })
})

describe("loading ioredis", () => {
  it.effect("a missing ioredis is a StoreError saying what to install", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load(() => Promise.reject(new Error("Cannot find package 'ioredis'"))))
      expect(error).toBeInstanceOf(QueryCache.StoreError)
      expect(error.message).toContain("npm install ioredis")
      expect(error.message).toContain("Cannot find package 'ioredis'")
    }))

  it.effect("the installed one loads", () =>
    Effect.map(load(), (Redis) => expect(typeof Redis).toBe("function")))
})
