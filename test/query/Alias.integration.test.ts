/**
 * A table read twice in one query — self-joins, subqueries over the outer
 * query's table, relations of a table to itself — on SQLite, PostgreSQL and
 * MariaDB. The SQL each dialect gets is checked once, beside the suite.
 */
import { Model } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Table from "../../src/schema/Table.js"
import { cases } from "../support/dialects.js"
import { compileError, golden, resetTables } from "./support.js"

class Employee extends Model.Class<Employee>("Employee")({
  id: Model.Generated(Schema.Int),
  name: Schema.String,
  salary: Schema.Int,
  managerId: Schema.NullOr(Schema.Int)
}) {}
const Employees: Table.Table<typeof Employee> = Table.make(Employee, {
  name: "alias_employees",
  columns: { managerId: { references: () => Employees } }
})
const Managers = Table.alias(Employees, "managers")

const EmployeeRel = Relation.define(Employees, {
  manager: Relation.belongsTo(() => Employees, { foreignKey: "managerId" }),
  reports: Relation.hasMany(() => Employees, { foreignKey: "managerId" })
})

/** Ada runs the place; Bob and Cy report to her; Dee reports to Bob and earns more than he does. */
const seed = Effect.gen(function*() {
  yield* resetTables([Employees])
  const ada = yield* Query.get(Query.insert(Employees, { name: "Ada", salary: 300, managerId: null }).pipe(Query.returning()))
  const [bob, cy] = yield* Query.all(Query.insertMany(Employees, [
    { name: "Bob", salary: 150, managerId: ada.id },
    { name: "Cy", salary: 120, managerId: ada.id }
  ]).pipe(Query.returning()))
  const dee = yield* Query.get(Query.insert(Employees, { name: "Dee", salary: 160, managerId: bob.id }).pipe(Query.returning()))
  return { ada, bob, cy, dee }
})

const withManager = Query.from(Employees).pipe(
  Query.leftJoin(Managers, Expr.eq(Employees.c.managerId, Managers.c.id)),
  Query.orderBy(Employees.c.id)
)

describe("table aliases: SQL", () => {
  it("a self-join names each side; FROM and JOIN give the alias", () =>
    golden(
      Query.from(Employees).pipe(
        Query.innerJoin(Managers, Expr.eq(Employees.c.managerId, Managers.c.id)),
        Query.where(Expr.gt(Employees.c.salary, Managers.c.salary)),
        Query.select({ name: Employees.c.name, manager: Managers.c.name })
      ),
      {
        sqlite: [
          `SELECT "alias_employees"."name" AS "name", "managers"."name" AS "manager" FROM "alias_employees"` +
          ` INNER JOIN "alias_employees" AS "managers" ON "alias_employees"."manager_id" = "managers"."id"` +
          ` WHERE "alias_employees"."salary" > "managers"."salary"`,
          []
        ],
        postgres: [
          `SELECT "alias_employees"."name" AS "name", "managers"."name" AS "manager" FROM "alias_employees"` +
          ` INNER JOIN "alias_employees" AS "managers" ON "alias_employees"."manager_id" = "managers"."id"` +
          ` WHERE "alias_employees"."salary" > "managers"."salary"`,
          []
        ],
        mysql: [
          "SELECT `alias_employees`.`name` AS `name`, `managers`.`name` AS `manager` FROM `alias_employees`" +
          " INNER JOIN `alias_employees` AS `managers` ON `alias_employees`.`manager_id` = `managers`.`id`" +
          " WHERE `alias_employees`.`salary` > `managers`.`salary`",
          []
        ]
      }
    ))

  it("a write through an alias is Unsupported on every dialect; the table itself is written", () => {
    for (const dialect of [Dialect.sqlite, Dialect.postgres, Dialect.mysql]) {
      for (const write of [
        Query.insert(Managers, { name: "X", salary: 1, managerId: null }),
        Query.update(Managers, { salary: 1 }),
        Query.delete(Managers)
      ]) {
        expect(compileError(write, dialect)).toMatchObject({ _tag: "Unsupported", dialect: dialect.name })
      }
    }
    expect(Either.isRight(Query.compile(Query.update(Employees, { salary: 1 }), Dialect.sqlite))).toBe(true)
  })

  it("an alias name must be a plain identifier", () => {
    expect(() => Table.alias(Employees, "m; DROP TABLE x")).toThrow(/letters, digits/)
  })
})

