/**
 * Quarry: Effect-native data access. Models are Effect Schemas, queries are
 * values, databases are Layers.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Column from "./schema/Column.js"
/** @since 0.1.0 */
export * as ColumnType from "./schema/ColumnType.js"
/** @since 0.1.0 */
export * as Codec from "./schema/Codec.js"
/** @since 0.1.0 */
export * as Table from "./schema/Table.js"
/** @since 0.1.0 */
export * as Ddl from "./schema/Ddl.js"
/** @since 0.1.0 */
export * as Snapshot from "./schema/Snapshot.js"

/** @since 0.1.0 */
export * as Dialect from "./dialect/Dialect.js"
/** @since 0.1.0 */
export * as Expr from "./query/Expr.js"
/** @since 0.1.0 */
export * as Lookup from "./query/Lookup.js"
/** @since 0.1.0 */
export * as Query from "./query/Query.js"
/** @since 0.1.0 */
export * as Prepared from "./query/Prepared.js"
/** @since 0.1.0 */
export * as QueryError from "./query/QueryError.js"
/** @since 0.1.0 */
export * as Repository from "./orm/Repository.js"
/** @since 0.1.0 */
export * as Relation from "./orm/Relation.js"
/** @since 0.1.0 */
export * as Loader from "./orm/Loader.js"

/** @since 0.2.0 */
export * as QueryCache from "./cache/QueryCache.js"

/** @since 0.1.0 */
export * as Database from "./layers/Database.js"
/** @since 0.1.0 */
export * as DatabaseError from "./layers/DatabaseError.js"
/** @since 0.1.0 */
export * as DatabaseConfig from "./layers/DatabaseConfig.js"
/** @since 0.1.0 */
export * as Sqlite from "./layers/Sqlite.js"
/** @since 0.1.0 */
export * as Postgres from "./layers/Postgres.js"
/** @since 0.1.0 */
export * as Mysql from "./layers/Mysql.js"
/** @since 0.2.0 */
export * as Tracing from "./layers/Tracing.js"

/** @since 0.2.0 */
export * as Replicated from "./replication/Replicated.js"
/** @since 0.2.0 */
export * as Replication from "./replication/Replication.js"
/** @since 0.2.0 */
export * as Operation from "./migrations/Operation.js"
/** @since 0.2.0 */
export * as Diff from "./migrations/Diff.js"
/** @since 0.2.0 */
export * as Migration from "./migrations/Migration.js"
/** @since 0.2.0 */
export * as Migrations from "./migrations/Migrations.js"
/** @since 0.2.0 */
export * as MigrationError from "./migrations/MigrationError.js"
