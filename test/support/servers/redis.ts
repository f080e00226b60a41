/**
 * A Redis server for the query cache tests, on 127.0.0.1:63799.
 *
 * Resolution order, as for the databases (./server.ts): `REDIS_URL` from the
 * environment (verified with a PING); a server already answering on our
 * port; otherwise, under a cross-process lock, install `redis-server` with
 * apt when it is missing (root only), remove the pid file of a killed
 * server, and start one detached (it outlives the test run, the next run
 * reuses it) with no persistence (`--save '' --appendonly no`) and its files
 * under `$QUARRY_SERVERS_DIR/redis`. A server that cannot be had THROWS,
 * with the tail of its log: tests are never skipped for lack of it.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { aptInstall } from "./apt.js";
import { CONNECT_TIMEOUT_MS, HOST, SERVERS_DIR, START_TIMEOUT_MS, describeError, log, redact, waitFor, withLogTail } from "./common.js";
import { withLock } from "./lock.js";
import { isLiveProcess, readPid, which } from "./process.js";

const PORT = 63799;
const DIR = path.join(SERVERS_DIR, "redis");
const PID = path.join(DIR, "redis.pid");
const LOG = path.join(DIR, "redis.log");

/** URL of the Redis server we start. */
export const REDIS_URL = `redis://${HOST}:${PORT}`;

/** undefined when `url` answers PING, the error otherwise. */
export async function redisAnswers(url: string): Promise<unknown> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === "PONG" ? undefined : new Error(`PING answered ${pong}`);
  } catch (error) {
    return error ?? new Error("unknown error");
  } finally {
    client.disconnect();
  }
}

const answersHere = () => redisAnswers(REDIS_URL);

function launch(bin: string): () => Error | undefined {
  const logFd = openSync(LOG, "a");
  let exited: Error | undefined;
  try {
    const child = spawn(
      bin,
      [
        "--port", String(PORT),
        "--bind", HOST,
        "--save", "",
        "--appendonly", "no",
        "--dir", DIR,
        "--pidfile", PID,
        "--logfile", LOG,
        "--daemonize", "no",
        "--protected-mode", "no",
      ],
      { detached: true, stdio: ["ignore", logFd, logFd] },
    );
    child.on("error", (error) => {
      exited = error;
    });
    child.on("exit", (code, signal) => {
      exited = new Error(`redis-server exited during startup (code ${code}, signal ${signal})`);
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }
  return () => exited;
}

/** The URL of a running Redis server (starting one if necessary). */
export async function ensureRedisServer(): Promise<string> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    const error = await redisAnswers(fromEnv);
    if (error) throw new Error(`REDIS_URL is set (${redact(fromEnv)}) but Redis does not answer: ${describeError(error)}`);
    return fromEnv;
  }
  if ((await answersHere()) === undefined) return REDIS_URL;

  return withLock("redis", async () => {
    if ((await answersHere()) === undefined) return REDIS_URL;
    mkdirSync(DIR, { recursive: true });
    const pid = readPid(PID);
    if (pid !== undefined && isLiveProcess(pid, ["redis-server"])) {
      // starting up (or stopping): give it the start time
      const error = await waitFor(answersHere, START_TIMEOUT_MS, () =>
        isLiveProcess(pid, ["redis-server"]) ? undefined : new Error("it exited"));
      if (error === undefined) return REDIS_URL;
      if (isLiveProcess(pid, ["redis-server"])) {
        throw withLogTail(`redis-server (pid ${pid}) is running but does not answer on ${REDIS_URL}: ${describeError(error)}`, LOG);
      }
    }
    if (pid !== undefined) {
      log(`removing the stale Redis pid file (pid ${pid} is not a live redis-server)`);
      rmSync(PID, { force: true });
    }
    let bin = which("redis-server");
    if (!bin) {
      await aptInstall("Redis", ["redis-server"]);
      bin = which("redis-server");
      if (!bin) throw new Error("redis-server still not found after apt-get install redis-server");
    }
    if (existsSync(LOG)) renameSync(LOG, `${LOG}.1`);
    log(`starting Redis on ${HOST}:${PORT} (files ${DIR})`);
    const exited = launch(bin);
    const error = await waitFor(answersHere, START_TIMEOUT_MS, exited);
    if (error) throw withLogTail(`could not start Redis within ${START_TIMEOUT_MS / 1000}s: ${describeError(error)}`, LOG);
    return REDIS_URL;
  });
}
