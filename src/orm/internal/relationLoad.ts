/**
 * Loading relations: a plan is a SELECT plus annotations and relations to
 * prefetch. Related rows are read with ONE query per relation level (the
 * keys of every parent in one `IN` list, chunked under the dialect's bind
 * limit), then grouped by key and attached — never one query per parent.
 */
import { Effect, Either } from "effect"
import type { Database, Row } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import * as Table from "../../schema/Table.js"
import * as Ast from "../../query/Ast.js"
import type { Dialect } from "../../dialect/Dialect.js"
import * as QueryError from "../../query/QueryError.js"
import { bind, guard } from "../../query/internal/bind.js"
import { cachedRows, tablesOf } from "../../query/internal/cacheRead.js"
import { typeOf } from "../../query/internal/compileExpr.js"
import { type Compiled, compileSelect, knownCount, segment } from "../../query/internal/compileSelect.js"
import { type DecodeRow, rowDecoder, segmentDecoder } from "../../query/internal/decode.js"
import { keyOf, keyValue, type Link, throughJoin } from "./relationDef.js"
import { memoized } from "../../query/internal/memo.js"

type Failure = QueryError.QueryError | DatabaseError

/** A SELECT over one table (no joins), with annotations and relations to prefetch. */
export interface Plan {
  readonly select: Ast.Select
  readonly annotations: ReadonlyArray<readonly [string, Ast.Expr]>
  readonly prefetches: ReadonlyArray<Prefetch>
}

/** One relation to load onto the rows of a plan. */
export interface Prefetch {
  readonly link: Link
  readonly fetch: Fetch
  /** A missing related row fails with `NotFound` (a declared, non-nullable belongs-to, unfiltered). */
  readonly required: boolean
}

/** How rows are read: the plan's columns as a projection, with its annotations and, for a join table, the key. */
interface Shape {
  readonly plan: Plan
  readonly projection: ReadonlyArray<readonly [string, Ast.Expr]>
  /** The field holding each row's grouping key; undefined: the key is the projected `KEY`. */
  readonly keyField: string | undefined
}

/** Related rows by key: a plan over the target, matched on a column (`IN` keys). */
export interface Fetch extends Shape {
  readonly match: Ast.Column
  readonly joins: ReadonlyArray<Ast.Join>
}

const KEY = "$key"

/** A plan's SELECT with every field in `fields` selected (needed keys are never projected away). */
export const withFields = (select: Ast.Select, fields: ReadonlyArray<string>): Ast.Select =>
  select.fields === undefined || fields.every((f) => select.fields!.includes(f))
    ? select
    : { ...select, fields: [...select.fields, ...fields.filter((f) => !select.fields!.includes(f))] }

const shape = (plan: Plan, key: Ast.Column | undefined, keyField: string | undefined): Shape => {
  const table = plan.select.from
  const seg = segment(table, plan.select.fields, "", false)
  const columns = seg.fields.map((def): readonly [string, Ast.Expr] => [def.field, { _tag: "Column", table: Table.reference(table), def }])
  return {
    plan,
    projection: [...columns, ...plan.annotations, ...(key === undefined ? [] : [[KEY, key] as const])],
    keyField
  }
}

const shapes = new WeakMap<Plan, Shape>()

/** The shape reading a plan's own rows. */
const baseShape = (plan: Plan): Shape => {
  let s = shapes.get(plan)
  if (s === undefined) {
    s = shape(plan, undefined, undefined)
    shapes.set(plan, s)
  }
  return s
}

/**
 * Rows read by key must stay one row per table row, whatever the batch: no
 * grouping, projection or joins. LIMIT / OFFSET apply to each key's rows
 * (numbered in the query's order), so they must be known numbers.
 */
export const checkKeyed = (plan: Plan, what: string): void => {
  const s = plan.select
  const problem = knownCount(s.limit) === null || knownCount(s.offset) === null
    ? "a parameter as LIMIT / OFFSET (per key they must be numbers)"
    : s.groupBy.length > 0 || s.having !== undefined
    ? "GROUP BY / HAVING"
    : s.projection !== undefined
    ? "Query.select (use Query.only / defer, or Relation.annotate)"
    : s.joins.length > 0
    ? "joins"
    : undefined
  if (problem !== undefined) throw new Error(`${what} cannot use ${problem}`)
}

/** The fetch of a link's target rows by source keys, through `plan` (a plan over the target). */
export const makeFetch = (link: Link, plan: Plan): Fetch => {
  const keyed: Plan = link.through === undefined
    ? { ...plan, select: withFields(plan.select, [link.targetField]) }
    : plan
  const joins = throughJoin(link)
  return {
    ...shape(keyed, link.through === undefined ? undefined : link.match, link.through === undefined ? link.targetField : undefined),
    match: link.match,
    joins
  }
}

