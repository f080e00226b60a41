/**
 * vitest globalSetup: make sure PostgreSQL, MariaDB and Redis are running
 * (see ./servers.ts) and publish their URLs to the test workers
 * (`QUARRY_REDIS_URL` for Redis, read with `redisUrl()`).
 *
 * The URLs are published twice:
 *
 *   - `project.provide(...)`: the official channel; read them in tests with
 *     `inject("QUARRY_PG_URL")` / `inject("QUARRY_MYSQL_URL")` from "vitest".
 *   - `process.env.QUARRY_PG_URL` / `process.env.QUARRY_MYSQL_URL`: vitest 3.2
 *     builds each worker's environment from `process.env` when it runs the
 *     test files, which is after globalSetup has finished, so variables set
 *     here are visible in the (forked) workers. test/support/servers.test.ts
 *     asserts that both channels agree.
 *
 * The servers are not stopped: they keep running so the next run reuses them.
 * Suites drop their databases when they end; databases and files left by a
 * killed run are removed here, and this run's temporary files (SQLite
 * databases, under `QUARRY_TEST_TMP`) by the teardown this returns.
 */
import type { TestProject } from "vitest/node";
import { rmSync } from "node:fs";
import { dropOrphanDatabases, ensureMariadb, ensurePostgres, ensureRedis } from "./servers.js";
import { log } from "./servers/common.js";
import { makeRunDir, removeOrphanRunDirs, TEST_TMP_VARIABLE } from "./tempDir.js";

declare module "vitest" {
  export interface ProvidedContext {
    QUARRY_PG_URL: string;
    QUARRY_MYSQL_URL: string;
    QUARRY_REDIS_URL: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const [pgUrl, mysqlUrl, redisUrl] = await Promise.all([ensurePostgres(), ensureMariadb(), ensureRedis()]);
  // Leftovers of killed runs on reused servers and in the temporary directory.
  const orphans = (await dropOrphanDatabases("postgres")) + (await dropOrphanDatabases("mysql"));
  const orphanDirs = removeOrphanRunDirs();
  if (orphans + orphanDirs > 0) log(`removed ${orphans} databases and ${orphanDirs} directories left by killed runs`);
  const runDir = makeRunDir();
  process.env[TEST_TMP_VARIABLE] = runDir;
  process.env.QUARRY_PG_URL = pgUrl;
  process.env.QUARRY_MYSQL_URL = mysqlUrl;
  process.env.QUARRY_REDIS_URL = redisUrl;
  project.provide("QUARRY_PG_URL", pgUrl);
  project.provide("QUARRY_MYSQL_URL", mysqlUrl);
  project.provide("QUARRY_REDIS_URL", redisUrl);
  return () => rmSync(runDir, { recursive: true, force: true });
}
