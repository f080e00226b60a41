/**
 * MySQL and MariaDB as a `Database` layer: a mysql2 pool under
 * `@effect/sql-mysql2`, with transactions owned by the layer instance, classified
 * errors (from errno) and a draining shutdown. DATETIME and TIMESTAMP come
 * back in UTC as text, BIGINT and DECIMAL exactly as text.
 *
 * Transactions belong to the layer instance: two databases in one program
 * never share one. The `SqlClient` the layer provides (also `Database.sql`)
 * runs its statements where the database's own statements run: inside
 * `Database.transaction` on the transaction's connection, and its
 * `withTransaction` is `Database.transaction`; it never joins another
 * client's `withTransaction`. Its failures are `SqlError`s whose `cause` is
 * the classified `DatabaseError`.
 *
 * Interrupting a statement stops it on the server (`KILL QUERY`);
 * interrupting a transaction rolls it back. A stream abandoned mid-way closes
 * its connection (a half-read result cannot be skipped), which inside a
 * transaction rolls the transaction back. A deadlock makes InnoDB roll back
 * the whole transaction: later statements of it fail with the same
 * `Deadlock` instead of running outside it.
 *
 * @example
 * ```ts
 * import { Mysql } from "effect-quarry"
 *
 * const DatabaseLive = Mysql.layer({ url: "mysql://app:secret@localhost:3306/app", maxConnections: 20 })
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
import type * as MysqlDriver from "./internal/poolMysql.js"

/**
 * Where the server is, how the pool behaves, and MySQL-only settings (extra mysql2 pool options).
 *
 * @since 0.1.0
 * @category models
 */
export interface MysqlConfig extends ConnectionOptions, MysqlDriver.Extra {}

// mysql2 and @effect/sql-mysql2 are optional peers: loaded when a layer is built, not when the package is imported.
const open = (config: MysqlConfig) =>
  Effect.flatMap(
    DriverModule.load("mysql", () => import("./internal/poolMysql.js")),
    (module) => Pool.make(module.driver(config), config)
  )

/**
 * The `Database` and `SqlClient` services of a MySQL or MariaDB database, open for
 * the life of the scope. Fails with a `ConnectionError` when the server cannot
 * be reached, refuses the credentials or has no such database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: MysqlConfig
): Effect.Effect<Context.Context<Database | SqlClient.SqlClient>, DatabaseError, Scope.Scope> =>
  Effect.provideServiceEffect(open(config), Reactivity.Reactivity, Reactivity.make)

/**
 * The `Database` and `SqlClient` services of a MySQL or MariaDB database as a
 * layer: each build opens a pool of its own, which closes, after draining
 * submitted writes, with that build's scope (the same layer value can be
 * built again, or twice at once).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: MysqlConfig): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError> =>
  Layer.scopedContext(open(config)).pipe(Layer.provide(Reactivity.layer))

/**
 * The layer, with its settings read from configuration.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Mysql } from "effect-quarry"
 *
 * const DatabaseLive = Mysql.layerConfig({ url: Config.redacted("DATABASE_URL") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<MysqlConfig>
): Layer.Layer<Database | SqlClient.SqlClient, DatabaseError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
