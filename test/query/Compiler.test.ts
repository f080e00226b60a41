/**
 * Golden compile tests: the SQL and params of each query on SQLite,
 * PostgreSQL and MySQL side by side. No database.
 */
import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import { Accounts, newUser, Posts, Tags, Users } from "./fixtures.js"
import { compileError, golden, sqlOf } from "./support.js"

const userCols = `"id", "name", "email", "age", "active", "created_at" AS "createdAt"`
const userColsMy = "`id`, `name`, `email`, `age`, `active`, `created_at` AS `createdAt`"

describe("Compiler: reads", () => {
  it("selects every field, aliasing column names that differ from field names", () =>
    golden(Query.from(Users), {
      sqlite: [`SELECT ${userCols} FROM "users"`, []],
      postgres: [`SELECT ${userCols} FROM "users"`, []],
      mysql: [`SELECT ${userColsMy} FROM \`users\``, []]
    }))

  it("binds lookup values and escapes pattern text; NULLS LAST is emulated on MySQL", () =>
    golden(
      Query.from(Users).pipe(
        Query.where({ age: { gte: 18 }, name: { startsWith: "J_%!" } }),
        Query.orderBy(Query.desc(Users.c.age, { nulls: "last" })),
        Query.limit(10),
        Query.offset(5),
        Query.only("id", "name")
      ),
      {
        sqlite: [
          `SELECT "id", "name" FROM "users" WHERE "age" >= ? AND "name" GLOB ? ORDER BY "age" DESC NULLS LAST LIMIT ? OFFSET ?`,
          [18, "J_%!*", 10, 5]
        ],
        postgres: [
          `SELECT "id", "name" FROM "users" WHERE "age" >= $1 AND "name" LIKE $2 ESCAPE '!' ORDER BY "age" DESC NULLS LAST LIMIT $3 OFFSET $4`,
          [18, "J!_!%!!%", 10, 5]
        ],
        mysql: [
          "SELECT `id`, `name` FROM `users` WHERE `age` >= ? AND `name` LIKE BINARY ? ESCAPE '!' ORDER BY `age` IS NULL ASC, `age` DESC LIMIT ? OFFSET ?",
          [18, "J!_!%!!%", 10, 5]
        ]
      }
    ))

  it("NULLS FIRST, ascending", () =>
    golden(Query.from(Users).pipe(Query.only("id"), Query.orderBy(Query.asc(Users.c.age, { nulls: "first" }), Users.c.id)), {
      sqlite: [`SELECT "id" FROM "users" ORDER BY "age" ASC NULLS FIRST, "id" ASC`, []],
      postgres: [`SELECT "id" FROM "users" ORDER BY "age" ASC NULLS FIRST, "id" ASC`, []],
      mysql: ["SELECT `id` FROM `users` ORDER BY `age` IS NULL DESC, `age` ASC, `id` ASC", []]
    }))

  it("an OFFSET alone gets the dialect's LIMIT where one is required", () =>
    golden(Query.from(Users).pipe(Query.only("id"), Query.offset(3)), {
      sqlite: [`SELECT "id" FROM "users" LIMIT -1 OFFSET ?`, [3]],
      postgres: [`SELECT "id" FROM "users" OFFSET $1`, [3]],
      mysql: ["SELECT `id` FROM `users` LIMIT 18446744073709551615 OFFSET ?", [3]]
    }))

  it("in [] is false and notIn [] is true, never `IN ()`", () => {
    golden(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.in(Users.c.id, []))), {
      sqlite: [`SELECT "id" FROM "users" WHERE 1 = 0`, []],
      postgres: [`SELECT "id" FROM "users" WHERE 1 = 0`, []],
      mysql: ["SELECT `id` FROM `users` WHERE 1 = 0", []]
    })
    golden(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.not(Expr.notIn(Users.c.id, [])))), {
      sqlite: [`SELECT "id" FROM "users" WHERE NOT (1 = 1)`, []],
      postgres: [`SELECT "id" FROM "users" WHERE NOT (1 = 1)`, []],
      mysql: ["SELECT `id` FROM `users` WHERE NOT (1 = 1)", []]
    })
  })

  it("NULL compares with IS NULL, also inside IN lists and through Option.none", () => {
    golden(Query.from(Users).pipe(Query.only("id"), Query.where({ age: null, name: { ne: "x" } })), {
      sqlite: [`SELECT "id" FROM "users" WHERE "age" IS NULL AND "name" <> ?`, ["x"]],
      postgres: [`SELECT "id" FROM "users" WHERE "age" IS NULL AND "name" <> $1`, ["x"]],
      mysql: ["SELECT `id` FROM `users` WHERE `age` IS NULL AND `name` <> ?", ["x"]]
    })
    golden(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.in(Users.c.age, [1, null, 2]))), {
      sqlite: [`SELECT "id" FROM "users" WHERE ("age" IN (?, ?) OR "age" IS NULL)`, [1, 2]],
      postgres: [`SELECT "id" FROM "users" WHERE ("age" IN ($1, $2) OR "age" IS NULL)`, [1, 2]],
      mysql: ["SELECT `id` FROM `users` WHERE (`age` IN (?, ?) OR `age` IS NULL)", [1, 2]]
    })
    expect(sqlOf(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.ne(Users.c.age, null))), Dialect.sqlite))
      .toEqual([`SELECT "id" FROM "users" WHERE "age" IS NOT NULL`, []])
    expect(Option.none()).toBeDefined()
  })

  it("values are encoded with the column's schema and the dialect's codec", () =>
    golden(
      Query.from(Users).pipe(
        Query.only("id"),
        Query.where(Expr.lt(Users.c.createdAt, new Date("2024-01-01T00:00:00Z"))),
        Query.where({ active: true })
      ),
      {
        sqlite: [`SELECT "id" FROM "users" WHERE "created_at" < ? AND "active" = ?`, ["2024-01-01T00:00:00.000Z", 1]],
        postgres: [`SELECT "id" FROM "users" WHERE "created_at" < $1 AND "active" = $2`, ["2024-01-01T00:00:00.000Z", true]],
        mysql: ["SELECT `id` FROM `users` WHERE `created_at` < ? AND `active` = ?", ["2024-01-01 00:00:00.000", 1]]
      }
    ))

  it("64-bit integers are bound exactly and read as text where the driver would round them", () =>
    golden(Query.from(Posts).pipe(Query.only("id", "views"), Query.where({ views: { gt: 9007199254740993n } })), {
      sqlite: [`SELECT "id", CAST("views" AS TEXT) AS "views" FROM "posts" WHERE "views" > ?`, [9007199254740993n]],
      postgres: [`SELECT "id", "views" FROM "posts" WHERE "views" > $1`, ["9007199254740993"]],
      mysql: ["SELECT `id`, CAST(`views` AS CHAR) AS `views` FROM `posts` WHERE `views` > ?", [9007199254740993n]]
    }))

  it("exclude is the complement (NULL counts as not matching) and or/not nest with parentheses", () =>
    golden(
      Query.from(Users).pipe(
        Query.only("id"),
        Query.where(Expr.or(Expr.eq(Users.c.name, "a"), Expr.and(Expr.gt(Users.c.age, 1), Expr.lt(Users.c.age, 9)))),
        Query.exclude({ age: { between: [3, 4] } })
      ),
      {
        sqlite: [
          `SELECT "id" FROM "users" WHERE ("name" = ? OR ("age" > ? AND "age" < ?)) AND ("age" BETWEEN ? AND ?) IS NOT TRUE`,
          ["a", 1, 9, 3, 4]
        ],
        postgres: [
          `SELECT "id" FROM "users" WHERE ("name" = $1 OR ("age" > $2 AND "age" < $3)) AND ("age" BETWEEN $4 AND $5) IS NOT TRUE`,
          ["a", 1, 9, 3, 4]
        ],
        mysql: [
          "SELECT `id` FROM `users` WHERE (`name` = ? OR (`age` > ? AND `age` < ?)) AND (`age` BETWEEN ? AND ?) IS NOT TRUE",
          ["a", 1, 9, 3, 4]
        ]
      }
    ))

  it("case-insensitive matches lower both sides; contains / endsWith escape wildcards", () =>
    golden(
      Query.from(Users).pipe(
        Query.only("id"),
        Query.where({ email: { iContains: "A%B" }, name: { endsWith: "_x", iEq: "Ann" } })
      ),
      {
        sqlite: [
          `SELECT "id" FROM "users" WHERE LOWER("email") LIKE LOWER(?) ESCAPE '!' AND "name" GLOB ? AND LOWER("name") = LOWER(?)`,
          ["%A!%B%", "*_x", "Ann"]
        ],
        postgres: [
          `SELECT "id" FROM "users" WHERE LOWER("email") LIKE LOWER($1) ESCAPE '!' AND "name" LIKE $2 ESCAPE '!' AND LOWER("name") = LOWER($3)`,
          ["%A!%B%", "%!_x", "Ann"]
        ],
        mysql: [
          "SELECT `id` FROM `users` WHERE LOWER(`email`) LIKE LOWER(?) ESCAPE '!' AND `name` LIKE BINARY ? ESCAPE '!' AND LOWER(`name`) = LOWER(?)",
          ["%A!%B%", "%!_x", "Ann"]
        ]
      }
    ))

  it("column comparisons and functions (Django's F)", () =>
    golden(
      Query.from(Posts).pipe(
        Query.only("id"),
        Query.where(Expr.gt(Expr.add(Posts.c.authorId, 1), Posts.c.id)),
        Query.where(Expr.eq(Expr.upper(Posts.c.title), "T"))
      ),
      {
        sqlite: [`SELECT "id" FROM "posts" WHERE ("author_id" + ?) > "id" AND UPPER("title") = ?`, [1, "T"]],
        postgres: [`SELECT "id" FROM "posts" WHERE ("author_id" + $1) > "id" AND UPPER("title") = $2`, [1, "T"]],
        mysql: ["SELECT `id` FROM `posts` WHERE (`author_id` + ?) > `id` AND UPPER(`title`) = ?", [1, "T"]]
      }
    ))

  it("joins qualify columns and alias them per table", () =>
    golden(
      Query.from(Users).pipe(
        Query.only("id"),
        Query.innerJoin(Posts, Expr.eq(Posts.c.authorId, Users.c.id)),
        Query.where({ name: "x" })
      ),
      {
        sqlite: [
          `SELECT "users"."id" AS "0.id", "posts"."id" AS "1.id", "posts"."author_id" AS "1.authorId", "posts"."title" AS "1.title", CAST("posts"."views" AS TEXT) AS "1.views", "posts"."published_at" AS "1.publishedAt" FROM "users" INNER JOIN "posts" ON "posts"."author_id" = "users"."id" WHERE "users"."name" = ?`,
          ["x"]
        ],
        postgres: [
          `SELECT "users"."id" AS "0.id", "posts"."id" AS "1.id", "posts"."author_id" AS "1.authorId", "posts"."title" AS "1.title", "posts"."views" AS "1.views", "posts"."published_at" AS "1.publishedAt" FROM "users" INNER JOIN "posts" ON "posts"."author_id" = "users"."id" WHERE "users"."name" = $1`,
          ["x"]
        ],
        mysql: [
          "SELECT `users`.`id` AS `0.id`, `posts`.`id` AS `1.id`, `posts`.`author_id` AS `1.authorId`, `posts`.`title` AS `1.title`, CAST(`posts`.`views` AS CHAR) AS `1.views`, `posts`.`published_at` AS `1.publishedAt` FROM `users` INNER JOIN `posts` ON `posts`.`author_id` = `users`.`id` WHERE `users`.`name` = ?",
          ["x"]
        ]
      }
    ))

  it("aggregates with GROUP BY and HAVING", () =>
    golden(
      Query.from(Posts).pipe(
        Query.groupBy(Posts.c.authorId),
        Query.select({ author: Posts.c.authorId, n: Expr.count(), total: Expr.sum(Posts.c.views) }),
        Query.having(Expr.gt(Expr.count(), 1))
      ),
      {
        sqlite: [
          `SELECT "author_id" AS "author", COUNT(*) AS "n", CAST(SUM("views") AS TEXT) AS "total" FROM "posts" GROUP BY "author_id" HAVING COUNT(*) > ?`,
          [1]
        ],
        postgres: [
          `SELECT "author_id" AS "author", COUNT(*) AS "n", SUM("views") AS "total" FROM "posts" GROUP BY "author_id" HAVING COUNT(*) > $1`,
          [1]
        ],
        mysql: [
          "SELECT `author_id` AS `author`, COUNT(*) AS `n`, CAST(SUM(`views`) AS CHAR) AS `total` FROM `posts` GROUP BY `author_id` HAVING COUNT(*) > ?",
          [1]
        ]
      }
    ))

  it("subqueries: IN (SELECT ...) and correlated EXISTS", () => {
    golden(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.in(Users.c.id, Query.from(Posts).pipe(Query.only("authorId"), Query.where({ title: "t" }))))), {
      sqlite: [`SELECT "id" FROM "users" WHERE "id" IN (SELECT "posts"."author_id" AS "authorId" FROM "posts" WHERE "posts"."title" = ?)`, ["t"]],
      postgres: [`SELECT "id" FROM "users" WHERE "id" IN (SELECT "posts"."author_id" AS "authorId" FROM "posts" WHERE "posts"."title" = $1)`, ["t"]],
      mysql: ["SELECT `id` FROM `users` WHERE `id` IN (SELECT `posts`.`author_id` AS `authorId` FROM `posts` WHERE `posts`.`title` = ?)", ["t"]]
    })
    golden(
      Query.from(Users).pipe(
        Query.only("id"),
        Query.where({ age: 1 }, ),
        Query.where(Expr.notExists(Query.from(Posts).pipe(Query.where(Expr.eq(Posts.c.authorId, Users.c.id))))),
        Query.where({ name: "z" })
      ),
      {
        sqlite: [`SELECT "id" FROM "users" WHERE "age" = ? AND NOT EXISTS (SELECT 1 AS "one" FROM "posts" WHERE "posts"."author_id" = "users"."id") AND "name" = ?`, [1, "z"]],
        postgres: [`SELECT "id" FROM "users" WHERE "age" = $1 AND NOT EXISTS (SELECT 1 AS "one" FROM "posts" WHERE "posts"."author_id" = "users"."id") AND "name" = $2`, [1, "z"]],
        mysql: ["SELECT `id` FROM `users` WHERE `age` = ? AND NOT EXISTS (SELECT 1 AS `one` FROM `posts` WHERE `posts`.`author_id` = `users`.`id`) AND `name` = ?", [1, "z"]]
      }
    )
  })

  it("DISTINCT, and a prepared query's parameters as placeholders", () =>
    golden(Query.from(Users).pipe(Query.only("name"), Query.distinct, Query.where(Expr.gt(Users.c.age, Query.param("min"))), Query.limit(Query.param("n"))), {
      sqlite: [`SELECT DISTINCT "name" FROM "users" WHERE "age" > ? LIMIT ?`, [{ _tag: "Param", name: "min" }, { _tag: "Param", name: "n" }]],
      postgres: [`SELECT DISTINCT "name" FROM "users" WHERE "age" > $1 LIMIT $2`, [{ _tag: "Param", name: "min" }, { _tag: "Param", name: "n" }]],
      mysql: ["SELECT DISTINCT `name` FROM `users` WHERE `age` > ? LIMIT ?", [{ _tag: "Param", name: "min" }, { _tag: "Param", name: "n" }]]
    }))

  it("raw SQL: interpolated columns are quoted, values bound", () => {
    golden(Query.from(Users).pipe(Query.only("id"), Query.where(Expr.sql<boolean>`${Users.c.age} % 2 = ${0}`)), {
      sqlite: [`SELECT "id" FROM "users" WHERE "age" % 2 = ?`, [0]],
      postgres: [`SELECT "id" FROM "users" WHERE "age" % 2 = $1`, [0]],
      mysql: ["SELECT `id` FROM `users` WHERE `age` % 2 = ?", [0]]
    })
  })
})

