import { DateTime, Effect, PubSub, Schema, Stream } from "effect"
import * as Database from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as ColumnType from "../../schema/ColumnType.js"
import type * as Table from "../../schema/Table.js"
import * as Ast from "../../query/Ast.js"
import * as Expr from "../../query/Expr.js"
import * as Lookup from "../../query/Lookup.js"
import * as Query from "../../query/Query.js"
import * as QueryError from "../../query/QueryError.js"
import type * as Repository from "./repositoryTypes.js"
import { bulkUpdate } from "./bulkUpdate.js"

type AnyRow = Record<string, any>
type Failure = QueryError.QueryError | DatabaseError

export const invalid = (field: string, reason: string): Effect.Effect<never, QueryError.ValidationError> =>
  Effect.fail(new QueryError.ValidationError({ table: undefined, column: field, reason, cause: undefined }))

/** A schema-level failure, named by table and (when the schema says) field. */
const validation = (table: Table.Any) => (error: unknown) =>
  QueryError.fromParseError(table.name, error as any)

/** The encoded side of "now" for a date-time kind. */
const encodedNow = (kind: ColumnType.Kind, now: Date): unknown => {
  const encoded = kind._tag === "DateTime" ? kind.encoded : "date"
  switch (encoded) {
    case "string":
      return now.toISOString()
    case "number":
      return now.getTime()
    case "datetime":
      return DateTime.unsafeFromDate(now)
    default:
      return now
  }
}

const stampFields = (table: Table.Any, option: Repository.Options<any, any, any>["timestamps"]) => {
  if (option === false) return { createdAt: undefined, updatedAt: undefined }
  const has = (f: string | undefined) => (f !== undefined && table.columns.some((c) => c.field === f) ? f : undefined)
  return {
    createdAt: has(option?.createdAt ?? "createdAt"),
    updatedAt: has(option?.updatedAt ?? "updatedAt")
  }
}

