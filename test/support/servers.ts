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
 * Only Node APIs plus the `pg` and `mysql2` drivers are used.
 */
import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";

export type DatabaseKind = "postgres" | "mysql";

const HOST = "127.0.0.1";
const PG_PORT = 54329;
const MYSQL_PORT = 33069;
const ROLE = "quarry";
const PASSWORD = "quarry";

export const PG_ADMIN_URL = `postgres://${ROLE}:${PASSWORD}@${HOST}:${PG_PORT}/postgres`;
export const MYSQL_ADMIN_URL = `mysql://${ROLE}:${PASSWORD}@${HOST}:${MYSQL_PORT}/mysql`;

/** Root of all server state (data dirs, logs, sockets). */
export const SERVERS_DIR =
  process.env.QUARRY_SERVERS_DIR ?? path.join(os.tmpdir(), "quarry-servers");

const PG_DIR = path.join(SERVERS_DIR, "pg");
const PG_DATA = path.join(PG_DIR, "data");
const PG_RUN = path.join(PG_DIR, "run"); // unix socket directory
const PG_LOG = path.join(PG_DIR, "postgres.log");

const MY_DIR = path.join(SERVERS_DIR, "mariadb");
const MY_DATA = path.join(MY_DIR, "data");
const MY_RUN = path.join(MY_DIR, "run");
const MY_SOCKET = path.join(MY_RUN, "mysqld.sock");
const MY_PID = path.join(MY_RUN, "mysqld.pid");
const MY_LOG = path.join(MY_DIR, "mariadb.log");

const START_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 3_000;

const isRoot = (): boolean => process.getuid?.() === 0;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (msg: string) => process.stderr.write(`[quarry-servers] ${msg}\n`);

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

let pgPromise: Promise<string> | undefined;
let myPromise: Promise<string> | undefined;

/** Admin URL of a running PostgreSQL server (starting one if necessary). */
export function ensurePostgres(): Promise<string> {
  pgPromise ??= doEnsurePostgres().catch((error: unknown) => {
    pgPromise = undefined;
    throw error;
  });
  return pgPromise;
}

/** Admin URL of a running MariaDB server (starting one if necessary). */
export function ensureMariadb(): Promise<string> {
  myPromise ??= doEnsureMariadb().catch((error: unknown) => {
    myPromise = undefined;
    throw error;
  });
  return myPromise;
}

/**
 * The admin URL to use from a test worker: the URL published by the vitest
 * globalSetup (`QUARRY_PG_URL` / `QUARRY_MYSQL_URL`) or, outside vitest,
 * whatever `ensure*` finds.
 */
export function adminUrl(kind: DatabaseKind): Promise<string> {
  if (kind === "postgres") {
    const url = process.env.QUARRY_PG_URL;
    return url ? Promise.resolve(url) : ensurePostgres();
  }
  const url = process.env.QUARRY_MYSQL_URL;
  return url ? Promise.resolve(url) : ensureMariadb();
}

/**
 * Drop (if it exists) and create a fresh database `name`; returns its URL
 * (same credentials as the admin URL).
 */
export async function createDatabase(kind: DatabaseKind, name: string): Promise<string> {
  checkDatabaseName(name);
  const admin = await adminUrl(kind);
  if (kind === "postgres") {
    await withPg(admin, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
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
    });
  } else {
    await withMysql(admin, async (conn) => {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.query(
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    });
  }
  return withDatabase(admin, name);
}

