/**
 * Drift: how a live database differs from a snapshot, in the catalog's own
 * terms (type names, defaults and referential actions normalized per
 * dialect). Checks are not compared: catalogs rewrite their expressions.
 *
 * @internal
 */
import type * as Dialect from "../../dialect/Dialect.js"
import { autoIncrementColumn, uniqueConstraints } from "../../schema/internal/ddl.js"
import type * as Snapshot from "../../schema/Snapshot.js"
import type { LiveTable } from "./catalog.js"

const collateClause = / character set (\S+) collate (\S+)/i

const pgAliases: ReadonlyArray<readonly [RegExp, string]> = [
  [/^varchar\b/, "character varying"],
  [/^timestamptz\((\d+)\)$/, "timestamp($1) with time zone"],
  [/^timestamptz$/, "timestamp with time zone"],
  [/^int4?$/, "integer"],
  [/^int8$/, "bigint"],
  [/^bool$/, "boolean"],
  [/^float8$/, "double precision"],
  [/^decimal\b/, "numeric"]
]

/** A type name as the dialect's catalog spells it. @internal */
export const normalizeType = (dialect: Dialect.DialectName, type: string): string => {
  let t = type.trim().toLowerCase().replace(/,\s+/g, ",").replace(collateClause, "")
  if (dialect === "postgres") for (const [from, to] of pgAliases) t = t.replace(from, to)
  if (dialect === "mysql") {
    // display widths (int(11)) are not part of the type; MariaDB stores JSON as LONGTEXT
    t = t.replace(/^(int|bigint|smallint|mediumint)\(\d+\)/, "$1").replace(/^json$/, "longtext")
  }
  return t
}

/** A default as a bare value: casts, quotes and case stripped; NULL as none. @internal */
export const normalizeDefault = (d: string | null): string | null => {
  if (d === null) return null
  let v = d.trim()
  for (let prev = ""; prev !== v;) {
    prev = v
    v = v.replace(/::[a-z ]+(\(\d+(,\s*\d+)?\))?$/i, "").replace(/^\((.*)\)$/, "$1")
  }
  if (/^'.*'$/s.test(v)) v = v.slice(1, -1).split("''").join("'")
  v = v.toLowerCase()
  if (v === "true") return "1"
  if (v === "false") return "0"
  return v === "null" ? null : v
}

const noAction = (a: string | null) => (a === null || a === "restrict" ? "no action" : a)

const key = (columns: ReadonlyArray<string>) => columns.join(",")

/** The table a snapshot describes, as a catalog of `dialect` would show it. @internal */
export const expected = (t: Snapshot.TableSnapshot, dialect: Dialect.DialectName): LiveTable => {
  const auto = autoIncrementColumn(t)
  return {
    name: t.name,
    columns: t.columns.map((c) => {
      const type = c === auto ? (dialect === "sqlite" ? "integer" : c.kind._tag === "BigInt" ? "bigint" : dialect === "mysql" ? "int" : "integer") : c.sqlType[dialect]
      return {
        name: c.name,
        type,
        nullable: c.nullable && !t.primaryKey.includes(c.name),
        default: c.defaultByDialect?.[dialect] ?? null,
        collation: collateClause.exec(c.sqlType[dialect])?.[2] ?? null
      }
    }),
    primaryKey: t.primaryKey,
    unique: [...uniqueConstraints(t), ...t.indexes.filter((ix) => ix.unique).map((ix) => ix.columns)],
    indexes: t.indexes.filter((ix) => !ix.unique).map((ix) => ({ name: ix.name, columns: ix.columns })),
    foreignKeys: t.foreignKeys.map((fk) => ({
      column: fk.column,
      table: fk.references.table,
      references: fk.references.column,
      onDelete: fk.onDelete ?? "no action",
      onUpdate: fk.onUpdate ?? "no action",
      name: fk.name
    }))
  }
}

const setDiff = (where: string, what: string, live: ReadonlyArray<string>, want: ReadonlyArray<string>, out: Array<string>) => {
  for (const l of live) if (!want.includes(l)) out.push(`${where}: ${what} (${l}) in the database only`)
  for (const w of want) if (!live.includes(w)) out.push(`${where}: ${what} (${w}) missing from the database`)
}

const compareTable = (dialect: Dialect.DialectName, live: LiveTable, want: LiveTable, out: Array<string>) => {
  const t = want.name
  for (const c of live.columns) {
    const w = want.columns.find((x) => x.name === c.name)
    if (w === undefined) {
      out.push(`${t}.${c.name}: column in the database only`)
      continue
    }
    const [lt, wt] = [normalizeType(dialect, c.type), normalizeType(dialect, w.type)]
    if (lt !== wt) out.push(`${t}.${c.name}: type ${lt}, the snapshot says ${wt}`)
    if (dialect === "mysql" && w.collation !== null && c.collation !== w.collation) {
      out.push(`${t}.${c.name}: collation ${c.collation}, the snapshot says ${w.collation}`)
    }
    if (c.nullable !== w.nullable) out.push(`${t}.${c.name}: ${c.nullable ? "nullable" : "NOT NULL"} in the database`)
    const [ld, wd] = [normalizeDefault(c.default), normalizeDefault(w.default)]
    // identity / serial columns show their sequence as the default
    if (ld !== wd && !(wd === null && ld !== null && ld.startsWith("nextval("))) {
      out.push(`${t}.${c.name}: default ${ld ?? "none"}, the snapshot says ${wd ?? "none"}`)
    }
  }
  for (const w of want.columns) {
    if (!live.columns.some((c) => c.name === w.name)) out.push(`${t}.${w.name}: column missing from the database`)
  }
  if (key(live.primaryKey) !== key(want.primaryKey)) {
    out.push(`${t}: primary key (${key(live.primaryKey)}), the snapshot says (${key(want.primaryKey)})`)
  }
  setDiff(t, "unique", live.unique.map(key), want.unique.map(key), out)
  // InnoDB keeps an index named after each foreign key that had none to use
  const fkNames = new Set(live.foreignKeys.map((fk) => fk.name))
  const liveIndexes = live.indexes.filter((ix) => !(dialect === "mysql" && fkNames.has(ix.name)))
  setDiff(t, "index", liveIndexes.map((ix) => key(ix.columns)), want.indexes.map((ix) => key(ix.columns)), out)
  const fk = (f: LiveTable["foreignKeys"][number]) =>
    `${f.column} -> ${f.table}.${f.references} on delete ${noAction(f.onDelete)} on update ${noAction(f.onUpdate)}`
  setDiff(t, "foreign key", live.foreignKeys.map(fk), want.foreignKeys.map(fk), out)
}

/** Every difference between the live tables and the snapshot. @internal */
export const drift = (
  dialect: Dialect.DialectName,
  live: ReadonlyArray<LiveTable>,
  snapshot: Snapshot.Snapshot
): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const l of live) {
    const s = snapshot.tables.find((t) => t.name === l.name)
    if (s === undefined) out.push(`table ${l.name} in the database only`)
    else compareTable(dialect, l, expected(s, dialect), out)
  }
  for (const s of snapshot.tables) {
    if (!live.some((l) => l.name === s.name)) out.push(`table ${s.name} missing from the database`)
  }
  return out
}
