/**
 * Connection settings shared by the pooled layers (re-exported as
 * `DatabaseConfig.ConnectionOptions`); the drivers read them without
 * importing the layer that picks a database from a URL.
 */
import type { Duration, Redacted } from "effect"

/**
 * Where a pooled database is and how the pool behaves. Give either `url` or
 * the separate fields (fields given beside a `url` override it).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionOptions {
  /** `postgres://user:password@host:port/database`, `mysql://…`. */
  readonly url?: string | Redacted.Redacted | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly username?: string | undefined
  readonly password?: string | Redacted.Redacted | undefined
  /** Most connections the pool opens (default 10); further work waits for one. */
  readonly maxConnections?: number | undefined
  /** Idle connections kept open regardless of `idleTimeout` (default 0 on PostgreSQL, `maxConnections` on MySQL). */
  readonly minConnections?: number | undefined
  /** How long a connection may stay idle before the pool closes it. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** How long opening one connection may take (default 5 seconds); waiting for a busy pool is not bounded by it. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * Longest life of a connection before the pool replaces it (PostgreSQL: pg-pool closes it once it is
   * idle; MySQL: a connection past it is closed and replaced when it is next taken from the pool).
   */
  readonly connectionTTL?: Duration.DurationInput | undefined
}

