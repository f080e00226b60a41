/** Installing the server packages when their binaries are missing. */
import { log, once } from "./common.js";
import { isRoot, run } from "./process.js";

/** Both packages in one apt run, once per process: parallel ensure* calls must not fight over the dpkg lock. */
const installBoth = once(async (missing: string): Promise<void> => {
  log(`${missing} missing: installing postgresql and mariadb-server with apt-get (this takes a while)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-qq"], { env });
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql", "mariadb-server"], { env });
});

/** Install PostgreSQL and MariaDB because `missing` (a server label) is not installed; root only. */
export function aptInstallServers(missing: string): Promise<void> {
  if (!isRoot()) {
    return Promise.reject(
      new Error(
        `${missing} is not installed and we are not root, so it cannot be installed automatically. ` +
          `Install it (apt-get install postgresql mariadb-server) or point PG_URL / MYSQL_URL at a server.`,
      ),
    );
  }
  return installBoth(missing);
}

/** Install the apt `packages` providing `label` (a missing server), once per process; root only. */
export const aptInstall = once(async (label: string, packages: ReadonlyArray<string>): Promise<void> => {
  if (!isRoot()) {
    throw new Error(
      `${label} is not installed and we are not root, so it cannot be installed automatically. ` +
        `Install it (apt-get install ${packages.join(" ")}) or point the URL variable at a server.`,
    );
  }
  log(`${label} missing: installing ${packages.join(" ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-qq"], { env });
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env });
});
