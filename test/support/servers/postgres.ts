/** PostgreSQL: where its files live and how it differs from MariaDB (see ./server.ts). */
import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { CONNECT_TIMEOUT_MS, HOST, PASSWORD, ROLE, SERVERS_DIR, START_TIMEOUT_MS, errorOf, log, sleep } from "./common.js";
import { isLiveProcess, isRoot, run, which } from "./process.js";
import type { Server } from "./server.js";

const PORT = 54329;
const DIR = path.join(SERVERS_DIR, "pg");
const DATA = path.join(DIR, "data");
const RUN = path.join(DIR, "run"); // unix socket directory
const LOG = path.join(DIR, "postgres.log");

/** Admin URL of the PostgreSQL server we start. */
export const PG_ADMIN_URL = `postgres://${ROLE}:${PASSWORD}@${HOST}:${PORT}/postgres`;

type Target = string | pg.ClientConfig;

async function withPg<A>(target: Target, f: (client: pg.Client) => Promise<A>): Promise<A> {
  const config: pg.ClientConfig =
    typeof target === "string" ? { connectionString: target } : { ...target };
  config.connectionTimeoutMillis ??= CONNECT_TIMEOUT_MS;
  const client = new pg.Client(config);
  // An 'error' event (e.g. server shutting down under us) must not crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const answers = (target: Target) => errorOf(() => withPg(target, (c) => c.query("select 1")));

/** Superuser connection over the unix socket (trust auth), independent of the `quarry` role. */
const socketTarget: pg.ClientConfig = {
  host: RUN,
  port: PORT,
  user: "postgres",
  database: "postgres",
};

/** Directory of the newest installed PostgreSQL's binaries. */
function findBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  try {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], "bin");
  } catch {
    // fall through to PATH
  }
  const pgCtl = which("pg_ctl");
  return pgCtl ? path.dirname(pgCtl) : undefined;
}

/** Run a postgres binary as the `postgres` OS user (postgres refuses to run as root). */
function runPg(bin: string, args: ReadonlyArray<string>, timeoutMs?: number) {
  return isRoot()
    ? run("runuser", ["-u", "postgres", "--", bin, ...args], { timeoutMs })
    : run(bin, args, { timeoutMs });
}

function chownToPostgres(dir: string): Promise<unknown> {
  return isRoot() ? run("chown", ["-R", "postgres:postgres", dir]) : Promise.resolve();
}

const dropSql = (name: string) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`;

/** The PostgreSQL server on 127.0.0.1:54329, state under `$SERVERS_DIR/pg`. */
export const postgres: Server<string> = {
  label: "PostgreSQL",
  processName: "postmaster",
  urlVariable: "PG_URL",
  publishedVariable: "QUARRY_PG_URL",
  adminUrl: PG_ADMIN_URL,
  port: PORT,
  lockName: "pg",
  aptPackage: "postgresql",
  dataDir: DATA,
  runDir: RUN,
  logFile: LOG,
  pidFile: path.join(DATA, "postmaster.pid"),
  socketFile: path.join(RUN, `.s.PGSQL.${PORT}`),

  answers,
  socketAnswers: () => answers(socketTarget),

  isServerProcess: (pid) => {
    if (!isLiveProcess(pid, ["postgres", "postmaster"])) return false;
    try {
      // The postmaster chdirs into its data directory.
      return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(DATA);
    } catch {
      return true; // cannot tell (not root): assume it is
    }
  },

  findBinaries: findBin,

  initialise: async (bin, scratch) => {
    await chownToPostgres(DIR);
    await runPg(path.join(bin, "initdb"), [
      "-D", scratch,
      "-U", "postgres",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C.UTF-8",
    ]);
  },

  launch: async (bin) => {
    await chownToPostgres(DIR);
    const options = [
      `-c listen_addresses=${HOST}`,
      `-c port=${PORT}`,
      `-c unix_socket_directories='${RUN}'`,
      `-c max_connections=200`,
    ].join(" ");
    // pg_ctl forks the postmaster into its own session (setsid) with output
    // redirected to the log file, so it survives this process. -w waits
    // until it accepts connections or dies.
    await runPg(
      path.join(bin, "pg_ctl"),
      ["start", "-D", DATA, "-l", LOG, "-w", "-t", String(START_TIMEOUT_MS / 1000), "-o", options],
      START_TIMEOUT_MS + 10_000,
    );
    return () => undefined;
  },

  createRole: () =>
    withPg(socketTarget, async (client) => {
      const { rows } = await client.query("select 1 from pg_roles where rolname = $1", [ROLE]);
      const verb = rows.length === 0 ? "CREATE" : "ALTER";
      if (verb === "CREATE") log(`creating PostgreSQL role ${ROLE}`);
      await client.query(`${verb} ROLE ${ROLE} WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD '${PASSWORD}'`);
    }),

  createDatabase: (admin, name) =>
    withPg(admin, async (client) => {
      await client.query(dropSql(name));
      // Concurrent CREATE DATABASE calls can transiently trip over the template
      // database ("source database is being accessed by other users", 55006).
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE "${name}" ENCODING 'UTF8'`);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== "55006" || attempt >= 20) throw error;
          await sleep(100 * attempt);
        }
      }
    }),

  dropDatabase: async (admin, name) => {
    await withPg(admin, (client) => client.query(dropSql(name)));
  },

  listDatabases: (admin, prefix) =>
    withPg(admin, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        "SELECT datname AS name FROM pg_database WHERE starts_with(datname, $1)",
        [prefix],
      );
      return rows.map((row) => row.name);
    }),
};
