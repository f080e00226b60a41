/**
 * PostgreSQL as a `Database` layer: a node-postgres pool under
 * `@effect/sql-pg`, with transactions owned by the layer instance, classified
 * errors (from SQLSTATE) and a draining shutdown.
 *
 * Transactions belong to the layer instance: two databases in one program
 * never share one. The `SqlClient` the layer provides (also `Database.sql`)
 * runs its statements where the database's own statements run: inside
 * `Database.transaction` on the transaction's connection, and its
 * `withTransaction` is `Database.transaction`; it never joins another
 * client's `withTransaction`. Its failures are `SqlError`s whose `cause` is
 * the classified `DatabaseError`.
 *
 * Interrupting a statement cancels it on the server; interrupting a
 * transaction rolls it back. Streams read through a cursor, closed when the
 * stream ends or is abandoned.
 *
 * @example
 * ```ts
 * import { Postgres } from "effect-quarry"
 *
 * const DatabaseLive = Postgres.layer({ url: "postgres://app:secret@localhost:5432/app", maxConnections: 20 })
 * ```
 *
 * @since 0.1.0
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type { SqlClient } from "@effect/sql"
import { Config, type ConfigError, type Context, Effect, Layer, type Scope } from "effect"
import type { Database } from "./Database.js"
import type { ConnectionOptions } from "./internal/connectionOptions.js"
import type { DatabaseError } from "./DatabaseError.js"
import * as DriverModule from "./internal/driverModule.js"
import * as Pool from "./internal/pool.js"
import type * as PgDriver from "./internal/poolPostgres.js"

/**
 * Where the server is, how the pool behaves, and PostgreSQL-only settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostgresConfig extends ConnectionOptions, PgDriver.Extra {}

// pg and @effect/sql-pg are optional peers: loaded when a layer is built, not when the package is imported.
const open = (config: PostgresConfig) =>
  Effect.flatMap(
    DriverModule.load("postgres", () => import("./internal/poolPostgres.js")),
    (module) => Pool.make(module.driver(config), config)
  )

/**
 * The `Database` and `SqlClient` services of a PostgreSQL database, open for
 * the life of the scope. Fails with a `ConnectionError` when the server cannot
 * be reached, refuses the credentials or has no such database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: PostgresConfig
): Effect.Effect<Context.Context<Database | SqlClient.SqlClient>, DatabaseError, Scope.Scope> =>
  Effect.provideServiceEffect(open(config), Reactivity.Reactivity, Reactivity.make)

/**
 * The `Database` and `SqlClient` services of a PostgreSQL database as a
 * layer: each build opens a pool of its own, which closes, after draining
 * submitted writes, with that build's scope (the same layer value can be
 * built again, or twice at once).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: PostgresConfig): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError> =>
  Layer.scopedContext(open(config)).pipe(Layer.provide(Reactivity.layer))

/**
 * The layer, with its settings read from configuration.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Postgres } from "effect-quarry"
 *
 * const DatabaseLive = Postgres.layerConfig({ url: Config.redacted("DATABASE_URL") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<PostgresConfig>
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