for (const c of cases("query_alias")) {
  layer(c.layer, { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    it.effect("a self-join reads both sides, each decoded by the model; a missing manager is null", () =>
      Effect.gen(function*() {
        const { ada, bob } = yield* seed
        const rows = yield* Query.all(withManager)
        expect(rows.map(([e, m]) => [e.name, m?.name ?? null])).toEqual([
          ["Ada", null],
          ["Bob", "Ada"],
          ["Cy", "Ada"],
          ["Dee", "Bob"]
        ])
        expect(rows[1][1]).toEqual(ada)
        expect(rows[3][1]).toEqual(bob)
      }))

    it.effect("conditions, ordering and projections across both sides", () =>
      Effect.gen(function*() {
        yield* seed
        const richer = yield* Query.all(Query.from(Employees).pipe(
          Query.innerJoin(Managers, Expr.eq(Employees.c.managerId, Managers.c.id)),
          Query.where(Expr.gt(Employees.c.salary, Managers.c.salary)),
          Query.select({ name: Employees.c.name, manager: Managers.c.name })
        ))
        expect(richer).toEqual([{ name: "Dee", manager: "Bob" }])
        const byManager = yield* Query.all(Query.from(Employees).pipe(
          Query.innerJoin(Managers, Expr.eq(Employees.c.managerId, Managers.c.id)),
          Query.groupBy(Managers.c.name),
          Query.select({ manager: Managers.c.name, total: Expr.sum(Employees.c.salary) }),
          Query.orderBy(Managers.c.name)
        ))
        expect(byManager.map((r) => [r.manager, Number(r.total)])).toEqual([["Ada", 270], ["Bob", 160]])
      }))

    it.effect("a subquery over the outer query's table, through an alias", () =>
      Effect.gen(function*() {
        yield* seed
        const Reports = Table.alias(Employees, "reports")
        const managers = yield* Query.all(Query.from(Employees).pipe(
          Query.where(Expr.exists(Query.from(Reports).pipe(Query.where(Expr.eq(Reports.c.managerId, Employees.c.id))))),
          Query.orderBy(Employees.c.name)
        ))
        expect(managers.map((e) => e.name)).toEqual(["Ada", "Bob"])
        // the alias as the main table of a query: rows decode by the model as usual
        const viaAlias = yield* Query.all(Query.from(Reports).pipe(Query.where({ salary: { gte: 150 } }), Query.orderBy(Reports.c.name)))
        expect(viaAlias.map((e) => e.name)).toEqual(["Ada", "Bob", "Dee"])
        expect(yield* Query.count(Query.from(Reports).pipe(Query.where({ managerId: null })))).toBe(1)
      }))

    it.effect("relations of a table to itself: filters and counts", () =>
      Effect.gen(function*() {
        yield* seed
        const managers = yield* Query.all(Query.from(Employees).pipe(
          Query.where(Relation.whereHas(EmployeeRel, "reports")),
          Query.orderBy(Employees.c.name)
        ))
        expect(managers.map((e) => e.name)).toEqual(["Ada", "Bob"])
        // a lookup, and an expression over the table: both mean the related row
        const overpaid = Relation.whereHas(EmployeeRel, "reports", { salary: { gt: 155 } })
        const overpaidExpr = Relation.whereHas(EmployeeRel, "reports", Expr.gt(Employees.c.salary, 155))
        for (const condition of [overpaid, overpaidExpr]) {
          const rows = yield* Query.all(Query.from(Employees).pipe(Query.where(condition)))
          expect(rows.map((e) => e.name)).toEqual(["Bob"])
        }
        const leaves = yield* Query.all(Query.from(Employees).pipe(
          Query.where(Relation.whereNone(EmployeeRel, "reports")),
          Query.orderBy(Employees.c.name)
        ))
        expect(leaves.map((e) => e.name)).toEqual(["Cy", "Dee"])
        const counts = yield* Query.all(Query.from(Employees).pipe(
          Query.select({ name: Employees.c.name, reports: Relation.count(EmployeeRel, "reports") }),
          Query.orderBy(Employees.c.name)
        ))
        expect(counts).toEqual([
          { name: "Ada", reports: 2 },
          { name: "Bob", reports: 1 },
          { name: "Cy", reports: 0 },
          { name: "Dee", reports: 0 }
        ])
        const topLevel = yield* Query.all(Query.from(Employees).pipe(Query.where(Relation.whereNone(EmployeeRel, "manager"))))
        expect(topLevel.map((e) => e.name)).toEqual(["Ada"])
      }))

    it.effect("the same relation prefetched still loads both ways", () =>
      Effect.gen(function*() {
        yield* seed
        const rows = yield* Relation.all(Query.from(Employees).pipe(
          Query.orderBy(Employees.c.id),
          Relation.prefetch(EmployeeRel, "reports"),
          Relation.prefetch(EmployeeRel, "manager")
        ))
        expect(rows.map((e) => [e.name, e.manager?.name ?? null, e.reports.map((r) => r.name)])).toEqual([
          ["Ada", null, ["Bob", "Cy"]],
          ["Bob", "Ada", ["Dee"]],
          ["Cy", "Ada", []],
          ["Dee", "Bob", []]
        ])
      }))
  })
}

