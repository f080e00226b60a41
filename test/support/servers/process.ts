/**
 * OS processes: running commands, finding binaries, and telling a live server
 * from the stale pid file of a killed one.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { tail } from "./common.js";

/** Are we root (and so allowed to apt-get, and required to drop privileges)? */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** Run a command to completion; rejects with its output tails on failure. */
export function run(
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

/** Path of the first of `names` found on PATH (or the sbin/bin dirs), if any. */
export function which(...names: ReadonlyArray<string>): string | undefined {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
  for (const name of names) {
    for (const dir of dirs) {
      if (!dir) continue;
      const candidate = path.join(dir, name);
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The pid on the first line of `file`, if it holds one. */
export function readPid(file: string): number | undefined {
  try {
    const first = readFileSync(file, "utf8").split("\n")[0]?.trim() ?? "";
    const pid = Number.parseInt(first, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Command name and state letter of `pid` from /proc/<pid>/stat; undefined if there is no such entry. */
function procStat(pid: number): { comm: string; alive: boolean } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain ")".
  const close = stat.lastIndexOf(")");
  const state = stat.slice(close + 2, close + 3);
  return { comm: stat.slice(stat.indexOf("(") + 1, close), alive: state !== "Z" && state !== "X" && state !== "x" };
}

/** Does `pid` exist and is it not a zombie? (false without procfs) */
export function processExists(pid: number): boolean {
  return procStat(pid)?.alive ?? false;
}

/**
 * Is `pid` a live (non-zombie) process whose command name is one of `names`?
 * Killed servers linger as zombies for a while; `kill(pid, 0)` succeeds on a
 * zombie, which is exactly what makes the servers' own stale-lock detection
 * refuse to start. We look at /proc instead.
 */
export function isLiveProcess(pid: number, names: ReadonlyArray<string>): boolean {
  if (pid === process.pid) return false;
  const stat = procStat(pid);
  if (stat) return stat.alive && names.includes(stat.comm);
  if (existsSync("/proc/self/stat")) return false; // Linux: the process is gone
  try {
    process.kill(pid, 0); // no procfs: best effort
    return true;
  } catch {
    return false;
  }
}
