/**
 * Golden compile tests for repeated expressions: where a SELECT groups or is
 * DISTINCT, an expression of the select list repeated in GROUP BY, HAVING,
 * ORDER BY or a window binds the same parameters on PostgreSQL and refers to
 * the select-list item on MySQL; SQLite compiles it again. No database.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import { Posts, Users } from "./fixtures.js"
import { compileError, golden, sqlOf } from "./support.js"

const domain = (suffix = "%@x.io") => Expr.caseWhen([[Expr.like(Users.c.email, suffix), "x"]], "y")
const caseSqlite = `(CASE WHEN "email" GLOB ? THEN ? ELSE ? END)`
const casePg = `(CASE WHEN "email" LIKE $1 ESCAPE '!' THEN $2 ELSE $3 END)`
const caseMy = "(CASE WHEN `email` LIKE BINARY ? ESCAPE '!' THEN ? ELSE ? END)"
const values = ["%@x.io", "x", "y"]
const globbed = ["*@x.io", "x", "y"]

describe("Compiler: repeated expressions", () => {
  it("GROUP BY, HAVING and ORDER BY repeat a selected CASE: $n again on PostgreSQL, position / alias on MySQL", () =>
    golden(
      Query.from(Users).pipe(
        Query.select({ d: domain(), n: Expr.count() }),
        Query.groupBy(domain()),
        Query.having(Expr.eq(domain(), "x")),
        Query.orderBy(Query.desc(domain(), { nulls: "last" }))
      ),
      {
        sqlite: [
          `SELECT ${caseSqlite} AS "d", COUNT(*) AS "n" FROM "users" GROUP BY ${caseSqlite} HAVING ${caseSqlite} = ? ORDER BY ${caseSqlite} DESC NULLS LAST`,
          [...globbed, ...globbed, ...globbed, "x", ...globbed]
        ],
        postgres: [
          `SELECT ${casePg} AS "d", COUNT(*) AS "n" FROM "users" GROUP BY ${casePg} HAVING ${casePg} = $4 ORDER BY ${casePg} DESC NULLS LAST`,
          [...values, "x"]
        ],
        mysql: [
          `SELECT ${caseMy} AS \`d\`, COUNT(*) AS \`n\` FROM \`users\` GROUP BY 1 HAVING \`d\` = ? ORDER BY \`d\` IS NULL ASC, \`d\` DESC`,
          [...values, "x"]
        ]
      }
    ))

  it("a group key that is not selected, and a window over the groups, repeat it on PostgreSQL", () =>
    golden(
      Query.from(Users).pipe(
        Query.select({ n: Expr.count(), place: Expr.rank({ orderBy: [domain()] }) }),
        Query.groupBy(domain()),
        Query.orderBy(domain())
      ),
      {
        sqlite: [
          `SELECT COUNT(*) AS "n", RANK() OVER (ORDER BY ${caseSqlite} ASC) AS "place" FROM "users" GROUP BY ${caseSqlite} ORDER BY ${caseSqlite} ASC`,
          [...globbed, ...globbed, ...globbed]
        ],
        postgres: [
          `SELECT COUNT(*) AS "n", RANK() OVER (ORDER BY ${casePg} ASC) AS "place" FROM "users" GROUP BY ${casePg} ORDER BY ${casePg} ASC`,
          values
        ],
        // nothing selected to refer to: compiled again (MariaDB compares the columns, not the expressions)
        mysql: [
          `SELECT COUNT(*) AS \`n\`, RANK() OVER (ORDER BY ${caseMy} ASC) AS \`place\` FROM \`users\` GROUP BY ${caseMy} ORDER BY ${caseMy} ASC`,
          [...values, ...values, ...values]
        ]
      }
    ))

  it("DISTINCT ordered by a selected expression", () =>
    golden(
      Query.from(Users).pipe(Query.select({ next: Expr.add(Users.c.age, 1) }), Query.distinct, Query.orderBy(Expr.add(Users.c.age, 1))),
      {
        sqlite: [`SELECT DISTINCT ("age" + ?) AS "next" FROM "users" ORDER BY ("age" + ?) ASC`, [1, 1]],
        postgres: [`SELECT DISTINCT ("age" + $1) AS "next" FROM "users" ORDER BY ("age" + $1) ASC`, [1]],
        mysql: ["SELECT DISTINCT (`age` + ?) AS `next` FROM `users` ORDER BY `next` ASC", [1]]
      }
    ))

  it("only equal expressions are repeats: other values, other parameters and aggregates' arguments bind their own", () => {
    golden(
      Query.from(Users).pipe(
        Query.select({ a: Expr.add(Users.c.age, 1), b: Expr.add(Users.c.age, 2), d: domain("%@y.io") }),
        Query.groupBy(Expr.add(Users.c.age, 2), domain()),
        Query.having(Expr.gt(Expr.sum(Expr.add(Users.c.age, 1)), 3))
      ),
      {
        sqlite: [
          `SELECT ("age" + ?) AS "a", ("age" + ?) AS "b", ${caseSqlite} AS "d" FROM "users" GROUP BY ("age" + ?), ${caseSqlite} HAVING SUM(("age" + ?)) > ?`,
          [1, 2, "*@y.io", "x", "y", 2, ...globbed, 1, 3]
        ],
        postgres: [
          `SELECT ("age" + $1) AS "a", ("age" + $2) AS "b", (CASE WHEN "email" LIKE $3 ESCAPE '!' THEN $4 ELSE $5 END) AS "d" FROM "users" GROUP BY ("age" + $2), (CASE WHEN "email" LIKE $6 ESCAPE '!' THEN $7 ELSE $8 END) HAVING SUM(("age" + $1)) > $9`,
          [1, 2, "%@y.io", "x", "y", ...values, 3]
        ],
        mysql: [
          `SELECT (\`age\` + ?) AS \`a\`, (\`age\` + ?) AS \`b\`, ${caseMy} AS \`d\` FROM \`users\` GROUP BY 2, ${caseMy} HAVING SUM((\`age\` + ?)) > ?`,
          [1, 2, "%@y.io", "x", "y", ...values, 1, 3]
        ]
      }
    )
    const byName = (name: string) => Expr.caseWhen([[Expr.like(Users.c.email, Query.param(name)), "x"]], "y")
    const [sql, params] = sqlOf(
      Query.from(Users).pipe(Query.select({ a: byName("p"), b: byName("q") }), Query.groupBy(byName("q"))),
      Dialect.postgres
    )
    expect(sql).toContain(`GROUP BY (CASE WHEN "email" LIKE $4 ESCAPE '!' THEN $5 ELSE $6 END)`)
    expect(params.length).toBe(6)
  })

  it("MySQL names an item by alias only where the alias is no column's name and the item is not read as text", () => {
    const collide = Query.from(Users).pipe(
      Query.select({ Email: domain(), n: Expr.count() }),
      Query.groupBy(domain()),
      Query.orderBy(domain())
    )
    expect(sqlOf(collide, Dialect.mysql)).toEqual([
      `SELECT ${caseMy} AS \`Email\`, COUNT(*) AS \`n\` FROM \`users\` GROUP BY 1 ORDER BY ${caseMy} ASC`,
      [...values, ...values]
    ])
    const pick = () => Expr.caseWhen([[Expr.like(Posts.c.title, "a%"), Posts.c.views]], Posts.c.views)
    const asText = Query.from(Posts).pipe(Query.select({ v: pick() }), Query.groupBy(pick()), Query.orderBy(pick()))
    const pickMy = "(CASE WHEN `title` LIKE BINARY ? ESCAPE '!' THEN `views` ELSE `views` END)"
    expect(sqlOf(asText, Dialect.mysql)).toEqual([
      `SELECT CAST(${pickMy} AS CHAR) AS \`v\` FROM \`posts\` GROUP BY 1 ORDER BY ${pickMy} ASC`,
      ["a%", "a%"]
    ])
  })

  it("MySQL refuses HAVING on a grouped expression it cannot refer to, before any SQL", () => {
    const query = Query.from(Users).pipe(
      Query.select({ n: Expr.count() }),
      Query.groupBy(domain()),
      Query.having(Expr.eq(domain(), "x"))
    )
    expect(compileError(query, Dialect.mysql)).toMatchObject({ _tag: "Unsupported", dialect: "mysql" })
    expect(sqlOf(query, Dialect.postgres)).toEqual([
      `SELECT COUNT(*) AS "n" FROM "users" GROUP BY ${casePg} HAVING ${casePg} = $4`,
      [...values, "x"]
    ])
  })
})
