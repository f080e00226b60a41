/**
 * Relation declarations resolved into links: which column of which table
 * matches which field of a source row. Targets are thunks (tables may refer
 * to each other), so a link is resolved on first use and memoized.
 */
import { Option } from "effect"
import * as Table from "../../schema/Table.js"
import * as Ast from "../../query/Ast.js"
import { memoized } from "../../query/internal/memo.js"

/** @internal */
export type Kind = "HasMany" | "HasOne" | "BelongsTo" | "ManyToMany"

/** A relation as declared (the public `Relation.Def` types are views of this). */
export interface Declared {
  readonly _tag: Kind
  readonly target: () => Table.Any
  readonly foreignKey?: string | undefined
  readonly key?: string | undefined
  readonly through?: (() => Table.Any) | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly targetKey?: string | undefined
}

/** The join table of a many-to-many relation. */
export interface Through {
  readonly table: Table.Any
  /** The join table's field holding the source row's key. */
  readonly from: string
  /** The join table's field holding the target row's key. */
  readonly to: string
  /** The target's field that `to` holds. */
  readonly targetField: string
}

/** A resolved relation. */
export interface Link {
  readonly name: string
  readonly kind: Kind
  readonly source: Table.Any
  readonly target: Table.Any
  /** The field of a source row whose value the related rows are matched by. */
  readonly sourceField: string
  /** The column matched against source keys (of the target, or of the join table). */
  readonly match: Ast.Column
  /** The field of a matched target row holding the key (not for many-to-many, where the join table holds it). */
  readonly targetField: string
  readonly through: Through | undefined
  /** One related row per source row (has-one, belongs-to) rather than a list. */
  readonly single: boolean
  /** A belongs-to whose declared foreign key cannot be NULL: the related row must exist. */
  readonly required: boolean
}

/** Relations of one source table, as declared, with their links memoized. */
export interface Relations {
  readonly table: Table.Any
  readonly defs: { readonly [name: string]: Declared }
}

const column = (table: Table.Any, field: string): Ast.Column => ({ _tag: "Column", table: Table.reference(table), def: table.field(field) })

const fail = (source: Table.Any, name: string, message: string): never => {
  throw new Error(`Relation ${source.name}.${name}: ${message}`)
}

const singleKey = (table: Table.Any, source: Table.Any, name: string): string =>
  table.primaryKey.length === 1
    ? table.primaryKey[0].field
    : fail(source, name, `${table.name} has no single-column primary key; name the key field`)

/** The one column of `from` declared as referencing `to` (and, when given, its field `field`). */
const referencing = (from: Table.Any, to: Table.Any, source: Table.Any, name: string, what: string): string => {
  const found = from.columns.filter((c) => c.references !== undefined && c.references.table().name === to.name)
  if (found.length === 1) return found[0].field
  return fail(
    source,
    name,
    found.length === 0
      ? `no column of ${from.name} references ${to.name}; give ${what}`
      : `several columns of ${from.name} reference ${to.name} (${found.map((c) => c.field).join(", ")}); give ${what}`
  )
}

/** The field a column is declared to reference in `to`, when it names one. */
const referencedField = (table: Table.Any, field: string, to: Table.Any): string | undefined => {
  const ref = table.field(field).references
  return ref !== undefined && ref.table().name === to.name ? ref.field : undefined
}

const checkField = (table: Table.Any, field: string, source: Table.Any, name: string): string => {
  if (!table.columns.some((c) => c.field === field)) fail(source, name, `${table.name} has no field ${field}`)
  return field
}

const resolve = (source: Table.Any, name: string, def: Declared): Link => {
  const target = def.target()
  switch (def._tag) {
    case "HasMany":
    case "HasOne": {
      const fk = checkField(target, def.foreignKey ?? referencing(target, source, source, name, "foreignKey"), source, name)
      const referenced = referencedField(target, fk, source)
      const sourceField = checkField(source, def.key ?? referenced ?? singleKey(source, source, name), source, name)
      return {
        name,
        kind: def._tag,
        source,
        target,
        sourceField,
        match: column(target, fk),
        targetField: fk,
        through: undefined,
        single: def._tag === "HasOne",
        required: false
      }
    }
    case "BelongsTo": {
      const fk = checkField(source, def.foreignKey ?? referencing(source, target, source, name, "foreignKey"), source, name)
      const referenced = referencedField(source, fk, target)
      const targetField = checkField(target, def.key ?? referenced ?? singleKey(target, source, name), source, name)
      return {
        name,
        kind: "BelongsTo",
        source,
        target,
        sourceField: fk,
        match: column(target, targetField),
        targetField,
        through: undefined,
        single: true,
        // only a declared, non-nullable key promises the row (the type says so too)
        required: def.foreignKey !== undefined && !source.field(fk).type.nullable
      }
    }
    case "ManyToMany": {
      const through = def.through!()
      const from = checkField(through, def.from ?? referencing(through, source, source, name, "from"), source, name)
      const to = checkField(through, def.to ?? referencing(through, target, source, name, "to"), source, name)
      const sourceField = checkField(
        source,
        def.key ?? referencedField(through, from, source) ?? singleKey(source, source, name),
        source,
        name
      )
      const targetField = checkField(
        target,
        def.targetKey ?? referencedField(through, to, target) ?? singleKey(target, source, name),
        source,
        name
      )
      return {
        name,
        kind: "ManyToMany",
        source,
        target,
        sourceField,
        match: column(through, from),
        targetField,
        through: { table: through, from, to, targetField },
        single: false,
        required: false
      }
    }
  }
}

const links = memoized<Relations, Link>()

/** The resolved link of a named relation. */
export const linkOf = (relations: Relations, name: string): Link =>
  links(relations, name, () => {
    const def = relations.defs[name]
    if (def === undefined) fail(relations.table, name, "no such relation")
    return resolve(relations.table, name, def)
  })

/** The join of a many-to-many relation's join table onto its target. */
export const throughJoin = (link: Link): ReadonlyArray<Ast.Join> =>
  link.through === undefined ? [] : [{
    _tag: "Join",
    kind: "inner",
    table: link.through.table,
    on: Ast.compare("=", column(link.through.table, link.through.to), column(link.target, link.through.targetField))
  }]

/** The condition tying related rows to the outer query's source row (for correlated subqueries). */
export const correlation = (link: Link): Ast.Expr => Ast.compare("=", link.match, column(link.source, link.sourceField))

/** A key as stored in a row: `Option`s unwrapped, `undefined` as `null`. */
export const keyValue = (value: unknown): unknown =>
  typeof value === "number" || typeof value === "string"
    ? value
    : Option.isOption(value)
    ? Option.getOrNull(value)
    : value === undefined
    ? null
    : value

/** A key usable in a `Map`: numbers and strings as they are; others by value. */
export const keyOf = (value: unknown): unknown => {
  switch (typeof value) {
    case "number":
    case "string":
      return value
    case "bigint":
      return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : `${value}n`
    case "object":
      if (value instanceof Date) return `d${value.getTime()}`
      return value === null ? null : JSON.stringify(value)
    default:
      return value
  }
}

/** Validate declared relations eagerly where no thunk is needed: names must not shadow fields. */
export const checkNames = (table: Table.Any, names: ReadonlyArray<string>): void => {
  for (const name of names) {
    if (table.columns.some((c) => c.field === name)) fail(table, name, `the name is a field of ${table.name}`)
  }
}
