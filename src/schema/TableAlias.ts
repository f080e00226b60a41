/**
 * A table under another name, for a query that reads it twice (self-joins,
 * subqueries over the outer query's table). Re-exported by `Table`.
 *
 * @since 0.1.0
 */
import type { Any, ColumnRef } from "./internal/tableTypes.js"

/**
 * The name a table's columns are qualified with in SQL: its alias, else its name.
 *
 * @since 0.1.0
 * @category naming
 */
export const reference = (table: Any): string => table.alias ?? table.name

/**
 * The same table under another name, for a query that reads it twice — a
 * self-join, or a subquery over the table of its outer query. Columns of the
 * alias (`Manager.c.id`) are qualified with the alias; `FROM` and `JOIN`
 * compile to `"employees" AS "manager"`. Aliases are for reads: a write
 * through one is refused (`Unsupported`).
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Schema } from "effect"
 * import { Expr, Query, Table } from "effect-quarry"
 *
 * class Employee extends Model.Class<Employee>("Employee")({
 *   id: Model.Generated(Schema.Int),
 *   name: Schema.String,
 *   managerId: Schema.NullOr(Schema.Int)
 * }) {}
 * const Employees = Table.make(Employee, { name: "employees" })
 * const Managers = Table.alias(Employees, "managers")
 *
 * // every employee with the name of their manager
 * const withManager = Query.from(Employees).pipe(
 *   Query.leftJoin(Managers, Expr.eq(Employees.c.managerId, Managers.c.id)),
 *   Query.select({ employee: Employees.c.name, manager: Managers.c.name })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const alias = <T extends Any>(table: T, name: string): T => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`Table.alias(${table.name}, ${JSON.stringify(name)}): use letters, digits and _`)
  }
  const c: Record<string, ColumnRef> = {}
  for (const def of table.columns) c[def.field] = { _tag: "Column", table: name, def }
  return { ...table, alias: name, c }
}
