import { spawn } from "node:child_process";
import mysql from "mysql2/promise";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { adminUrl, createDatabase, dropDatabase, dropOrphanDatabases, redisUrl, suiteDatabaseName } from "./servers.js";
import { redisAnswers } from "./servers/redis.js";

const dbName = (prefix: string) => `${prefix}_${process.pid}_${Date.now().toString(36)}`;

describe("test database servers", () => {
  it("publishes the URLs through inject() and process.env", () => {
    const pgUrl = inject("QUARRY_PG_URL");
    const mysqlUrl = inject("QUARRY_MYSQL_URL");
    expect(pgUrl).toMatch(/^postgres(ql)?:\/\//);
    expect(mysqlUrl).toMatch(/^mysql:\/\//);
    expect(process.env.QUARRY_PG_URL).toBe(pgUrl);
    expect(process.env.QUARRY_MYSQL_URL).toBe(mysqlUrl);
  });

  it("redis: publishes a URL that answers PING", async () => {
    const url = inject("QUARRY_REDIS_URL");
    expect(url).toMatch(/^rediss?:\/\//);
    expect(process.env.QUARRY_REDIS_URL).toBe(url);
    expect(await redisUrl()).toBe(url);
    expect(await redisAnswers(url)).toBeUndefined();
    expect(await redisAnswers("redis://127.0.0.1:1")).toBeDefined();
  });

  it("postgres: PostgreSQL 15, isolated database round trip", async () => {
    const admin = new pg.Client({ connectionString: inject("QUARRY_PG_URL") });
    await admin.connect();
    try {
      expect((await admin.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
      const { rows } = await admin.query<{ version: string }>("select version() as version");
      expect(rows[0]!.version).toMatch(/^PostgreSQL 15\.\d+/);
    } finally {
      await admin.end();
    }

    const name = dbName("quarry_servers_test");
    const url = await createDatabase("postgres", name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query<{ db: string }>("select current_database() as db")).rows[0]!.db).toBe(name);
      await client.query("create table widgets (id serial primary key, name text not null)");
      await client.query("insert into widgets (name) values ($1)", ["sprocket ✓"]);
      const { rows } = await client.query("select id, name from widgets");
      expect(rows).toEqual([{ id: 1, name: "sprocket ✓" }]);
    } finally {
      await client.end();
    }

    // createDatabase drops-if-exists: a second call yields an empty database.
    const again = await createDatabase("postgres", name);
    const client2 = new pg.Client({ connectionString: again });
    await client2.connect();
    try {
      const { rows } = await client2.query("select to_regclass('widgets') as t");
      expect(rows).toEqual([{ t: null }]);
    } finally {
      await client2.end();
    }

    await dropDatabase("postgres", name);
    const admin2 = new pg.Client({ connectionString: inject("QUARRY_PG_URL") });
    await admin2.connect();
    try {
      const { rows } = await admin2.query("select 1 from pg_database where datname = $1", [name]);
      expect(rows).toEqual([]);
    } finally {
      await admin2.end();
    }
  });

  it("mysql: MariaDB 10.11, isolated database round trip", async () => {
    const admin = await mysql.createConnection(inject("QUARRY_MYSQL_URL"));
    try {
      const [one] = await admin.query("select 1 as one");
      expect(one).toEqual([{ one: 1 }]);
      const [version] = await admin.query<mysql.RowDataPacket[]>("select version() as version");
      expect(version[0]!.version).toMatch(/^10\.11\.\d+-MariaDB/);
      const [charset] = await admin.query<mysql.RowDataPacket[]>(
        "select @@character_set_server as cs, @@collation_server as co",
      );
      expect(charset[0]).toEqual({ cs: "utf8mb4", co: "utf8mb4_unicode_ci" });
    } finally {
      await admin.end();
    }

    const name = dbName("quarry_servers_test");
    const url = await createDatabase("mysql", name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    const conn = await mysql.createConnection(url);
    try {
      const [db] = await conn.query<mysql.RowDataPacket[]>("select database() as db");
      expect(db[0]!.db).toBe(name);
      await conn.query("create table widgets (id int auto_increment primary key, name varchar(100) not null)");
      await conn.query("insert into widgets (name) values (?)", ["sprocket ✓"]);
      const [rows] = await conn.query("select id, name from widgets");
      expect(rows).toEqual([{ id: 1, name: "sprocket ✓" }]);
    } finally {
      await conn.end();
    }

    await dropDatabase("mysql", name);
    const admin2 = await mysql.createConnection(inject("QUARRY_MYSQL_URL"));
    try {
      const [rows] = await admin2.query("select schema_name from information_schema.schemata where schema_name = ?", [name]);
      expect(rows).toEqual([]);
    } finally {
      await admin2.end();
    }
  });

  for (const kind of ["postgres", "mysql"] as const) {
    it(`${kind}: drops the suite databases of processes that are gone, and only those`, async () => {
      const dead = await exitedPid();
      const orphan = suiteDatabaseName("orphan_check", dead);
      const ours = suiteDatabaseName("orphan_check");
      await createDatabase(kind, orphan);
      await createDatabase(kind, ours);
      try {
        expect(await dropOrphanDatabases(kind)).toBeGreaterThanOrEqual(1);
        const admin = await adminUrl(kind);
        const left = await listed(kind, admin);
        expect(left).not.toContain(orphan);
        expect(left).toContain(ours);
      } finally {
        await dropDatabase(kind, orphan);
        await dropDatabase(kind, ours);
      }
    });
  }
});

/** The pid of a process that has exited. */
const exitedPid = () =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", () => resolve(child.pid!));
  });

/** The server's own list of database names. */
const listed = async (kind: "postgres" | "mysql", admin: string): Promise<ReadonlyArray<string>> => {
  if (kind === "postgres") {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      return (await client.query<{ datname: string }>("select datname from pg_database")).rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  }
  const conn = await mysql.createConnection(admin);
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>("select schema_name as name from information_schema.schemata");
    return rows.map((row) => String(row.name));
  } finally {
    await conn.end();
  }
};