const row = newUser("Ann")
const rowParams = ["Ann", "ann@example.com", 30]

describe("Compiler: writes", () => {
  it("insert encodes through the model's insert variant", () =>
    golden(Query.insert(Users, row), {
      sqlite: [`INSERT INTO "users" ("name", "email", "age", "active", "created_at") VALUES (?, ?, ?, ?, ?)`, [...rowParams, 1, "2024-01-02T03:04:05.678Z"]],
      postgres: [`INSERT INTO "users" ("name", "email", "age", "active", "created_at") VALUES ($1, $2, $3, $4, $5)`, [...rowParams, true, "2024-01-02T03:04:05.678Z"]],
      mysql: ["INSERT INTO `users` (`name`, `email`, `age`, `active`, `created_at`) VALUES (?, ?, ?, ?, ?)", [...rowParams, 1, "2024-01-02 03:04:05.678"]]
    }))

  it("insertMany uses multi-row VALUES; RETURNING is native except on MySQL", () =>
    golden(Query.insertMany(Tags, [{ postId: 1, tag: "a", weight: 1 }, { postId: 1, tag: "b", weight: 2 }]).pipe(Query.returning("tag")), {
      sqlite: [`INSERT INTO "tags" ("post_id", "tag", "weight") VALUES (?, ?, ?), (?, ?, ?) RETURNING "tag"`, [1, "a", 1, 1, "b", 2]],
      postgres: [`INSERT INTO "tags" ("post_id", "tag", "weight") VALUES ($1, $2, $3), ($4, $5, $6) RETURNING "tag"`, [1, "a", 1, 1, "b", 2]],
      mysql: ["INSERT INTO `tags` (`post_id`, `tag`, `weight`) VALUES (?, ?, ?), (?, ?, ?)", [1, "a", 1, 1, "b", 2]]
    }))

  it("insertMany chunks under the dialect's bind-parameter limit", () => {
    const rows = Array.from({ length: 25000 }, (_, i) => ({ postId: i, tag: "t", weight: 0 }))
    for (const dialect of [Dialect.sqlite, Dialect.postgres]) {
      const statements = Query.compileAll(Query.insertMany(Tags, rows), dialect)
      if (statements._tag === "Left") throw new Error("compile failed")
      const perStatement = Math.floor(dialect.maxParams / 3)
      expect(statements.right.length).toBe(Math.ceil(25000 / perStatement))
      expect(statements.right.every((s) => s.params.length <= dialect.maxParams)).toBe(true)
      expect(statements.right.reduce((n, s) => n + s.params.length, 0)).toBe(75000)
    }
  })

  it("upsert: ON CONFLICT DO UPDATE / ON DUPLICATE KEY UPDATE", () =>
    golden(Query.upsert(Users, row, { target: ["email"], update: ["name", "age"] }), {
      sqlite: [`INSERT INTO "users" ("name", "email", "age", "active", "created_at") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "age" = excluded."age"`, [...rowParams, 1, "2024-01-02T03:04:05.678Z"]],
      postgres: [`INSERT INTO "users" ("name", "email", "age", "active", "created_at") VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "age" = excluded."age"`, [...rowParams, true, "2024-01-02T03:04:05.678Z"]],
      mysql: ["INSERT INTO `users` (`name`, `email`, `age`, `active`, `created_at`) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `age` = VALUES(`age`)", [...rowParams, 1, "2024-01-02 03:04:05.678"]]
    }))

  it("insert-or-ignore: ON CONFLICT DO NOTHING / a no-op ON DUPLICATE KEY UPDATE", () =>
    golden(Query.insertOrIgnore(Tags, { postId: 1, tag: "x", weight: 1 }), {
      sqlite: [`INSERT INTO "tags" ("post_id", "tag", "weight") VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, [1, "x", 1]],
      postgres: [`INSERT INTO "tags" ("post_id", "tag", "weight") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [1, "x", 1]],
      mysql: ["INSERT INTO `tags` (`post_id`, `tag`, `weight`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `post_id` = `post_id`", [1, "x", 1]]
    }))

  it("update with values and column expressions", () =>
    golden(Query.update(Users, { age: Expr.add(Users.c.age, 1), active: false }).pipe(Query.where({ id: 3 })), {
      sqlite: [`UPDATE "users" SET "age" = ("age" + ?), "active" = ? WHERE "id" = ?`, [1, 0, 3]],
      postgres: [`UPDATE "users" SET "age" = ("age" + $1), "active" = $2 WHERE "id" = $3`, [1, false, 3]],
      mysql: ["UPDATE `users` SET `age` = (`age` + ?), `active` = ? WHERE `id` = ?", [1, 0, 3]]
    }))

  it("delete returning", () =>
    golden(Query.delete(Users).pipe(Query.where({ name: { in: ["a", "b"] } }), Query.returning("id")), {
      sqlite: [`DELETE FROM "users" WHERE "name" IN (?, ?) RETURNING "id"`, ["a", "b"]],
      postgres: [`DELETE FROM "users" WHERE "name" IN ($1, $2) RETURNING "id"`, ["a", "b"]],
      mysql: ["DELETE FROM `users` WHERE `name` IN (?, ?)", ["a", "b"]]
    }))
})

