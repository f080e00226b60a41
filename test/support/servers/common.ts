/**
 * Settings and small helpers shared by the PostgreSQL and MariaDB parts of
 * ../servers.ts: where server state lives, logging, errors that carry the
 * tail of a server log, and polling.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Both servers listen on loopback only. */
export const HOST = "127.0.0.1";
/** Login role (PostgreSQL) / user (MariaDB) the tests connect as. */
export const ROLE = "quarry";
/** Password of {@link ROLE}. */
export const PASSWORD = "quarry";

/** Root of all server state (data dirs, logs, sockets). */
export const SERVERS_DIR =
  process.env.QUARRY_SERVERS_DIR ?? path.join(os.tmpdir(), "quarry-servers");

/** How long a server may take to start (or to answer after a restart). */
export const START_TIMEOUT_MS = 30_000;
/** Connect timeout of every probe and admin connection. */
export const CONNECT_TIMEOUT_MS = 3_000;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Progress line on stderr (vitest shows it for the globalSetup). */
export const log = (msg: string) => process.stderr.write(`[quarry-servers] ${msg}\n`);

/**
 * `f`, run at most once at a time and at most once successfully: concurrent
 * callers share the pending promise; a failure is forgotten so the next call
 * tries again.
 */
export function once<Args extends ReadonlyArray<unknown>, A>(
  f: (...args: Args) => Promise<A>,
): (...args: Args) => Promise<A> {
  let promise: Promise<A> | undefined;
  return (...args) => {
    promise ??= f(...args).catch((error: unknown) => {
      promise = undefined;
      throw error;
    });
    return promise;
  };
}

/** undefined if `f` succeeds, otherwise what it threw (never undefined). */
export async function errorOf(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (error) {
    return error ?? new Error("unknown error");
  }
}

/**
 * Poll `probe` (returns undefined on success, the error otherwise) until it
 * succeeds, `abort` returns an error, or time runs out; returns the last error.
 */
export async function waitFor(
  probe: () => Promise<unknown>,
  timeoutMs: number,
  abort?: () => Error | undefined,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await probe();
    if (last === undefined) return undefined;
    const aborted = abort?.();
    if (aborted) return aborted;
    if (Date.now() > deadline) return last;
    await sleep(200);
  }
}

/** `code: message` of a driver/Node error, or its string form. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);

/** `url` with its password masked, for error messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable url)";
  }
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** The last lines of a log file, or a note that there is none. */
export function logTail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, "utf8");
    return tail(text.slice(-32_768), lines);
  } catch {
    return `(no log at ${file})`;
  }
}

/** An error whose message ends with the tail of the server log `logFile`. */
export const withLogTail = (message: string, logFile: string): Error =>
  new Error(`${message}\n--- ${logFile} ---\n${logTail(logFile)}`);