/** The fetch of a table's rows by one of its fields (lookups by key). */
export const fieldFetch = (plan: Plan, field: string): Fetch => {
  const table = plan.select.from
  const keyed: Plan = { ...plan, select: withFields(plan.select, [field]) }
  return { ...shape(keyed, undefined, field), match: { _tag: "Column", table: Table.reference(table), def: table.field(field) }, joins: [] }
}

/** Decoded rows and, when keyed, each row's key. */
interface Decoded {
  readonly rows: Array<any>
  readonly keys: Array<unknown>
}

const decoders = memoized<Shape, (rows: ReadonlyArray<Row>) => Either.Either<Decoded, QueryError.ValidationError>>()

/** The decoder of a shape's rows (built after a compile, which makes the tables' columns known). */
const decoderOf = (s: Shape, dialect: Dialect) =>
  decoders(s, dialect.name, () => {
    const select = s.plan.select
    const model = segmentDecoder(dialect, segment(select.from, select.fields, "", false))
    const extraEntries = s.projection.slice(segment(select.from, select.fields, "", false).fields.length)
    const extras: DecodeRow | undefined = extraEntries.length === 0
      ? undefined
      : rowDecoder(dialect, { _tag: "Projection", entries: extraEntries.map(([k, e]) => [k, typeOf(e)] as const) })
    const names = s.plan.annotations.map(([k]) => k)
    const keyField = s.keyField
    return (raw) => {
      const rows = new Array<any>(raw.length)
      const keys = new Array<unknown>(raw.length)
      for (let i = 0; i < raw.length; i++) {
        const decoded = model(raw[i])
        if (Either.isLeft(decoded)) return Either.left(decoded.left)
        const row = decoded.right as Record<string, unknown>
        if (extras !== undefined) {
          const more = extras(raw[i])
          if (Either.isLeft(more)) return Either.left(more.left)
          const values = more.right as Record<string, unknown>
          for (const name of names) row[name] = values[name]
          if (keyField === undefined) keys[i] = values[KEY]
        }
        if (keyField !== undefined) keys[i] = row[keyField]
        rows[i] = row
      }
      return Either.right({ rows, keys })
    }
  })

const compiledBases = memoized<Shape, Compiled>()

/** The compiled SELECT of a shape's own plan (memoized: the plan is immutable). */
const compiledBase = (s: Shape, dialect: Dialect): Compiled =>
  compiledBases(s, dialect.name, () => compileSelect(dialect, { ...s.plan.select, projection: s.projection }))

/**
 * Read the rows of `select` (the shape's plan's, or a variant of it) in the
 * shape; through the query cache under a policy (the rows are decoded anew
 * for every read, so they are this module's to attach relations to).
 */
const read = (db: Database, s: Shape, select: Ast.Select, policy: Ast.CachePolicy | undefined): Effect.Effect<Decoded, Failure> =>
  guard(() => {
    const compiled = select === s.plan.select
      ? compiledBase(s, db.dialect)
      : compileSelect(db.dialect, { ...select, projection: s.projection })
    const statement = bind(compiled, undefined)
    const decode = decoderOf(s, db.dialect)
    const rows = policy === undefined ? db.all(statement) : cachedRows(
      db,
      undefined,
      policy,
      compiled,
      statement,
      () => tablesOf({ ...select, projection: s.projection, cache: policy }),
      () => db.all(statement)
    )
    return Effect.flatMap(rows, decode)
  })

const paramCounts = memoized<Fetch, number>()

/** How many parameters a fetch binds besides its keys. */
const paramsOf = (fetch: Fetch, dialect: Dialect): number =>
  paramCounts(fetch, dialect.name, () => {
    const select = fetch.plan.select
    return compileSelect(dialect, {
      ...select,
      joins: [...select.joins, ...fetch.joins],
      projection: fetch.projection,
      partitionBy: fetch.match
    }).params.length
  })

/**
 * The rows of a fetch for the given source keys, grouped by key (NULL keys
 * match nothing), with the fetch's own prefetches loaded onto all of them at
 * once. Read through the query cache when the fetch's query, or the query it
 * is a prefetch of (`inherited`), asks for caching.
 */
