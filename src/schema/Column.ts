/**
 * Column facts that a schema cannot say by itself: SQL type overrides, and the
 * schemas Quarry ships for exact decimals, JSON and custom SQL types.
 *
 * Table-level facts (primary key, unique, index, default, foreign key, check,
 * column name) are options of `Table.make`; these annotations travel with a
 * field's schema, so a custom type declares its SQL type once and every table
 * that uses it agrees.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type * as Dialect from "../dialect/Dialect.js"

/**
 * @since 0.1.0
 * @category annotations
 */
export const SqlTypeId: unique symbol = Symbol.for("effect-quarry/Column/SqlType")

/**
 * A SQL type per dialect, or one type for all of them.
 *
 * @since 0.1.0
 * @category models
 */
export type SqlType = Dialect.SqlType

/**
 * @since 0.1.0
 * @category annotations
 */
export const DecimalId: unique symbol = Symbol.for("effect-quarry/Column/Decimal")

/**
 * Precision and scale of an exact decimal column.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecimalSpec {
  readonly precision: number
  readonly scale: number
}

/**
 * Declare the SQL type of a schema (a custom type, or an override of the
 * derived type). Values still go through the schema's own encoding.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Column } from "effect-quarry"
 *
 * // a point stored as "x,y" text, decoded to a tuple
 * const Point = Schema.transform(Schema.String, Schema.Tuple(Schema.Number, Schema.Number), {
 *   decode: (s) => s.split(",").map(Number) as [number, number],
 *   encode: ([x, y]) => `${x},${y}`
 * }).pipe(Column.sqlType({ sqlite: "TEXT", postgres: "text", mysql: "VARCHAR(64)" }))
 * ```
 *
 * @since 0.1.0
 * @category annotations
 */
export const sqlType = (type: SqlType) => <S extends Schema.Schema.Any>(self: S): S =>
  self.annotations({ [SqlTypeId]: type }) as S

/**
 * An exact decimal, decoded to `BigDecimal`. Stored as NUMERIC/DECIMAL(p, s) on
 * PostgreSQL and MySQL, and as TEXT on SQLite (which has no exact decimal).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Decimal = (precision: number, scale: number) =>
  Schema.BigDecimal.annotations({ [DecimalId]: { precision, scale } satisfies DecimalSpec })

/**
 * An exact decimal kept as its decimal string; it comes back in canonical form
 * (no trailing fractional zeros: `"1.50"` reads as `"1.5"`) on every dialect.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DecimalString = (precision: number, scale: number) =>
  Schema.String.pipe(
    Schema.pattern(/^-?\d+(\.\d+)?$/),
    Schema.annotations({ [DecimalId]: { precision, scale } satisfies DecimalSpec })
  )

/**
 * A JSON column holding any value the given schema describes. Stored as `jsonb`
 * on PostgreSQL, `JSON` on MySQL and TEXT on SQLite.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Json = <S extends Schema.Schema.Any>(schema: S) => schema.annotations({ [JsonId]: true }) as S

/**
 * @since 0.1.0
 * @category annotations
 */
export const JsonId: unique symbol = Symbol.for("effect-quarry/Column/Json")
