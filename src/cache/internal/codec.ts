/**
 * Rows as text for a shared store, exactly: what a driver returns (strings,
 * numbers with NaN / ±Infinity / -0, booleans, null, undefined, bigints,
 * Dates, Buffers, other Uint8Arrays, arrays and plain objects, nested) comes
 * back equal and of the same class. Rows are kept as the driver gave them
 * and decoded by each reader's schema, so caching them exactly gives the
 * values of an uncached read.
 *
 * The text is JSON in which strings, finite numbers, booleans, null and
 * plain objects stand for themselves and every other value is an array whose
 * first element names its kind: `["a", ...items]` for an array, `["b", "12"]`
 * a bigint, `["d", ms]` a Date, `["B", base64]` a Buffer, `["u", base64]` a
 * Uint8Array, `["n", "NaN"]` a number JSON cannot hold, `["x"]` undefined.
 * Arrays are always tagged, so no value is ambiguous. A value of any other
 * class (a driver's own object, say) is refused: the result is not stored
 * rather than stored inexactly.
 */
import type { Row } from "../../layers/Database.js"

/** A value the codec cannot hold exactly. */
export class Unsupported extends Error {}

const plain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

const encodeValue = (v: unknown): unknown => {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0) ? v : ["n", Object.is(v, -0) ? "-0" : String(v)]
    case "bigint":
      return ["b", v.toString()]
    case "undefined":
      return ["x"]
    case "object": {
      if (v === null) return null
      if (Array.isArray(v)) return ["a", ...v.map(encodeValue)]
      if (v instanceof Date) return ["d", v.getTime()]
      if (Buffer.isBuffer(v)) return ["B", v.toString("base64")]
      if (v instanceof Uint8Array && v.constructor === Uint8Array) {
        return ["u", Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")]
      }
      if (plain(v)) return encodeObject(v as Record<string, unknown>)
      throw new Unsupported(`a value of class ${v.constructor?.name ?? "unknown"} cannot be cached exactly`)
    }
    default:
      throw new Unsupported(`a ${typeof v} cannot be cached`)
  }
}

/** `out[key] = value`, also for a column named `__proto__` (an assignment would set the prototype). */
const put = (out: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

const encodeObject = (o: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(o)) put(out, key, encodeValue(o[key]))
  return out
}

const bytes = (base64: string): Uint8Array => {
  const b = Buffer.from(base64, "base64")
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

const decodeValue = (v: unknown): unknown => {
  if (v === null || typeof v !== "object") return v
  if (!Array.isArray(v)) return decodeObject(v as Record<string, unknown>)
  switch (v[0]) {
    case "a":
      return v.slice(1).map(decodeValue)
    case "b":
      return BigInt(v[1] as string)
    case "d":
      return new Date(v[1] === null ? NaN : (v[1] as number))
    case "B":
      return Buffer.from(v[1] as string, "base64")
    case "u":
      return bytes(v[1] as string)
    case "n":
      return v[1] === "-0" ? -0 : Number(v[1])
    case "x":
      return undefined
    default:
      throw new Unsupported(`unknown tag ${JSON.stringify(v[0])} in a cached value`)
  }
}

const decodeObject = (o: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(o)) put(out, key, decodeValue(o[key]))
  return out
}

/** Rows as text; throws `Unsupported` for a value it cannot hold exactly. */
export const encodeRows = (rows: ReadonlyArray<Row>): string => JSON.stringify(rows.map(encodeObject))

/** The rows `encodeRows` wrote. */
export const decodeRows = (text: string): ReadonlyArray<Row> =>
  (JSON.parse(text) as Array<Record<string, unknown>>).map(decodeObject)
