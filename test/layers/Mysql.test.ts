/**
 * What only the MySQL / MariaDB layer does: the pool settings that keep
 * values exact and in UTC, generated ids, a deadlock that InnoDB turns into a
 * rollback of the whole transaction, and configuration.
 */
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Deferred, Effect, Either, Layer } from "effect"
import { Database } from "../../src/layers/Database.js"
import * as Mysql from "../../src/layers/Mysql.js"
import { count, exec, failure, freshUrl, openAt, sql } from "./PoolSupport.js"

describe("Mysql", () => {
  it.scopedLive("DATETIME and TIMESTAMP in UTC as text, BIGINT and DECIMAL exact, utf8mb4 text", () =>
    Effect.gen(function*() {
      const url = yield* freshUrl("mysql", "my_values")
      const db = Context.get(yield* Mysql.make({ url }), Database)
      yield* exec(
        db,
        "CREATE TABLE v (id INT PRIMARY KEY, at DATETIME(3), ts TIMESTAMP(3) NULL, big BIGINT, dec_ DECIMAL(30, 10)," +
          " note VARCHAR(20), made DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3))"
      )
      yield* db.run(sql(db)`INSERT INTO v (id, at, ts, big, dec_, note) VALUES (${1}, ${"2024-02-29 12:34:56.789"}, ${"2024-02-29 12:34:56.789"}, ${"9007199254740993"}, ${"12345678901234567890.0123456789"}, ${"héllo 🎉"})`)
      const [row] = yield* db.all({ sql: "SELECT at, ts, big, dec_, note FROM v", params: [] })
      expect(row).toEqual({
        at: "2024-02-29 12:34:56.789",
        ts: "2024-02-29 12:34:56.789",
        big: "9007199254740993",
        dec_: "12345678901234567890.0123456789",
        note: "héllo 🎉"
      })
      // The session is in UTC, so server-side defaults are too.
      const [session] = yield* db.all({
        sql: "SELECT @@session.time_zone AS tz, @@character_set_connection AS cs",
        params: []
      })
      expect(session).toEqual({ tz: "+00:00", cs: "utf8mb4" })
      const [made] = yield* db.all({ sql: "SELECT TIMESTAMPDIFF(SECOND, made, UTC_TIMESTAMP(3)) AS lag FROM v", params: [] })
      expect(Math.abs(Number(made.lag))).toBeLessThan(3600)
    }))

  it.scopedLive("run reports the generated id, as a bigint past 2^53", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl("mysql", "my_insert_id"), (url) => openAt("mysql", url))
      yield* exec(db, "CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
      const insert = (name: string) => db.run(sql(db)`INSERT INTO items (name) VALUES (${name})`)
      expect(yield* insert("a")).toEqual({ rowsAffected: 1, lastInsertId: 1 })
      expect(yield* insert("b")).toEqual({ rowsAffected: 1, lastInsertId: 2 })
      yield* exec(db, "ALTER TABLE items AUTO_INCREMENT = 9007199254740993")
      expect(yield* insert("c")).toEqual({ rowsAffected: 1, lastInsertId: 9007199254740993n })
      const updated = yield* db.run(sql(db)`UPDATE items SET name = ${"x"} WHERE id < ${3}`)
      expect(updated).toEqual({ rowsAffected: 2, lastInsertId: undefined })
    }))

  it.scopedLive("after a deadlock InnoDB rolled the transaction back: later statements of it fail, none autocommits", () =>
    Effect.gen(function*() {
      const db = yield* Effect.flatMap(freshUrl("mysql", "my_deadlock"), (url) => openAt("mysql", url))
      yield* exec(db, "CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)")
      yield* exec(db, "CREATE TABLE notes (name VARCHAR(20) PRIMARY KEY)")
      yield* exec(db, "INSERT INTO accounts (id, balance) VALUES (1, 0), (2, 0)")
      const q = sql(db)
      const first = yield* Deferred.make<void>()
      const second = yield* Deferred.make<void>()
      const transfer = (from: number, to: number, mine: Deferred.Deferred<void>, theirs: Deferred.Deferred<void>) =>
        db.transaction(Effect.gen(function*() {
          yield* db.run(q`UPDATE accounts SET balance = balance - 1 WHERE id = ${from}`)
          yield* Deferred.succeed(mine, undefined)
          yield* Deferred.await(theirs)
          // The caller swallows the deadlock and carries on.
          yield* Effect.ignore(db.run(q`UPDATE accounts SET balance = balance + 1 WHERE id = ${to}`))
          yield* db.run(q`INSERT INTO notes (name) VALUES (${`after-${from}`})`)
        }))
      const results = yield* Effect.all([Effect.either(transfer(1, 2, first, second)), Effect.either(transfer(2, 1, second, first))], {
        concurrency: 2
      })
      const failures = results.filter(Either.isLeft).map((e) => e.left)
      expect(failures).toHaveLength(1)
      expect(failures[0]._tag).toBe("Deadlock")
      // Only the winner's note: the victim's later INSERT did not run outside its transaction.
      expect(yield* count(db, "notes")).toBe(1)
    }))

  it.scopedLive("layerConfig from separate settings; a URL with an encoded password", () =>
    Effect.gen(function*() {
      const url = new URL(yield* freshUrl("mysql", "my_config"))
      const admin = yield* openAt("mysql", url.toString())
      const database = url.pathname.slice(1)
      const password = "p@ss:w/rd%?"
      yield* exec(admin, `CREATE USER IF NOT EXISTS 'quarry_odd'@'%' IDENTIFIED BY '${password}'`)
      yield* exec(admin, `ALTER USER 'quarry_odd'@'%' IDENTIFIED BY '${password}'`)
      yield* exec(admin, `GRANT ALL PRIVILEGES ON \`${database}\`.* TO 'quarry_odd'@'%'`)

      const provider = ConfigProvider.fromMap(
        new Map([
          ["DB_HOST", url.hostname],
          ["DB_PORT", url.port],
          ["DB_NAME", database],
          ["DB_USER", "quarry_odd"],
          ["DB_PASSWORD", password]
        ])
      )
      const fromFields = yield* Layer.build(Mysql.layerConfig({
        host: Config.string("DB_HOST"),
        port: Config.integer("DB_PORT"),
        database: Config.string("DB_NAME"),
        username: Config.string("DB_USER"),
        password: Config.redacted("DB_PASSWORD")
      })).pipe(Effect.withConfigProvider(provider))
      const [who] = yield* Context.get(fromFields, Database).all({ sql: "SELECT CURRENT_USER() AS u, DATABASE() AS d", params: [] })
      expect(who).toEqual({ u: "quarry_odd@%", d: database })

      const encoded = new URL(url)
      encoded.username = "quarry_odd"
      encoded.password = encodeURIComponent(password)
      const viaUrl = yield* openAt("mysql", encoded.toString())
      expect(yield* viaUrl.all({ sql: "SELECT DATABASE() AS d", params: [] })).toEqual([{ d: database }])
      const wrong = yield* failure(Effect.scoped(Layer.build(Mysql.layer({ url: encoded.toString(), password: "nope" }))))
      expect(wrong._tag).toBe("ConnectionError")
    }))
})
