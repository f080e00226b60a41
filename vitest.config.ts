import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Starts (or reuses) PostgreSQL + MariaDB and publishes QUARRY_PG_URL /
    // QUARRY_MYSQL_URL (process.env and inject()).
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machine: at most 2 forked workers.
    pool: "forks",
    poolOptions: {
      forks: { minForks: 1, maxForks: 2 },
    },
    // .ci/summary.mjs reads the JSON report to print the closing line.
    reporters: ["default", ["json", { outputFile: ".tmp/vitest.json" }]],
  },
});
