/**
 * Memoization on immutable values: a value computed once per object and key
 * (an AST node and a dialect, a table and a subset, a relation and a name)
 * and kept for as long as the object lives.
 */

/** A memo: `(node, key, make)` gives what `make()` gave the first time (a `make` that throws is not kept). */
export type Memo<K extends object, V> = (node: K, key: string, make: () => V) => V

/** A memo of its own (so that two uses never share keys). */
export const memoized = <K extends object, V>(): Memo<K, V> => {
  const cache = new WeakMap<K, Map<string, V>>()
  return (node, key, make) => {
    let byKey = cache.get(node)
    if (byKey === undefined) {
      byKey = new Map()
      cache.set(node, byKey)
    }
    let value = byKey.get(key)
    if (value === undefined && !byKey.has(key)) {
      value = make()
      byKey.set(key, value)
    }
    return value as V
  }
}
