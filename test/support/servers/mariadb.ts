/** MariaDB: where its files live and how it differs from PostgreSQL (see ./server.ts). */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { CONNECT_TIMEOUT_MS, HOST, PASSWORD, ROLE, SERVERS_DIR, errorOf, log } from "./common.js";
import { isLiveProcess, isRoot, run, which } from "./process.js";
import type { Server } from "./server.js";

const PORT = 33069;
const DIR = path.join(SERVERS_DIR, "mariadb");
const DATA = path.join(DIR, "data");
const RUN = path.join(DIR, "run");
const SOCKET = path.join(RUN, "mysqld.sock");
const PID = path.join(RUN, "mysqld.pid");
const LOG = path.join(DIR, "mariadb.log");

/** Admin URL of the MariaDB server we start. */
export const MYSQL_ADMIN_URL = `mysql://${ROLE}:${PASSWORD}@${HOST}:${PORT}/mysql`;

type Target = string | mysql.ConnectionOptions;

async function withMysql<A>(target: Target, f: (conn: mysql.Connection) => Promise<A>): Promise<A> {
  const options: mysql.ConnectionOptions =
    typeof target === "string"
      ? { uri: target, connectTimeout: CONNECT_TIMEOUT_MS }
      : { connectTimeout: CONNECT_TIMEOUT_MS, ...target };
  const conn = await mysql.createConnection(options);
  // An 'error' event (e.g. server shutting down under us) must not crash the process.
  conn.on("error", () => {});
  try {
    return await f(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

const answers = (target: Target) => errorOf(() => withMysql(target, (c) => c.query("select 1")));

/** root@localhost over the socket, no password (mariadb-install-db --auth-root-authentication-method=normal). */
const socketTarget: mysql.ConnectionOptions = {
  socketPath: SOCKET,
  user: "root",
  password: "",
};

/** Server options shared by mariadb-install-db and mariadbd. */
const commonArgs = (): string[] => [
  "--no-defaults",
  ...(isRoot() ? ["--user=root"] : []),
];
const charsetArgs = ["--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"];

const dropSql = (name: string) => `DROP DATABASE IF EXISTS \`${name}\``;

/** Paths of the server binary and of the data directory installer. */
interface Binaries {
  readonly mariadbd: string;
  readonly installDb: string;
}

/** The MariaDB server on 127.0.0.1:33069, state under `$SERVERS_DIR/mariadb`. */
export const mariadb: Server<Binaries> = {
  label: "MariaDB",
  processName: "mariadbd",
  urlVariable: "MYSQL_URL",
  publishedVariable: "QUARRY_MYSQL_URL",
  adminUrl: MYSQL_ADMIN_URL,
  port: PORT,
  lockName: "mariadb",
  aptPackage: "mariadb-server",
  dataDir: DATA,
  runDir: RUN,
  logFile: LOG,
  pidFile: PID,
  socketFile: SOCKET,

  answers,
  socketAnswers: () => answers(socketTarget),

  isServerProcess: (pid) => isLiveProcess(pid, ["mariadbd", "mysqld"]),

  findBinaries: () => {
    const mariadbd = which("mariadbd", "mysqld");
    const installDb = which("mariadb-install-db", "mysql_install_db");
    return mariadbd && installDb ? { mariadbd, installDb } : undefined;
  },

  initialise: async ({ installDb }, scratch) => {
    await run(installDb, [
      ...commonArgs(),
      `--datadir=${scratch}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...charsetArgs,
    ]);
  },

  launch: async ({ mariadbd }) => {
    const logFd = openSync(LOG, "a");
    let exited: Error | undefined;
    try {
      const child = spawn(
        mariadbd,
        [
          ...commonArgs(),
          `--datadir=${DATA}`,
          `--port=${PORT}`,
          `--bind-address=${HOST}`,
          `--socket=${SOCKET}`,
          `--pid-file=${PID}`,
          `--log-error=${LOG}`,
          ...charsetArgs,
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
    return () => exited;
  },

  createRole: () =>
    withMysql(socketTarget, async (conn) => {
      log(`creating/updating MariaDB user ${ROLE}@'%' and ${ROLE}@localhost`);
      for (const host of ["%", "localhost"]) {
        await conn.query(`CREATE USER IF NOT EXISTS '${ROLE}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
        await conn.query(`ALTER USER '${ROLE}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
        await conn.query(`GRANT ALL PRIVILEGES ON *.* TO '${ROLE}'@'${host}' WITH GRANT OPTION`);
      }
    }),

  createDatabase: (admin, name) =>
    withMysql(admin, async (conn) => {
      await conn.query(dropSql(name));
      await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }),

  dropDatabase: async (admin, name) => {
    await withMysql(admin, (conn) => conn.query(dropSql(name)));
  },

  listDatabases: (admin, prefix) =>
    withMysql(admin, async (conn) => {
      const [rows] = await conn.query<Array<mysql.RowDataPacket>>(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, CHAR_LENGTH(?)) = ?",
        [prefix, prefix],
      );
      return rows.map((row) => String(row.name));
    }),
};