describe("Compiler: typed failures", () => {
  it("a value the insert schema rejects fails with ValidationError naming table and column", () => {
    const error = compileError(Query.insert(Users, { ...row, age: 1.5 }), Dialect.sqlite)
    expect(error._tag).toBe("ValidationError")
    expect(error).toMatchObject({ table: "users", column: "age" })
  })

  it("an update value is checked by the update variant", () => {
    const error = compileError(Query.update(Users, { name: "x".repeat(201) }), Dialect.postgres)
    expect(error).toMatchObject({ _tag: "ValidationError", table: "users", column: "name" })
  })

  it("a filter value of the wrong runtime type fails typed, but refinements do not apply to filters", () => {
    expect(compileError(Query.from(Users).pipe(Query.where({ age: "x" as unknown as number })), Dialect.mysql))
      .toMatchObject({ _tag: "ValidationError", table: "users", column: "age" })
    expect(sqlOf(Query.from(Users).pipe(Query.only("id"), Query.where({ age: { lt: 17.5 } })), Dialect.mysql))
      .toEqual(["SELECT `id` FROM `users` WHERE `age` < ?", [17.5]])
  })

  it("functions with dialect differences: character length, concatenation, float division by NULLIF, CASE", () => {
    golden(
      Query.from(Users).pipe(Query.select({
        n: Expr.length(Expr.concat(Users.c.name, "!")),
        half: Expr.div(Users.c.age, 2),
        band: Expr.caseWhen([[Expr.lt(Users.c.age, 18), "minor"]], "adult")
      })),
      {
        sqlite: [
          `SELECT LENGTH(("name" || ?)) AS "n", (CAST("age" AS REAL) / NULLIF(?, 0)) AS "half",` +
          ` (CASE WHEN "age" < ? THEN ? ELSE ? END) AS "band" FROM "users"`,
          ["!", 2, 18, "minor", "adult"]
        ],
        postgres: [
          `SELECT LENGTH(("name" || $1)) AS "n", (CAST("age" AS DOUBLE PRECISION) / NULLIF($2, 0)) AS "half",` +
          ` (CASE WHEN "age" < $3 THEN $4 ELSE $5 END) AS "band" FROM "users"`,
          ["!", 2, 18, "minor", "adult"]
        ],
        mysql: [
          "SELECT CHAR_LENGTH(CONCAT(`name`, ?)) AS `n`, (CAST(`age` AS DOUBLE) / NULLIF(?, 0)) AS `half`," +
          " (CASE WHEN `age` < ? THEN ? ELSE ? END) AS `band` FROM `users`",
          ["!", 2, 18, "minor", "adult"]
        ]
      }
    )
    expect(() => Expr.caseWhen([])).toThrow(/at least one/)
  })

  it("window functions: OVER (PARTITION BY … ORDER BY …), NULLS LAST emulated inside the window on MySQL", () => {
    golden(
      Query.from(Users).pipe(Query.select({
        place: Expr.rowNumber({ partitionBy: [Users.c.active], orderBy: [Query.desc(Users.c.age, { nulls: "last" })] }),
        total: Expr.over(Expr.sum(Users.c.age))
      })),
      {
        sqlite: [
          `SELECT ROW_NUMBER() OVER (PARTITION BY "active" ORDER BY "age" DESC NULLS LAST) AS "place", SUM("age") OVER () AS "total" FROM "users"`,
          []
        ],
        postgres: [
          `SELECT ROW_NUMBER() OVER (PARTITION BY "active" ORDER BY "age" DESC NULLS LAST) AS "place", SUM("age") OVER () AS "total" FROM "users"`,
          []
        ],
        mysql: [
          "SELECT ROW_NUMBER() OVER (PARTITION BY `active` ORDER BY `age` IS NULL ASC, `age` DESC) AS `place`, SUM(`age`) OVER () AS `total` FROM `users`",
          []
        ]
      }
    )
    expect(() => Expr.over(Users.c.age)).toThrow(/aggregate/)
    expect(() => Expr.over(Expr.countDistinct(Users.c.age))).toThrow(/DISTINCT/)
  })

  it("set operations: sliced members read as derived tables, the compound ordered by result keys", () => {
    golden(
      Query.union([
        Query.from(Users).pipe(Query.only("id", "name"), Query.where({ age: 1 })),
        Query.from(Users).pipe(Query.only("id", "name"), Query.orderBy(Users.c.age), Query.limit(2))
      ], { orderBy: [["name", "desc"]], limit: 5 }),
      {
        sqlite: [
          `SELECT "id", "name" FROM "users" WHERE "age" = ? UNION SELECT * FROM (SELECT "id", "name" FROM "users" ORDER BY "age" ASC LIMIT ?) "$m1" ORDER BY "name" DESC LIMIT ?`,
          [1, 2, 5]
        ],
        postgres: [
          `SELECT "id", "name" FROM "users" WHERE "age" = $1 UNION SELECT * FROM (SELECT "id", "name" FROM "users" ORDER BY "age" ASC LIMIT $2) "$m1" ORDER BY "name" DESC LIMIT $3`,
          [1, 2, 5]
        ],
        mysql: [
          "SELECT `id`, `name` FROM `users` WHERE `age` = ? UNION SELECT * FROM (SELECT `id`, `name` FROM `users` ORDER BY `age` ASC LIMIT ?) `$m1` ORDER BY `name` DESC LIMIT ?",
          [1, 2, 5]
        ]
      }
    )
    expect(() => Query.union([Query.from(Users), Query.from(Users).pipe(Query.only("id"))])).toThrow(/same columns/)
    expect(() => Query.except([Query.from(Users).pipe(Query.innerJoin(Posts, Expr.eq(Posts.c.authorId, Users.c.id))) as any, Query.from(Users)]))
      .toThrow(/joins/)
  })

  it("NUL in text is Unsupported on PostgreSQL, bound as data elsewhere", () => {
    const q = Query.from(Users).pipe(Query.only("id"), Query.where({ name: "a\u0000b" }))
    expect(compileError(q, Dialect.postgres)).toMatchObject({ _tag: "Unsupported", dialect: "postgres" })
    expect(sqlOf(q, Dialect.sqlite)).toEqual([`SELECT "id" FROM "users" WHERE "name" = ?`, ["a\u0000b"]])
  })

  it("an upsert whose row may hit another unique key is Unsupported on MySQL (ON DUPLICATE KEY has no target)", () => {
    const q = Query.upsert(Accounts, { code: "a", email: "a@x" }, { target: ["email"] })
    expect(compileError(q, Dialect.mysql)).toMatchObject({ _tag: "Unsupported", dialect: "mysql" })
    expect(sqlOf(q, Dialect.postgres)[0]).toContain(`ON CONFLICT ("email") DO UPDATE SET "code" = excluded."code"`)
    // an auto-increment key the row does not set cannot conflict: the target is the only key
    expect(sqlOf(Query.upsert(Users, row, { target: ["email"] }), Dialect.mysql)[0]).toContain("ON DUPLICATE KEY UPDATE")
  })

  it("an update setting nothing fails typed", () =>
    expect(compileError(Query.update(Users, {}), Dialect.sqlite)).toMatchObject({ _tag: "ValidationError" }))
})