export const fetchGroups = (
  db: Database,
  fetch: Fetch,
  sourceKeys: ReadonlyArray<unknown>,
  inherited?: Ast.CachePolicy
): Effect.Effect<Map<unknown, Array<any>>, Failure> => {
  const policy = inherited ?? fetch.plan.select.cache
  const unique = new Map<unknown, unknown>()
  for (const k of sourceKeys) {
    const key = keyValue(k)
    if (key !== null) unique.set(keyOf(key), key)
  }
  if (unique.size === 0) return Effect.succeed(new Map())
  return guard(() => {
    const keys = Array.from(unique.values())
    const size = Math.max(1, db.dialect.maxParams - paramsOf(fetch, db.dialect))
    const chunks: Array<ReadonlyArray<unknown>> = []
    for (let i = 0; i < keys.length; i += size) chunks.push(keys.slice(i, i + size))
    const select = fetch.plan.select
    const joins = fetch.joins.length === 0 ? select.joins : [...select.joins, ...fetch.joins]
    return Effect.forEach(chunks, (chunk) =>
      read(db, fetch, {
        ...select,
        joins,
        where: Ast.andWhere(select.where, { _tag: "In", expr: fetch.match, values: chunk.map(Ast.value), negated: false }),
        partitionBy: fetch.match
      }, policy)).pipe(
        Effect.flatMap((parts) => {
          const rows = parts.length === 1 ? parts[0].rows : parts.flatMap((p) => p.rows)
          const keys = parts.length === 1 ? parts[0].keys : parts.flatMap((p) => p.keys)
          return Effect.as(attachAll(db, fetch.plan.prefetches, rows, policy), { rows, keys })
        }),
        Effect.map(({ keys, rows }) => {
          const groups = new Map<unknown, Array<any>>()
          for (let i = 0; i < rows.length; i++) {
            const key = keyOf(keyValue(keys[i]))
            const group = groups.get(key)
            if (group === undefined) groups.set(key, [rows[i]])
            else group.push(rows[i])
          }
          return groups
        })
      )
  })
}

/** The value of a relation for one source row, from the groups. */
const valueOf = (
  prefetch: Prefetch,
  groups: Map<unknown, Array<any>>,
  row: Record<string, unknown>
): Either.Either<unknown, QueryError.NotFound> => {
  const key = keyValue(row[prefetch.link.sourceField])
  const group = key === null ? undefined : groups.get(keyOf(key))
  if (!prefetch.link.single) return Either.right(group ?? [])
  if (group !== undefined) return Either.right(group[0])
  return prefetch.required
    ? Either.left(new QueryError.NotFound({ table: prefetch.link.target.name, sql: undefined }))
    : Either.right(null)
}

/** Load each prefetch onto rows this module owns (freshly decoded, or copies). */
export const attachAll = (
  db: Database,
  prefetches: ReadonlyArray<Prefetch>,
  rows: ReadonlyArray<Record<string, unknown>>,
  policy?: Ast.CachePolicy
): Effect.Effect<void, Failure> =>
  prefetches.length === 0 || rows.length === 0 ? Effect.void : Effect.forEach(prefetches, (prefetch) => {
    const field = prefetch.link.sourceField
    return Effect.flatMap(fetchGroups(db, prefetch.fetch, rows.map((r) => r[field]), policy), (groups) => {
      for (const row of rows) {
        const value = valueOf(prefetch, groups, row)
        if (Either.isLeft(value)) return Effect.fail(value.left)
        row[prefetch.link.name] = value.right
      }
      return Effect.void
    })
  }, { discard: true })

/** A copy of a row that keeps its prototype (a model stays an instance of its class). */
export const copyRow = <A>(row: A): A => Object.assign(Object.create(Object.getPrototypeOf(row)), row)

/** Every row of a plan, with its annotations and prefetches. */
export const all = (db: Database, plan: Plan): Effect.Effect<Array<any>, Failure> =>
  Effect.flatMap(
    read(db, baseShape(plan), plan.select, plan.select.cache),
    ({ rows }) => Effect.as(attachAll(db, plan.prefetches, rows, plan.select.cache), rows)
  )

const limitAtMost = (limit: Ast.Select["limit"], n: number): Ast.Select["limit"] =>
  limit === undefined || (limit._tag === "Value" && typeof limit.value === "number" && limit.value > n)
    ? Ast.value(n)
    : limit

const variants = memoized<Plan, Plan>()

/** The plan reading at most `n` rows (by the query's order, else the primary key). */
const atMost = (plan: Plan, n: number): Plan =>
  variants(plan, String(n), () => {
    const select = plan.select
    const table: Table.Any = select.from
    const orderBy: ReadonlyArray<Ast.Order> = select.orderBy.length > 0 ? select.orderBy : table.primaryKey.map((def) => ({
      _tag: "Order",
      expr: { _tag: "Column", table: Table.reference(table), def },
      direction: "asc",
      nulls: undefined
    }))
    return { ...plan, select: { ...select, orderBy, limit: limitAtMost(select.limit, n) } }
  })

/** The first row of a plan, if any. */
export const first = (db: Database, plan: Plan): Effect.Effect<any, Failure> =>
  Effect.map(all(db, atMost(plan, 1)), (rows) => rows[0])

/** The one row of a plan: `NotFound` / `MultipleFound` otherwise (reads at most two rows). */
export const get = (db: Database, plan: Plan): Effect.Effect<any, Failure> => {
  const two = atMost(plan, 2)
  return Effect.flatMap(read(db, baseShape(two), two.select, plan.select.cache), ({ rows }) =>
    rows.length === 1
      ? Effect.as(attachAll(db, plan.prefetches, rows, plan.select.cache), rows[0])
      : Effect.fail(
        rows.length === 0
          ? new QueryError.NotFound({ table: plan.select.from.name, sql: undefined })
          : new QueryError.MultipleFound({ table: plan.select.from.name, sql: undefined })
      ))
}
