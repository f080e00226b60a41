/**
 * Cross-process lock so that two concurrent test runs don't both try to
 * initialise/start the same server.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SERVERS_DIR, sleep } from "./common.js";
import { processExists, readPid } from "./process.js";

/**
 * Run `f` holding the lock `name` (a directory under SERVERS_DIR: mkdir is
 * atomic). Locks whose owner is dead are broken.
 */
export async function withLock<A>(name: string, f: () => Promise<A>): Promise<A> {
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
