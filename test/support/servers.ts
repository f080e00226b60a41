/**
 * Real PostgreSQL and MariaDB servers for the integration tests.
 *
 * `ensurePostgres()` / `ensureMariadb()` return an admin connection URL for a
 * role `quarry`/`quarry` that may create databases. Resolution order:
 *
 *   1. `PG_URL` / `MYSQL_URL` from the environment (verified by connecting);
 *   2. a server already answering on 127.0.0.1:54329 / 127.0.0.1:33069
 *      (servers are started detached and outlive the test process, so every
 *      run after the first one just reuses them);
 *   3. otherwise: install the packages with apt if the binaries are missing
 *      (root only), initialise a data directory under
 *      `$QUARRY_SERVERS_DIR` (default `os.tmpdir()/quarry-servers`), clean up
 *      stale pid/lock files left by killed servers, start the server detached,
 *      wait until it accepts connections and create the `quarry` role.
 *
 * If a server cannot be had, these functions THROW (with the tail of the
 * server log). Tests must never be skipped silently for lack of a database.
 *
 * Only Node APIs plus the `pg` and `mysql2` drivers are used. The lifecycle is
 * in ./servers/server.ts; what differs per server is in ./servers/postgres.ts
 * and ./servers/mariadb.ts.
 */
import { once } from "./servers/common.js";
import { processExists } from "./servers/process.js";
import { mariadb } from "./servers/mariadb.js";
import { postgres } from "./servers/postgres.js";
import { ensureRedisServer } from "./servers/redis.js";
import { ensureServer } from "./servers/server.js";

export { SERVERS_DIR } from "./servers/common.js";
export { MYSQL_ADMIN_URL } from "./servers/mariadb.js";
export { PG_ADMIN_URL } from "./servers/postgres.js";
export { REDIS_URL } from "./servers/redis.js";

/**
 * The two kinds of test database server.
 *
 * @since 0.1.0
 * @category models
 */
export type DatabaseKind = "postgres" | "mysql";

const servers = { postgres, mysql: mariadb };

const ensure: Record<DatabaseKind, () => Promise<string>> = {
  postgres: once(() => ensureServer(postgres)),
  mysql: once(() => ensureServer(mariadb)),
};

/**
 * Admin URL of a running PostgreSQL server (starting one if necessary).
 *
 * @since 0.1.0
 * @category servers
 */
export function ensurePostgres(): Promise<string> {
  return ensure.postgres();
}

/**
 * Admin URL of a running MariaDB server (starting one if necessary).
 *
 * @since 0.1.0
 * @category servers
 */
export function ensureMariadb(): Promise<string> {
  return ensure.mysql();
}

/**
 * URL of a running Redis server (starting one if necessary; `REDIS_URL`
 * overrides), for the query cache tests.
 *
 * @since 0.2.0
 * @category servers
 */
export const ensureRedis: () => Promise<string> = once(ensureRedisServer);

/**
 * The Redis URL to use from a test worker: the one the vitest globalSetup
 * published (`QUARRY_REDIS_URL`) or, outside vitest, whatever `ensureRedis`
 * finds.
 *
 * @since 0.2.0
 * @category servers
 */
export function redisUrl(): Promise<string> {
  const url = process.env.QUARRY_REDIS_URL;
  return url ? Promise.resolve(url) : ensureRedis();
}

/**
 * The admin URL to use from a test worker: the URL published by the vitest
 * globalSetup (`QUARRY_PG_URL` / `QUARRY_MYSQL_URL`) or, outside vitest,
 * whatever `ensure*` finds.
 *
 * @since 0.1.0
 * @category servers
 */
export function adminUrl(kind: DatabaseKind): Promise<string> {
  const url = process.env[servers[kind].publishedVariable];
  return url ? Promise.resolve(url) : ensure[kind]();
}

/**
 * Drop (if it exists) and create a fresh database `name`; returns its URL
 * (same credentials as the admin URL).
 *
 * @since 0.1.0
 * @category databases
 */
export async function createDatabase(kind: DatabaseKind, name: string): Promise<string> {
  checkDatabaseName(name);
  const admin = await adminUrl(kind);
  await servers[kind].createDatabase(admin, name);
  return withDatabase(admin, name);
}

/**
 * Drop database `name` if it exists (terminating open connections on postgres).
 *
 * @since 0.1.0
 * @category databases
 */
export async function dropDatabase(kind: DatabaseKind, name: string): Promise<void> {
  checkDatabaseName(name);
  const admin = await adminUrl(kind);
  await servers[kind].dropDatabase(admin, name);
}

/**
 * The name of a suite's database: `q_<suite>_<pid>`. The pid says which test
 * process owns it, so {@link dropOrphanDatabases} can tell leftovers of a
 * killed run from databases in use.
 *
 * @since 0.1.0
 * @category databases
 */
export function suiteDatabaseName(suite: string, pid = process.pid): string {
  return `q_${suite.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)}_${pid}`;
}

/**
 * Drop the suite databases (see {@link suiteDatabaseName}) whose process is
 * gone: suites drop their own when they end, but a killed run leaves its
 * databases behind, and a server that is reused would collect them run after
 * run. Returns how many were dropped.
 *
 * @since 0.1.0
 * @category databases
 */
export async function dropOrphanDatabases(kind: DatabaseKind): Promise<number> {
  const admin = await adminUrl(kind);
  const names = await servers[kind].listDatabases(admin, "q_");
  const orphans = names.filter((name) => {
    const pid = /_(\d+)$/.exec(name)?.[1];
    return pid !== undefined && !processExists(Number(pid));
  });
  for (const name of orphans) await servers[kind].dropDatabase(admin, name);
  return orphans.length;
}

function checkDatabaseName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid test database name ${JSON.stringify(name)} (use [A-Za-z_][A-Za-z0-9_]*, max 63 chars)`);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
