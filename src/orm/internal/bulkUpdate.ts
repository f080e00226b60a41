/**
 * `bulkUpdate`: one UPDATE per chunk of rows,
 * `SET f = CASE WHEN <key of row 1> THEN v1 WHEN … ELSE f END WHERE <key> IN (…)`.
 * Keys are compared through the key columns (so they encode as usual); the
 * new values are encoded here with their column's schema and codec, since a
 * CASE branch has no column to take its type from (PostgreSQL also needs an
 * explicit cast there).
 */
import { Effect, Schema } from "effect"
import * as Database from "../../layers/Database.js"
import * as Codec from "../../schema/Codec.js"
import type * as Table from "../../schema/Table.js"
import * as Expr from "../../query/Expr.js"
import * as Query from "../../query/Query.js"
import * as QueryError from "../../query/QueryError.js"
import { columnSqlType } from "../../schema/internal/ddl.js"

type AnyRow = Record<string, any>

const template = (strings: Array<string>): TemplateStringsArray => Object.assign([...strings], { raw: strings })

export const bulkUpdate = (
  table: Table.Any,
  rows: ReadonlyArray<AnyRow>,
  fields: ReadonlyArray<string>
): Effect.Effect<Database.RunResult, QueryError.QueryError | import("../../layers/DatabaseError.js").DatabaseError, Database.Database> =>
  Effect.flatMap(Database.Database, (db) => {
    const dialect = db.dialect
    const pk = table.primaryKey
    const c = table.c as Record<string, Expr.Expr<any>>
    const targets = fields.map((f) => table.field(f)).filter((d) => !d.primaryKey)
    if (rows.length === 0 || targets.length === 0) return Effect.succeed({ rowsAffected: 0, lastInsertId: undefined })
    const schemaOf = (f: string) => (table.model.fields as Record<string, Schema.Schema.Any>)[f]
    const encoders = targets.map((d) => {
      const encode = Schema.encodeUnknownEither(Schema.Struct({ [d.field]: schemaOf(d.field) }) as unknown as Schema.Schema<AnyRow, AnyRow>)
      const toDriver = Codec.toDriver(dialect, d.type.kind)
      return (row: AnyRow) => {
        const out = encode({ [d.field]: row[d.field] })
        if (out._tag === "Left") throw QueryError.fromParseError(table.name, out.left)
        const v = out.right[d.field]
        return toDriver === undefined ? v : toDriver(v)
      }
    })
    const perRow = targets.length * (pk.length + 1) + pk.length
    const size = Math.max(1, Math.min(1000, Math.floor((dialect.maxParams * 0.9) / perRow)))
    const byKey = (row: AnyRow) => Expr.and(...pk.map((d) => Expr.eq(c[d.field], row[d.field])))
    let statements: Array<Query.Update<Table.Any>>
    try {
      statements = []
      for (let i = 0; i < rows.length; i += size) {
        const chunk = rows.slice(i, i + size)
        const set: AnyRow = {}
        targets.forEach((d, j) => {
          const [open, close] = dialect.castParam === undefined
            ? ["", ""]
            : dialect.castParam(columnSqlType(d, dialect, false))
          const strings = ["CASE"]
          const values: Array<unknown> = []
          for (const row of chunk) {
            strings[strings.length - 1] += " WHEN "
            values.push(byKey(row))
            strings.push(` THEN ${open}`)
            values.push(Expr.value(encoders[j](row)))
            strings.push(close)
          }
          strings[strings.length - 1] += " ELSE "
          values.push(c[d.field])
          strings.push(" END")
          set[d.field] = Expr.sql(template(strings), ...values)
        })
        const where = pk.length === 1
          ? Expr.in(c[pk[0].field], chunk.map((r) => r[pk[0].field]))
          : Expr.or(...chunk.map(byKey))
        statements.push(Query.where(Query.update(table, set as any), where))
      }
    } catch (error) {
      if (error instanceof QueryError.ValidationError) return Effect.fail(error)
      throw error
    }
    const runAll = Effect.map(Effect.forEach(statements, (s) => Query.run(s)), (results) => ({
      rowsAffected: results.reduce((n, r) => n + r.rowsAffected, 0),
      lastInsertId: undefined
    }))
    return statements.length === 1 ? runAll : Database.transaction(runAll)
  })