export const make = <T extends Table.Any, E, R>(
  table: T,
  options: Repository.Options<T, E, R> = {}
): Repository.Repository<T, E, R> => {
  if (table.primaryKey.length === 0) throw new Error(`Repository ${table.name}: the table needs a primary key`)
  const fields = table.model.fields as Record<string, Schema.Schema.Any | Schema.PropertySignature.Any>
  const hub = Effect.runSync(PubSub.unbounded<Repository.Change<T>>())
  const stamps = stampFields(table, options.timestamps)
  const c = table.c as Record<string, Expr.Expr<any>>

  // one decoder per field, built on first use (timestamps and soft delete run on every write)
  const decoders = new Map<string, (u: unknown) => AnyRow>()
  /** A field's decoded value from its encoded form. */
  const decodeField = (field: string, encoded: unknown): unknown => {
    let decode = decoders.get(field)
    if (decode === undefined) {
      decode = Schema.decodeUnknownSync(Schema.Struct({ [field]: fields[field] }) as unknown as Schema.Schema<AnyRow, any>)
      decoders.set(field, decode)
    }
    return decode({ [field]: encoded })[field]
  }

  /** The current time as the decoded value of a date-time field. */
  const nowFor = (field: string): Effect.Effect<unknown> =>
    Effect.map(DateTime.now, (now) => decodeField(field, encodedNow(table.field(field).type.kind, DateTime.toDateUtc(now))))

  /** The field's decoded form of SQL NULL (`null`, or `Option.none()` for optional fields). */
  const nullFor = (field: string): unknown => decodeField(field, null)

  const soft = options.softDelete === undefined ? undefined : c[options.softDelete]
  const live: Expr.Predicate | undefined = soft === undefined ? undefined : Expr.isNull(soft)
  const scoped = <Q extends Query.Filterable>(q: Q): Q => (live === undefined ? q : Query.where(q, live) as Q)
  const base = Query.from(table)
  const scope = scoped(base)
  const condition = (cond: Repository.Condition<T>): Expr.Predicate =>
    Ast.isExpr(cond) ? (cond as Expr.Predicate) : Lookup.make(table, cond as Lookup.Lookup<T>)
  const byKey = (row: AnyRow): Expr.Predicate =>
    Expr.and(...table.primaryKey.map((d) => Expr.eq(c[d.field], row[d.field])))
  const byKeys = (rows: ReadonlyArray<AnyRow>): Expr.Predicate =>
    table.primaryKey.length === 1
      ? Expr.in(c[table.primaryKey[0].field], rows.map((r) => r[table.primaryKey[0].field]))
      : Expr.or(...rows.map(byKey))

  const publish = (change: Repository.Change<T>) => PubSub.publish(hub, change)
  const afterCommit = (action: Effect.Effect<void, never, R>) => Database.afterCommit(action)

  const clean = (row: any) => (options.clean === undefined ? Effect.void : options.clean(row))
  // every field at fault, not only the first: a form (or an HTTP 400) reports them all
  const validateInsert = (row: AnyRow) =>
    Effect.mapError(Schema.encodeUnknown(table.model.insert)(row, { errors: "all" }), validation(table))
  const validateRow = (row: AnyRow) =>
    Effect.mapError(Schema.encodeUnknown(table.model as Schema.Schema<any, any>)(row, { errors: "all" }), validation(table))

  const withCreateStamp = (row: AnyRow): Effect.Effect<AnyRow> =>
    stamps.createdAt === undefined || row[stamps.createdAt] !== undefined ||
      !table.field(stamps.createdAt).insertable
      ? Effect.succeed(row)
      : Effect.map(nowFor(stamps.createdAt), (now) => ({ ...row, [stamps.createdAt!]: now }))
  const withUpdateStamp = (values: AnyRow): Effect.Effect<AnyRow> =>
    stamps.updatedAt === undefined
      ? Effect.succeed(values)
      : Effect.map(nowFor(stamps.updatedAt), (now) => ({ ...values, [stamps.updatedAt!]: now }))

  const updatable = (row: AnyRow): AnyRow => {
    const out: AnyRow = {}
    for (const d of table.columns) if (d.updatable && !d.primaryKey && d.field in row) out[d.field] = row[d.field]
    return out
  }

  const get = (cond: Repository.Condition<T>) => Query.get(Query.where(scope, condition(cond)))

  const create = (row: Table.Insert<T>) =>
    Database.transaction(Effect.gen(function*() {
      const values = yield* withCreateStamp(row as AnyRow)
      yield* validateInsert(values)
      yield* clean(values)
      if (options.beforeCreate) yield* options.beforeCreate(values as Table.Insert<T>)
      const stored = (yield* Query.get(Query.insert(table, values as Table.Insert<T>).pipe(Query.returning()))) as Table.Row<T>
      yield* afterCommit(Effect.zipRight(
        options.afterSave ? options.afterSave(stored, true) : Effect.void,
        publish({ _tag: "Created", table: table.name, row: stored })
      ))
      return stored
    }))

  const save = (row: Table.Row<T>) =>
    Database.transaction(Effect.gen(function*() {
      yield* validateRow(row as AnyRow)
      yield* clean(row)
      if (options.beforeUpdate) yield* options.beforeUpdate(row)
      const values = yield* withUpdateStamp(updatable(row as AnyRow))
      const stored = (yield* Query.get(
        Query.update(table, values as any).pipe(Query.where(byKey(row as AnyRow)), Query.returning())
      )) as Table.Row<T>
      yield* afterCommit(Effect.zipRight(
        options.afterSave ? options.afterSave(stored, false) : Effect.void,
        publish({ _tag: "Updated", table: table.name, row: stored })
      ))
      return stored
    }))

  const afterDeleted = (row: Table.Row<T>) =>
    afterCommit(Effect.zipRight(
      options.afterDelete ? options.afterDelete(row) : Effect.void,
      publish({ _tag: "Deleted", table: table.name, row })
    ))

  /** Delete (or soft-delete) rows already in hand, by key. */
  const deleteRows = (rows: ReadonlyArray<Table.Row<T>>): Effect.Effect<number, Failure, Database.Database> => {
    if (rows.length === 0) return Effect.succeed(0)
    const where = byKeys(rows as ReadonlyArray<AnyRow>)
    const write = soft === undefined
      ? Query.run(Query.where(Query.delete(table), where))
      : Effect.flatMap(nowFor(options.softDelete!), (now) =>
        Query.run(scoped(Query.where(Query.update(table, { [options.softDelete!]: now } as any), where))))
    return Effect.map(write, (r) => r.rowsAffected)
  }

  const remove = (row: Table.Row<T>) =>
    Database.transaction(Effect.gen(function*() {
      if (options.beforeDelete) yield* options.beforeDelete(row)
      const n = yield* deleteRows([row])
      if (n === 0) return yield* Effect.fail(new QueryError.NotFound({ table: table.name, sql: undefined }))
      yield* afterDeleted(row)
    }))

  // rows deleted by condition are read first (in the same transaction) for the hooks and events
  const chunk = 500
  const deleteWhere = (cond: Repository.Condition<T>) =>
    Database.transaction(Effect.gen(function*() {
      const rows = (yield* Query.all(Query.where(scope, condition(cond)))) as ReadonlyArray<Table.Row<T>>
      if (options.beforeDelete) yield* Effect.forEach(rows, options.beforeDelete, { discard: true })
      let n = 0
      for (let i = 0; i < rows.length; i += chunk) n += yield* deleteRows(rows.slice(i, i + chunk))
      yield* Effect.forEach(rows, afterDeleted, { discard: true })
      return n
    }))

  const updateWhere = (cond: Repository.Condition<T>, values: AnyRow) =>
    Database.transaction(Effect.gen(function*() {
      const stamped = yield* withUpdateStamp(values)
      const rows = (yield* Query.all(
        Query.update(table, stamped as any).pipe(scoped, Query.where(condition(cond)), Query.returning())
      )) as ReadonlyArray<Table.Row<T>>
      yield* afterCommit(Effect.forEach(rows, (row) => publish({ _tag: "Updated", table: table.name, row }), {
        discard: true
      }))
      return rows.length
    }))

  const lookupOf = (lookup: AnyRow): Expr.Predicate =>
    Expr.and(...Object.keys(lookup).map((f) => Expr.eq(c[f], lookup[f])))

  /** Create, and when a racing writer won the unique key, read its row instead. */
  const createOrFind = (lookup: AnyRow, row: AnyRow) =>
    create(row as Table.Insert<T>).pipe(
      Effect.map((r) => [r, true] as const),
      Effect.catchTag("UniqueViolation", (violation) =>
        get(lookupOf(lookup)).pipe(
          Effect.map((r) => [r, false] as const),
          Effect.catchTag("NotFound", () => Effect.fail(violation))
        ))
    )

  const getOrCreate = (lookup: AnyRow, defaults: AnyRow = {}) =>
    get(lookupOf(lookup)).pipe(
      Effect.map((r) => [r, false] as const),
      Effect.catchTag("NotFound", () => createOrFind(lookup, { ...defaults, ...lookup }))
    )

  const merged = (row: Table.Row<T>, values: AnyRow) => ({ ...(row as AnyRow), ...values }) as Table.Row<T>
  const updateOrCreate = (lookup: AnyRow, values: AnyRow) =>
    get(lookupOf(lookup)).pipe(
      Effect.flatMap((row) => Effect.map(save(merged(row, values)), (r) => [r, false] as const)),
      Effect.catchTag("NotFound", () =>
        Effect.flatMap(
          createOrFind(lookup, { ...values, ...lookup }),
          ([row, created]): Effect.Effect<readonly [Table.Row<T>, boolean], Failure | E, Database.Database | R> =>
            created ? Effect.succeed([row, true]) : Effect.map(save(merged(row, values)), (r) => [r, false])
        ))
    )

  const bulkCreate = (rows: Iterable<Table.Insert<T>>) =>
    Database.transaction(Effect.gen(function*() {
      const values = yield* Effect.forEach(Array.from(rows), (row) =>
        Effect.tap(withCreateStamp(row as AnyRow), (v) => Effect.zipRight(validateInsert(v), clean(v))))
      if (values.length === 0) return [] as ReadonlyArray<Table.Row<T>>
      const stored = (yield* Query.all(
        Query.insertMany(table, values as Array<Table.Insert<T>>).pipe(Query.returning())
      )) as ReadonlyArray<Table.Row<T>>
      yield* afterCommit(Effect.forEach(stored, (row) => publish({ _tag: "Created", table: table.name, row }), {
        discard: true
      }))
      return stored
    }))

  return {
    table,
    query: scope,
    withDeleted: base,
    filter: (cond) => Query.where(scope, condition(cond)),
    exclude: (cond) => Query.exclude(scope, condition(cond)),
    all: Query.all(scope),
    get,
    first: Query.first(scope),
    last: Query.last(scope),
    count: (cond) => Query.count(cond === undefined ? scope : Query.where(scope, condition(cond))),
    exists: (cond) => Query.exists(cond === undefined ? scope : Query.where(scope, condition(cond))),
    create,
    save,
    remove,
    refresh: (row) => Query.get(Query.where(base, byKey(row as AnyRow))),
    update: (cond, values) => updateWhere(cond, values as AnyRow),
    delete: deleteWhere,
    restore: (row) =>
      soft === undefined
        ? Query.get(Query.where(base, byKey(row as AnyRow)))
        : Query.get(
          Query.update(table, { [options.softDelete!]: nullFor(options.softDelete!) } as any).pipe(
            Query.where(byKey(row as AnyRow)),
            Query.returning()
          )
        ) as Effect.Effect<Table.Row<T>, Failure, Database.Database>,
    getOrCreate: (lookup, defaults) => getOrCreate(lookup as AnyRow, defaults as AnyRow | undefined),
    updateOrCreate: (lookup, values) => updateOrCreate(lookup as AnyRow, values as AnyRow),
    bulkCreate,
    bulkUpdate: (rows, fieldNames) => bulkUpdate(table, Array.from(rows) as Array<AnyRow>, fieldNames),
    toJSON: (row) => Effect.mapError(Schema.encodeUnknown(table.model.json)(row), validation(table)),
    changes: Stream.unwrapScoped(Effect.map(PubSub.subscribe(hub), Stream.fromQueue))
  } as Repository.Repository<T, E, R>
}

