/**
 * vitest globalSetup: make sure PostgreSQL and MariaDB are running (see
 * ./servers.ts) and publish their admin URLs to the test workers.
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
 * Nothing is torn down: the servers keep running so the next run reuses them.
 */
import type { TestProject } from "vitest/node";
import { ensureMariadb, ensurePostgres } from "./servers.js";

declare module "vitest" {
  export interface ProvidedContext {
    QUARRY_PG_URL: string;
    QUARRY_MYSQL_URL: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const [pgUrl, mysqlUrl] = await Promise.all([ensurePostgres(), ensureMariadb()]);
  process.env.QUARRY_PG_URL = pgUrl;
  process.env.QUARRY_MYSQL_URL = mysqlUrl;
  project.provide("QUARRY_PG_URL", pgUrl);
  project.provide("QUARRY_MYSQL_URL", mysqlUrl);
}
