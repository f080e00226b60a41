/**
 * The lifecycle every test database server goes through, written once:
 * reuse a server that answers, otherwise (under a cross-process lock) install,
 * initialise a fresh data directory (cleaning up after a killed server), start
 * it detached and create the `quarry` login. What differs per server is a
 * {@link Server} record (./postgres.ts, ./mariadb.ts).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { aptInstallServers } from "./apt.js";
import { HOST, START_TIMEOUT_MS, describeError, log, redact, waitFor, withLogTail } from "./common.js";
import { withLock } from "./lock.js";
import { readPid } from "./process.js";

/** What one kind of server does differently; `Bin` is whatever locates its binaries. */
export interface Server<Bin> {
  /** Product name for messages: "PostgreSQL". */
  readonly label: string;
  /** Process name for messages: "postmaster". */
  readonly processName: string;
  /** Environment variable naming an external server to use instead: "PG_URL". */
  readonly urlVariable: string;
  /** Environment variable through which globalSetup publishes the admin URL to workers. */
  readonly publishedVariable: string;
  /** Admin URL of the server we start ourselves. */
  readonly adminUrl: string;
  readonly port: number;
  /** Name of the cross-process lock guarding its start. */
  readonly lockName: string;
  /** The apt package providing it (messages only: both are installed together). */
  readonly aptPackage: string;
  readonly dataDir: string;
  /** Directory of the unix socket and pid file; created before initialisation. */
  readonly runDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly socketFile: string;

  /** undefined when `url` accepts connections, the error otherwise. */
  readonly answers: (url: string) => Promise<unknown>;
  /** undefined when the superuser connection over the unix socket works, the error otherwise. */
  readonly socketAnswers: () => Promise<unknown>;
  /** Is `pid` (read from the pid file) a live server process for our data directory? */
  readonly isServerProcess: (pid: number) => boolean;
  /** The installed binaries, if any. */
  readonly findBinaries: () => Bin | undefined;
  /** Initialise an empty data directory at `scratch` (renamed to `dataDir` afterwards). */
  readonly initialise: (bin: Bin, scratch: string) => Promise<void>;
  /**
   * Start the server detached, so it outlives this process. Resolves once it
   * is launched, with a probe returning an error if it has died since.
   */
  readonly launch: (bin: Bin) => Promise<() => Error | undefined>;
  /** Create or repair the `quarry` login, over the superuser socket connection. */
  readonly createRole: () => Promise<void>;
  /** Drop-if-exists and create database `name`, connected through `admin`. */
  readonly createDatabase: (admin: string, name: string) => Promise<void>;
  /** Drop database `name` if it exists. */
  readonly dropDatabase: (admin: string, name: string) => Promise<void>;
  /** Names of the databases whose names start with `prefix` (letters, digits and `_` only). */
  readonly listDatabases: (admin: string, prefix: string) => Promise<ReadonlyArray<string>>;
}

/** Admin URL of a running `server`: `$urlVariable` if set, else ours, started if necessary. */
export async function ensureServer<Bin>(server: Server<Bin>): Promise<string> {
  const fromEnv = process.env[server.urlVariable];
  if (fromEnv) {
    const error = await server.answers(fromEnv);
    if (error) {
      throw new Error(`${server.urlVariable} is set (${redact(fromEnv)}) but the server does not answer: ${describeError(error)}`);
    }
    return fromEnv;
  }
  if ((await server.answers(server.adminUrl)) === undefined) return server.adminUrl;

  return withLock(server.lockName, async () => {
    if ((await server.answers(server.adminUrl)) === undefined) return server.adminUrl; // someone else started it meanwhile

    let bin = server.findBinaries();
    if (!bin) {
      await aptInstallServers(server.label);
      bin = server.findBinaries();
      if (!bin) throw new Error(`${server.label} binaries still not found after apt-get install ${server.aptPackage}`);
    }

    if (!(await alreadyRunning(server))) {
      await initialise(server, bin);
      await launch(server, bin);
    }
    await server.createRole();

    const error = await server.answers(server.adminUrl);
    if (error) {
      throw withLogTail(
        `${server.label} started but ${redact(server.adminUrl)} is not usable: ${describeError(error)}`,
        server.logFile,
      );
    }
    return server.adminUrl;
  });
}

/**
 * A server for this data directory may still be alive though it does not
 * answer on TCP: starting up, shutting down after a kill, or without the
 * `quarry` login yet. Wait until it accepts superuser socket connections
 * (true) or its process is gone (false).
 */
async function alreadyRunning<Bin>(server: Server<Bin>): Promise<boolean> {
  const gone = new Error("no live server process");
  const found = await waitFor(server.socketAnswers, START_TIMEOUT_MS, () => {
    const pid = readPid(server.pidFile);
    return pid === undefined || !server.isServerProcess(pid) ? gone : undefined;
  });
  if (found === undefined) return true;
  if (found === gone) return false;
  throw withLogTail(
    `${server.processName} (pid ${readPid(server.pidFile)}) is running on ${server.dataDir} ` +
      `but does not accept connections after ${START_TIMEOUT_MS / 1000}s`,
    server.logFile,
  );
}

/**
 * A fresh data directory, every time a server is started rather than reused.
 * The test servers hold nothing worth keeping, and the data directory of a
 * killed server is costly to reuse: PostgreSQL fsyncs every file of it during
 * crash recovery (a CI run once timed out on 9 GB of test databases), InnoDB
 * replays its logs. A fresh one takes 1-3 s. Also removed: the stale pid and
 * socket lock files of a killed server (a zombie still answers `kill(pid, 0)`,
 * so the servers would refuse to start), and the previous log, kept as `.1`.
 */
async function initialise<Bin>(server: Server<Bin>, bin: Bin): Promise<void> {
  const stalePid = readPid(server.pidFile) ?? readPid(`${server.socketFile}.lock`);
  if (stalePid !== undefined) {
    log(`removing stale ${server.label} files (pid ${stalePid} is not a live ${server.processName})`);
  }
  rmSync(server.runDir, { recursive: true, force: true });
  mkdirSync(server.runDir, { recursive: true });
  if (existsSync(server.logFile)) renameSync(server.logFile, `${server.logFile}.1`);

  log(`initialising a fresh ${server.label} data directory ${server.dataDir}`);
  // Initialise a scratch directory and rename it, so an interrupted run never
  // leaves a half-initialised data directory behind.
  const scratch = `${server.dataDir}.init`;
  rmSync(scratch, { recursive: true, force: true });
  rmSync(server.dataDir, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  await server.initialise(bin, scratch);
  renameSync(scratch, server.dataDir);
}

async function launch<Bin>(server: Server<Bin>, bin: Bin): Promise<void> {
  log(`starting ${server.label} on ${HOST}:${server.port} (data ${server.dataDir}, log ${server.logFile})`);
  let error: unknown;
  try {
    const exited = await server.launch(bin);
    error = await waitFor(server.socketAnswers, START_TIMEOUT_MS, exited);
  } catch (launchError) {
    error = launchError ?? new Error("launch failed");
  }
  if (error) {
    throw withLogTail(
      `could not start ${server.label} within ${START_TIMEOUT_MS / 1000}s: ${describeError(error)}`,
      server.logFile,
    );
  }
}
