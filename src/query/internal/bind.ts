/**
 * Binding a prepared query's arguments into its statement, and the boundary
 * where compile failures become typed failures.
 */
import { Effect } from "effect"
import type { Statement } from "../../layers/Database.js"
import * as QueryError from "../QueryError.js"
import type { Compiled } from "./compileSelect.js"
import * as Values from "./values.js"

/** Arguments of a prepared query's parameters. */
export type Args = { readonly [name: string]: unknown } | undefined

/** The statement with the arguments bound into its parameter slots (throws `Fail`). */
export const bind = (compiled: Compiled, args: Args): Statement => {
  if (compiled.slots.length === 0) return compiled
  const params = compiled.params.slice()
  for (const slot of compiled.slots) {
    if (args === undefined || !(slot.name in args)) {
      return Values.fail(
        new QueryError.ValidationError({
          table: undefined,
          column: undefined,
          reason: `no value for the parameter "${slot.name}"`,
          cause: undefined
        })
      )
    }
    params[slot.index] = slot.encode(args[slot.name])
  }
  return { sql: compiled.sql, params }
}

/** Run `f`, turning a compile failure into a typed failure. */
export const guard = <A, E, R>(f: () => Effect.Effect<A, E, R>): Effect.Effect<A, E | QueryError.CompileError, R> => {
  try {
    return f()
  } catch (e) {
    if (e instanceof Values.Fail) return Effect.fail(e.error)
    throw e
  }
}