/** Drop database `name` if it exists (terminating open connections on postgres). */
export async function dropDatabase(kind: DatabaseKind, name: string): Promise<void> {
  checkDatabaseName(name);
  const admin = await adminUrl(kind);
  if (kind === "postgres") {
    await withPg(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  } else {
    await withMysql(admin, (conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``));
  }
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

// ---------------------------------------------------------------------------
// Driver helpers
// ---------------------------------------------------------------------------

type PgTarget = string | pg.ClientConfig;

async function withPg<A>(target: PgTarget, f: (client: pg.Client) => Promise<A>): Promise<A> {
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

type MysqlTarget = string | mysql.ConnectionOptions;

async function withMysql<A>(target: MysqlTarget, f: (conn: mysql.Connection) => Promise<A>): Promise<A> {
  const options: mysql.ConnectionOptions =
    typeof target === "string"
      ? { uri: target, connectTimeout: CONNECT_TIMEOUT_MS }
      : { connectTimeout: CONNECT_TIMEOUT_MS, ...target };
  const conn = await mysql.createConnection(options);
  conn.on("error", () => {});
  try {
    return await f(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

async function pgAnswers(target: PgTarget): Promise<unknown> {
  try {
    await withPg(target, (c) => c.query("select 1"));
    return undefined;
  } catch (error) {
    return error ?? new Error("unknown error");
  }
}

async function mysqlAnswers(target: MysqlTarget): Promise<unknown> {
  try {
    await withMysql(target, (c) => c.query("select 1"));
    return undefined;
  } catch (error) {
    return error ?? new Error("unknown error");
  }
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);

// ---------------------------------------------------------------------------
// Process / file helpers
// ---------------------------------------------------------------------------

function run(
  cmd: string,
  args: ReadonlyArray<string>,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `command failed: ${cmd} ${args.join(" ")}\n${error.message}\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
            ),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

function logTail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, "utf8");
    return tail(text.slice(-32_768), lines);
  } catch {
    return `(no log at ${file})`;
  }
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readPid(file: string): number | undefined {
  try {
    const first = readFileSync(file, "utf8").split("\n")[0]?.trim() ?? "";
    const pid = Number.parseInt(first, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Is `pid` a live (non-zombie) process whose command name is one of `names`?
 * Killed servers linger as zombies for a while; `kill(pid, 0)` succeeds on a
 * zombie, which is exactly what makes the servers' own stale-lock detection
 * refuse to start. We look at /proc instead.
 */
function isLiveProcess(pid: number, names: ReadonlyArray<string>): boolean {
  if (pid === process.pid) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    if (existsSync("/proc/self/stat")) return false; // Linux: the process is gone
    try {
      process.kill(pid, 0); // no procfs: best effort
      return true;
    } catch {
      return false;
    }
  }
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  const comm = stat.slice(open + 1, close);
  const state = stat.slice(close + 2, close + 3);
  if (state === "Z" || state === "X" || state === "x") return false;
  return names.includes(comm);
}

function removeIfExists(file: string): void {
  rmSync(file, { force: true });
}

function chownToPostgres(dir: string): Promise<unknown> {
  return isRoot() ? run("chown", ["-R", "postgres:postgres", dir]) : Promise.resolve();
}

/**
 * Cross-process lock (mkdir is atomic) so that two concurrent test runs don't
 * both try to initialise/start the same server. Stale locks (owner dead) are
 * broken.
 */
async function withLock<A>(name: string, f: () => Promise<A>): Promise<A> {
  mkdirSync(SERVERS_DIR, { recursive: true });
  const dir = path.join(SERVERS_DIR, `${name}.lock`);
  const ownerFile = path.join(dir, "owner");
  const deadline = Date.now() + 10 * 60_000; // may include an apt install
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readPid(ownerFile);
      let age = 0;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
      } catch {
        continue; // vanished: retry at once
      }
      // No owner pid yet: the holder is between mkdir and writeFile, unless that was long ago.
      const ownerDead = owner !== undefined ? !processExists(owner) : age > 5_000;
      if (ownerDead) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for lock ${dir} held by pid ${owner}`);
      }
      await sleep(250);
    }
  }
  try {
    return await f();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// apt
// ---------------------------------------------------------------------------

let aptPromise: Promise<void> | undefined;

/** Install both server packages once (shared, so the parallel ensure* calls don't fight over the dpkg lock). */
function aptInstallServers(missing: string): Promise<void> {
  if (!isRoot()) {
    return Promise.reject(
      new Error(
        `${missing} is not installed and we are not root, so it cannot be installed automatically. ` +
          `Install it (apt-get install postgresql mariadb-server) or point PG_URL / MYSQL_URL at a server.`,
      ),
    );
  }
  aptPromise ??= (async () => {
    log(`${missing} missing: installing postgresql and mariadb-server with apt-get (this takes a while)`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await run("apt-get", ["update", "-qq"], { env });
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql", "mariadb-server"], { env });
  })().catch((error: unknown) => {
    aptPromise = undefined;
    throw error;
  });
  return aptPromise;
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

function findPgBin(): string | undefined {
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

/** Superuser connection over the unix socket (trust auth), independent of the `quarry` role. */
const pgSocketTarget: pg.ClientConfig = {
  host: PG_RUN,
  port: PG_PORT,
  user: "postgres",
  database: "postgres",
};

async function doEnsurePostgres(): Promise<string> {
  const fromEnv = process.env.PG_URL;
  if (fromEnv) {
    const error = await pgAnswers(fromEnv);
    if (error) throw new Error(`PG_URL is set (${redact(fromEnv)}) but the server does not answer: ${describeError(error)}`);
    return fromEnv;
  }
  if ((await pgAnswers(PG_ADMIN_URL)) === undefined) return PG_ADMIN_URL;

  return withLock("pg", async () => {
    if ((await pgAnswers(PG_ADMIN_URL)) === undefined) return PG_ADMIN_URL; // someone else started it meanwhile

    let bin = findPgBin();
    if (!bin) {
      await aptInstallServers("PostgreSQL");
      bin = findPgBin();
      if (!bin) throw new Error("PostgreSQL binaries still not found after apt-get install postgresql");
    }

    await initPostgres(bin);
    await startPostgres(bin);

    // Create (or repair) the quarry role via the superuser socket connection.
    await withPg(pgSocketTarget, async (client) => {
      const { rows } = await client.query("select 1 from pg_roles where rolname = $1", [ROLE]);
      const verb = rows.length === 0 ? "CREATE" : "ALTER";
      if (verb === "CREATE") log(`creating PostgreSQL role ${ROLE}`);
      await client.query(`${verb} ROLE ${ROLE} WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD '${PASSWORD}'`);
    });

    const error = await pgAnswers(PG_ADMIN_URL);
    if (error) {
      throw new Error(
        `PostgreSQL started but ${redact(PG_ADMIN_URL)} is not usable: ${describeError(error)}\n` +
          `--- ${PG_LOG} ---\n${logTail(PG_LOG)}`,
      );
    }
    return PG_ADMIN_URL;
  });
}

async function initPostgres(bin: string): Promise<void> {
  mkdirSync(PG_RUN, { recursive: true });
  if (existsSync(path.join(PG_DATA, "PG_VERSION")) && existsSync(path.join(PG_DATA, "global", "pg_control"))) return;

  log(`initdb ${PG_DATA}`);
  // initdb into a scratch directory and rename, so an interrupted initdb never
  // leaves a half-initialised data directory behind.
  const scratch = `${PG_DATA}.init`;
  rmSync(scratch, { recursive: true, force: true });
  rmSync(PG_DATA, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  await chownToPostgres(PG_DIR);
  await runPg(path.join(bin, "initdb"), [
    "-D", scratch,
    "-U", "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
  ]);
  renameSync(scratch, PG_DATA);
}

async function startPostgres(bin: string): Promise<void> {
  await chownToPostgres(PG_DIR);
  const pidFile = path.join(PG_DATA, "postmaster.pid");
  const socketFile = path.join(PG_RUN, `.s.PGSQL.${PG_PORT}`);

  const isOurPostmaster = (pid: number): boolean => {
    if (!isLiveProcess(pid, ["postgres", "postmaster"])) return false;
    try {
      // The postmaster chdirs into its data directory.
      return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(PG_DATA);
    } catch {
      return true; // cannot tell (not root): assume it is
    }
  };

  // A postmaster for this data directory may still be alive: starting up,
  // shutting down after a kill, or just not answering TCP yet. Wait for it to
  // either accept socket connections or go away.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if ((await pgAnswers(pgSocketTarget)) === undefined) return; // running: only the role may be missing
    const pid = readPid(pidFile);
    if (pid === undefined || !isOurPostmaster(pid)) break;
    if (Date.now() > deadline) {
      throw new Error(
        `a postmaster (pid ${pid}) is running on ${PG_DATA} but does not accept connections after ${START_TIMEOUT_MS / 1000}s\n` +
          `--- ${PG_LOG} ---\n${logTail(PG_LOG)}`,
      );
    }
    await sleep(200);
  }

  // Whatever is left is stale (process dead, a zombie, or an unrelated pid):
  // postgres itself would refuse to start ("lock file already exists").
  const stalePid = readPid(pidFile);
  if (stalePid !== undefined) log(`removing stale postmaster.pid (pid ${stalePid} is not a live postmaster)`);
  removeIfExists(pidFile);
  removeIfExists(socketFile);
  removeIfExists(`${socketFile}.lock`);

  log(`starting PostgreSQL on ${HOST}:${PG_PORT} (data ${PG_DATA}, log ${PG_LOG})`);
  const options = [
    `-c listen_addresses=${HOST}`,
    `-c port=${PG_PORT}`,
    `-c unix_socket_directories='${PG_RUN}'`,
    `-c max_connections=200`,
  ].join(" ");
  try {
    // pg_ctl forks the postmaster into its own session (setsid) with output
    // redirected to the log file, so it survives this process. -w waits
    // until it accepts connections or dies.
    await runPg(
      path.join(bin, "pg_ctl"),
      ["start", "-D", PG_DATA, "-l", PG_LOG, "-w", "-t", String(START_TIMEOUT_MS / 1000), "-o", options],
      START_TIMEOUT_MS + 10_000,
    );
  } catch (error) {
    throw new Error(
      `could not start PostgreSQL within ${START_TIMEOUT_MS / 1000}s: ${describeError(error)}\n` +
        `--- ${PG_LOG} ---\n${logTail(PG_LOG)}`,
    );
  }

  const error = await waitFor(() => pgAnswers(pgSocketTarget), START_TIMEOUT_MS);
  if (error) {
    throw new Error(
      `PostgreSQL started but does not accept socket connections after ${START_TIMEOUT_MS / 1000}s: ${describeError(error)}\n` +
        `--- ${PG_LOG} ---\n${logTail(PG_LOG)}`,
    );
  }
}

/** Poll `probe` (returns undefined on success, the error otherwise) until it succeeds or time runs out. */
async function waitFor(
  probe: () => Promise<unknown>,
  timeoutMs: number,
  abort?: () => Error | undefined,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last === undefined) return undefined;
    const aborted = abort?.();
    if (aborted) return aborted;
    if (Date.now() > deadline) return last;
    await sleep(200);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable url)";
  }
}

// ---------------------------------------------------------------------------
// MariaDB
// ---------------------------------------------------------------------------

function findMariadbd(): string | undefined {
  return which("mariadbd") ?? which("mysqld");
}

/** root@localhost over the socket, no password (mariadb-install-db --auth-root-authentication-method=normal). */
const mysqlSocketTarget: mysql.ConnectionOptions = {
  socketPath: MY_SOCKET,
  user: "root",
  password: "",
};

async function doEnsureMariadb(): Promise<string> {
  const fromEnv = process.env.MYSQL_URL;
  if (fromEnv) {
    const error = await mysqlAnswers(fromEnv);
    if (error) throw new Error(`MYSQL_URL is set (${redact(fromEnv)}) but the server does not answer: ${describeError(error)}`);
    return fromEnv;
  }
  if ((await mysqlAnswers(MYSQL_ADMIN_URL)) === undefined) return MYSQL_ADMIN_URL;

  return withLock("mariadb", async () => {
    if ((await mysqlAnswers(MYSQL_ADMIN_URL)) === undefined) return MYSQL_ADMIN_URL;

    let mariadbd = findMariadbd();
    let installDb = which("mariadb-install-db") ?? which("mysql_install_db");
    if (!mariadbd || !installDb) {
      await aptInstallServers("MariaDB");
      mariadbd = findMariadbd();
      installDb = which("mariadb-install-db") ?? which("mysql_install_db");
      if (!mariadbd || !installDb) throw new Error("MariaDB binaries still not found after apt-get install mariadb-server");
    }

    await initMariadb(installDb);
    await startMariadb(mariadbd);

    await withMysql(mysqlSocketTarget, async (conn) => {
      log(`creating/updating MariaDB user ${ROLE}@'%' and ${ROLE}@localhost`);
      for (const host of ["%", "localhost"]) {
        await conn.query(`CREATE USER IF NOT EXISTS '${ROLE}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
        await conn.query(`ALTER USER '${ROLE}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
        await conn.query(`GRANT ALL PRIVILEGES ON *.* TO '${ROLE}'@'${host}' WITH GRANT OPTION`);
      }
    });

    const error = await mysqlAnswers(MYSQL_ADMIN_URL);
    if (error) {
      throw new Error(
        `MariaDB started but ${redact(MYSQL_ADMIN_URL)} is not usable: ${describeError(error)}\n` +
          `--- ${MY_LOG} ---\n${logTail(MY_LOG)}`,
      );
    }
    return MYSQL_ADMIN_URL;
  });
}

const userArgs = (): string[] => (isRoot() ? ["--user=root"] : []);

async function initMariadb(installDb: string): Promise<void> {
  mkdirSync(MY_RUN, { recursive: true });
  if (existsSync(path.join(MY_DATA, "mysql", "user.frm")) || existsSync(path.join(MY_DATA, "mysql", "global_priv.frm"))) return;

  log(`mariadb-install-db ${MY_DATA}`);
  const scratch = `${MY_DATA}.init`;
  rmSync(scratch, { recursive: true, force: true });
  rmSync(MY_DATA, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  await run(installDb, [
    "--no-defaults",
    ...userArgs(),
    `--datadir=${scratch}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
  ]);
  renameSync(scratch, MY_DATA);
}

async function startMariadb(mariadbd: string): Promise<void> {
  // A mariadbd for this data dir may still be alive (starting, or shutting
  // down after a kill). Wait for it to answer or go away.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if ((await mysqlAnswers(mysqlSocketTarget)) === undefined) return; // running: only the user may be missing
    const pid = readPid(MY_PID);
    if (pid === undefined || !isLiveProcess(pid, ["mariadbd", "mysqld"])) break;
    if (Date.now() > deadline) {
      throw new Error(
        `mariadbd (pid ${pid}) is running on ${MY_DATA} but does not accept connections after ${START_TIMEOUT_MS / 1000}s\n` +
          `--- ${MY_LOG} ---\n${logTail(MY_LOG)}`,
      );
    }
    await sleep(200);
  }

  // Stale files from a killed server. mariadbd refuses to start while the pid
  // in `<socket>.lock` answers kill(pid, 0) -- which a zombie does.
  const stalePid = readPid(MY_PID) ?? readPid(`${MY_SOCKET}.lock`);
  if (stalePid !== undefined) log(`removing stale mariadb pid/socket files (pid ${stalePid} is not a live mariadbd)`);
  removeIfExists(MY_PID);
  removeIfExists(MY_SOCKET);
  removeIfExists(`${MY_SOCKET}.lock`);

  log(`starting MariaDB on ${HOST}:${MYSQL_PORT} (data ${MY_DATA}, log ${MY_LOG})`);
  const logFd = openSync(MY_LOG, "a");
  let exited: Error | undefined;
  try {
    const child = spawn(
      mariadbd,
      [
        "--no-defaults",
        ...userArgs(),
        `--datadir=${MY_DATA}`,
        `--port=${MYSQL_PORT}`,
        `--bind-address=${HOST}`,
        `--socket=${MY_SOCKET}`,
        `--pid-file=${MY_PID}`,
        `--log-error=${MY_LOG}`,
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        "--max-connections=300",
        "--skip-name-resolve",
      ],
      { detached: true, stdio: ["ignore", logFd, logFd] },
    );
    child.on("error", (error) => {
      exited = error;
    });
    child.on("exit", (code, signal) => {
      exited = new Error(`mariadbd exited during startup (code ${code}, signal ${signal})`);
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }

  const error = await waitFor(() => mysqlAnswers(mysqlSocketTarget), START_TIMEOUT_MS, () => exited);
  if (error) {
    throw new Error(
      `could not start MariaDB within ${START_TIMEOUT_MS / 1000}s: ${describeError(error)}\n` +
        `--- ${MY_LOG} ---\n${logTail(MY_LOG)}`,
    );
  }
}
