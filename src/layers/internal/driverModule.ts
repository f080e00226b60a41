/**
 * Loading a database driver when its layer is built, never when
 * `effect-quarry` is imported: the drivers are optional peer dependencies, so
 * a program that uses only SQLite runs without pg or mysql2 installed (and a
 * PostgreSQL one without better-sqlite3). A missing driver fails the layer
 * with a `ConnectionError` that says what to install.
 *
 * @internal
 */
import { Effect } from "effect"
import type { DialectName } from "../../dialect/Dialect.js"
import * as DatabaseError from "../DatabaseError.js"

/** What to install for each database. @internal */
export const packages: Record<DialectName, string> = {
  sqlite: "better-sqlite3",
  postgres: "@effect/sql-pg pg",
  mysql: "@effect/sql-mysql2 mysql2"
}

/** The module `load` imports, or a `ConnectionError` naming the packages to install. @internal */
export const load = <A>(dialect: DialectName, importer: () => Promise<A>): Effect.Effect<A, DatabaseError.ConnectionError> =>
  Effect.tryPromise({
    try: importer,
    catch: (cause) =>
      new DatabaseError.ConnectionError({
        dialect,
        message: `cannot load the ${dialect} driver (install it with \`npm install ${packages[dialect]}\`): ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        cause,
        retryable: false
      })
  })
