/**
 * `inspect schema --as-model`: Quarry source for existing tables, a
 * `Model.Class` and a `Table.make` per table, the way `drizzle-kit pull` and
 * Django's `inspectdb` write models for a database they did not create.
 * Column names are kept as they are (`naming: "preserve"`); a type Quarry has
 * no schema for keeps its SQL type (`Column.sqlType`).
 *
 * @internal
 */
import type { LiveColumn, LiveTable } from "../../migrations/internal/catalog.js"

const pascal = (name: string): string =>
  name.split(/[^A-Za-z0-9]+/).filter((p) => p !== "").map((p) => p[0].toUpperCase() + p.slice(1)).join("") || "T"

const names = (table: string) => {
  const plural = pascal(table)
  const singular = /ies$/.test(plural) ? plural.replace(/ies$/, "y") : /[^s]s$/.test(plural) ? plural.slice(0, -1) : plural
  const variable = /^[0-9]/.test(plural) ? `T${plural}` : plural
  const model = /^[0-9]/.test(singular) ? `T${singular}` : singular
  return { model, table: model === variable ? `${variable}Table` : variable }
}

const key = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name))

const integer = /^(int|integer|int4|smallint|int2|mediumint|tinyint|serial|smallserial)(\(\d+\))?( unsigned)?$/
const big = /^(bigint|int8|bigserial)(\(\d+\))?( unsigned)?$/

/** The schema of a column type, and the imports it needs. */
const schemaOf = (c: LiveColumn): { readonly schema: string; readonly column?: boolean } => {
  const t = c.type.toLowerCase().trim()
  let m: RegExpExecArray | null
  if (t === "tinyint(1)" || t === "boolean" || t === "bool") return { schema: "Schema.Boolean" }
  if (integer.test(t)) return { schema: "Schema.Int" }
  if (big.test(t)) return { schema: "Schema.BigInt" }
  if (/^(real|double|double precision|float|float4|float8|double\(\d+,\d+\))$/.test(t)) return { schema: "Schema.Number" }
  if ((m = /^(?:numeric|decimal)\((\d+),\s*(\d+)\)/.exec(t)) !== null) return { schema: `Column.Decimal(${m[1]}, ${m[2]})`, column: true }
  if (t === "uuid") return { schema: "Schema.UUID" }
  if ((m = /^(?:varchar|character varying|char|character|nvarchar)\((\d+)\)$/.exec(t)) !== null) {
    return { schema: `Schema.String.pipe(Schema.maxLength(${m[1]}))` }
  }
  if (/^(text|tinytext|mediumtext|longtext|varchar|character varying|clob)$/.test(t)) return { schema: "Schema.String" }
  if (/^(timestamp|datetime|date)/.test(t) && !/^date$/.test(t)) return { schema: "Schema.Date" }
  if (/^(json|jsonb)$/.test(t)) return { schema: "Column.Json(Schema.Unknown)", column: true }
  if (/^(blob|bytea|longblob|mediumblob|tinyblob|binary|varbinary)/.test(t)) return { schema: "Schema.Uint8ArrayFromSelf" }
  // no Quarry schema for it: keep the database's type
  return { schema: `Schema.String.pipe(Column.sqlType(${JSON.stringify(c.type)}))`, column: true }
}

const isSequenceDefault = (d: string | null) => d !== null && /nextval\(|auto_increment|generated/i.test(d)

/** Source for these tables (a `references` to a table not among them stays a comment). @internal */
export const source = (tables: ReadonlyArray<LiveTable>): string => {
  const byName = new Map(tables.map((t) => [t.name, names(t.name)]))
  let usesColumn = false
  const blocks = tables.map((t) => {
    const n = byName.get(t.name)!
    const generated = t.primaryKey.length === 1 &&
      /int|serial/i.test(t.columns.find((c) => c.name === t.primaryKey[0])?.type ?? "")
        ? t.primaryKey[0]
        : undefined
    const fields = t.columns.map((c) => {
      const s = schemaOf(c)
      if (s.column === true) usesColumn = true
      let schema = c.nullable ? `Schema.NullOr(${s.schema})` : s.schema
      if (c.name === generated) schema = `Model.Generated(${schema})`
      return `  ${key(c.name)}: ${schema}`
    })
    const columns: Array<string> = []
    for (const c of t.columns) {
      const options: Array<string> = []
      if (t.unique.some((u) => u.length === 1 && u[0] === c.name)) options.push("unique: true")
      if (t.indexes.some((i) => i.columns.length === 1 && i.columns[0] === c.name)) options.push("index: true")
      if (c.default !== null && !isSequenceDefault(c.default) && c.name !== generated) {
        options.push(`default: Table.sql(${JSON.stringify(c.default)})`)
      }
      const fk = t.foreignKeys.find((f) => f.column === c.name)
      if (fk !== undefined) {
        const target = byName.get(fk.table)
        const actions = [
          fk.onDelete !== "no action" && fk.onDelete !== "" ? `onDelete: ${JSON.stringify(fk.onDelete)}` : undefined,
          fk.onUpdate !== "no action" && fk.onUpdate !== "" ? `onUpdate: ${JSON.stringify(fk.onUpdate)}` : undefined
        ].filter((a) => a !== undefined)
        if (target !== undefined) {
          options.push(`references: { ${[`table: () => ${target.table}`, `field: ${JSON.stringify(fk.references)}`, ...actions].join(", ")} }`)
        } else {
          columns.push(`    // ${key(c.name)} references ${fk.table}(${fk.references}): inspect that table too to declare it`)
        }
      }
      if (options.length > 0) columns.push(`    ${key(c.name)}: { ${options.join(", ")} }`)
    }
    const tableOptions = [`  name: ${JSON.stringify(t.name)}`, `  naming: "preserve"`]
    if (!(t.primaryKey.length === 1 && t.primaryKey[0] === "id")) {
      tableOptions.push(
        t.primaryKey.length === 1
          ? `  primaryKey: ${JSON.stringify(t.primaryKey[0])}`
          : `  primaryKey: ${JSON.stringify(t.primaryKey)}`
      )
    }
    if (columns.length > 0) tableOptions.push(`  columns: {\n${columns.join(",\n")}\n  }`)
    const multiUnique = t.unique.filter((u) => u.length > 1)
    if (multiUnique.length > 0) tableOptions.push(`  unique: ${JSON.stringify(multiUnique)}`)
    const multiIndex = t.indexes.filter((i) => i.columns.length > 1)
    if (multiIndex.length > 0) {
      tableOptions.push(`  indexes: [${multiIndex.map((i) => `{ fields: ${JSON.stringify(i.columns)} }`).join(", ")}]`)
    }
    const note = t.primaryKey.length === 0 ? `// ${t.name} has no primary key: Quarry needs one to write it by key\n` : ""
    return `${note}export class ${n.model} extends Model.Class<${n.model}>(${JSON.stringify(n.model)})({\n${fields.join(",\n")}\n}) {}\n\n` +
      `export const ${n.table} = Table.make(${n.model}, {\n${tableOptions.join(",\n")}\n})\n`
  })
  const header = `// Generated by \`quarry inspect schema --as-model\` from the database's catalog: review it.\n` +
    `import { Model } from "@effect/sql"\nimport { Schema } from "effect"\n` +
    `import { ${usesColumn ? "Column, " : ""}Table } from "effect-quarry"\n`
  return `${header}\n${blocks.join("\n")}`
}
