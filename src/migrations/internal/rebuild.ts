/**
 * SQLite's table rebuild, for the ALTERs it lacks (a column's type,
 * nullability or default; dropping a constrained column; adding or dropping
 * a key or check): the procedure SQLite documents — create the new table
 * under a temporary name, copy the rows, drop the old table, rename the new
 * one, recreate the indexes. Migrations run it inside their transaction with
 * foreign keys off, and run `PRAGMA foreign_key_check` before committing.
 *
 * @internal
 */
import * as Dialect from "../../dialect/Dialect.js"
import { autoIncrementColumn, createIndex, createTableStatement } from "../../schema/internal/ddl.js"
import type * as Snapshot from "../../schema/Snapshot.js"

const d = Dialect.sqlite
const q = d.quote

/** The name the new table is built under. @internal */
export const temporaryName = (table: string) => `__quarry_new_${table}`

/**
 * The statements rebuilding `before` as `after` (same name). Columns in both
 * are copied; `fill` gives the expression copied into a column instead of the
 * old value (a NOT NULL column's NULLs taking its default).
 *
 * @internal
 */
export const rebuild = (
  before: Snapshot.TableSnapshot,
  after: Snapshot.TableSnapshot,
  fill: ReadonlyMap<string, string> = new Map()
): ReadonlyArray<string> => {
  const name = after.name
  const tmp = temporaryName(name)
  const kept = after.columns.filter((c) => before.columns.some((b) => b.name === c.name))
  const out = [
    createTableStatement(after, d, false, tmp),
    `INSERT INTO ${q(tmp)} (${kept.map((c) => q(c.name)).join(", ")}) SELECT ${
      kept.map((c) => fill.get(c.name) ?? q(c.name)).join(", ")
    } FROM ${q(name)}`
  ]
  if (autoIncrementColumn(before) !== undefined && autoIncrementColumn(after) !== undefined) {
    // AUTOINCREMENT never reuses an id: the new table continues the old one's sequence
    const lit = d.stringLiteral
    out.push(
      `INSERT INTO sqlite_sequence (name, seq) SELECT ${lit(tmp)}, 0 WHERE NOT EXISTS ` +
        `(SELECT 1 FROM sqlite_sequence WHERE name = ${lit(tmp)})`,
      `UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = ${
        lit(name)
      }), 0)) WHERE name = ${lit(tmp)}`
    )
  }
  out.push(
    `DROP TABLE ${q(name)}`,
    `ALTER TABLE ${q(tmp)} RENAME TO ${q(name)}`,
    ...after.indexes.map((ix) => createIndex(name, ix, d, false))
  )
  return out
}
