/**
 * The runtime of `Relation`: relation sets, eager query values (a plan
 * carried by a pipeable value), and the entry points over the loader.
 */
import { Effect, Option, Pipeable } from "effect"
import { Database } from "../../layers/Database.js"
import type * as Table from "../../schema/Table.js"
import * as Ast from "../../query/Ast.js"
import * as QueryError from "../../query/QueryError.js"
import { load as batchedLoad } from "./relationBatch.js"
import { checkNames, type Declared, linkOf, type Link, type Relations } from "./relationDef.js"
import * as Filter from "./relationFilter.js"
import * as Load from "./relationLoad.js"
import * as Write from "./relationWrite.js"
import { make as makeQuery } from "../../query/internal/query.js"
import { memoized } from "../../query/internal/memo.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-quarry/Relation")

interface RelationsValue extends Relations {
  readonly [TypeId]: typeof TypeId
}

/** @internal */
export const define = (table: Table.Any, defs: { readonly [name: string]: Declared }): RelationsValue => {
  checkNames(table, Object.keys(defs))
  return { [TypeId]: TypeId, table, defs }
}

const variance = { _A: (_: never) => _, _T: (_: never) => _ }

/** An eager query value: a plan, pipeable. */
interface EagerValue {
  readonly _tag: "Eager"
  readonly plan: Load.Plan
  readonly query: { readonly ast: Ast.Select }
}

const EagerProto = {
  [TypeId]: variance,
  _tag: "Eager",
  pipe() {
    return Pipeable.pipeArguments(this, arguments)
  }
}

type Source = { readonly _tag: "Select"; readonly ast: Ast.Select } | EagerValue

const makeEager = (plan: Load.Plan): EagerValue => {
  const self = Object.create(EagerProto)
  self.plan = plan
  self.query = makeQuery("Select", plan.select)
  return self
}

const planOf = (source: Source): Load.Plan =>
  source._tag === "Eager" ? source.plan : { select: source.ast, annotations: [], prefetches: [] }

const fieldsOf = (table: Table.Any): ReadonlySet<string> => new Set(table.columns.map((c) => c.field))

/** A related rows' plan must keep one row per related row. */
const checkChild = (link: Link, plan: Load.Plan): Load.Plan => {
  Load.checkKeyed(plan, `Relation ${link.source.name}.${link.name}: a loading query`)
  if (plan.select.from.name !== link.target.name) {
    throw new Error(`Relation ${link.source.name}.${link.name}: a loading query must be over ${link.target.name}`)
  }
  return plan
}

const childPlan = (link: Link, customize: ((q: any) => Source) | undefined): Load.Plan => {
  const select = Ast.select(link.target)
  if (customize === undefined) return { select, annotations: [], prefetches: [] }
  return checkChild(link, planOf(customize(makeQuery("Select", select))))
}

const prefetchOf = (relations: Relations, name: string, customize: ((q: any) => Source) | undefined): Load.Prefetch => {
  const link = linkOf(relations, name)
  return {
    link,
    fetch: Load.makeFetch(link, childPlan(link, customize)),
    required: link.required && customize === undefined
  }
}

const loaders = memoized<Relations, Load.Prefetch>()

/** The prefetch step of an uncustomized relation, memoized so that its loads batch together. */
const sharedStep = (relations: Relations, name: string): Load.Prefetch =>
  loaders(relations, name, () => prefetchOf(relations, name, undefined))

const taken = (plan: Load.Plan): Set<string> =>
  new Set([...fieldsOf(plan.select.from), ...plan.annotations.map(([k]) => k), ...plan.prefetches.map((p) => p.link.name)])

/** @internal */
export const prefetch = (relations: RelationsValue, name: string, customize?: (q: any) => Source) => {
  const step = customize === undefined ? sharedStep(relations, name) : prefetchOf(relations, name, customize)
  return (self: Source): EagerValue => {
    const plan = planOf(self)
    if (plan.select.from.name !== relations.table.name) {
      throw new Error(`Relation.prefetch: ${name} is a relation of ${relations.table.name}, not of ${plan.select.from.name}`)
    }
    if (taken(plan).has(name)) throw new Error(`Relation.prefetch: ${name} is already a field, annotation or prefetch`)
    return makeEager({
      ...plan,
      select: Load.withFields(plan.select, [step.link.sourceField]),
      prefetches: [...plan.prefetches, step]
    })
  }
}

/** @internal */
export const annotate = (fields: { readonly [key: string]: Ast.Expr }) => (self: Source): EagerValue => {
  const plan = planOf(self)
  const names = taken(plan)
  for (const name of Object.keys(fields)) {
    if (names.has(name)) throw new Error(`Relation.annotate: ${name} is already a field, annotation or prefetch`)
  }
  return makeEager({ ...plan, annotations: [...plan.annotations, ...Object.entries(fields)] })
}

/** @internal */
export const all = (self: Source): Effect.Effect<any, any, Database> =>
  Effect.flatMap(Database, (db) => Load.all(db, planOf(self)))

/** @internal */
export const first = (self: Source): Effect.Effect<any, any, Database> =>
  Effect.flatMap(Database, (db) => Effect.map(Load.first(db, planOf(self)), Option.fromNullable))

/** @internal */
export const get = (self: Source): Effect.Effect<any, any, Database> =>
  Effect.flatMap(Database, (db) => Load.get(db, planOf(self)))

/** @internal */
export const load = (relations: RelationsValue, name: string, customize?: (q: any) => Source) => {
  const step = customize === undefined ? sharedStep(relations, name) : prefetchOf(relations, name, customize)
  return (rows: ReadonlyArray<object>): Effect.Effect<any, any, Database> =>
    Effect.flatMap(Database, (db) => {
      const copies = rows.map(Load.copyRow) as Array<Record<string, unknown>>
      return Effect.as(Load.attachAll(db, [step], copies), copies)
    })
}

/** @internal */
export const loadOne = (relations: RelationsValue, name: string, customize?: (q: any) => Source) => {
  const step = customize === undefined ? sharedStep(relations, name) : prefetchOf(relations, name, customize)
  const link = step.link
  return (row: Record<string, unknown>): Effect.Effect<any, any, Database> =>
    Effect.flatMap(batchedLoad(step.fetch, row[link.sourceField]), (rows) => {
      if (!link.single) return Effect.succeed(rows)
      if (rows.length > 0) return Effect.succeed(rows[0])
      return step.required ? Effect.fail(new QueryError.NotFound({ table: link.target.name, sql: undefined })) : Effect.succeed(null)
    })
}

/** @internal */
export const whereHas = (negated: boolean) => (relations: RelationsValue, name: string, condition?: unknown): any => {
  const link = linkOf(relations, name)
  return Filter.exists(link, condition, negated)
}

/** @internal */
export const count = (relations: RelationsValue, name: string, condition?: unknown): any => {
  const link = linkOf(relations, name)
  return Filter.count(link, condition)
}

/** @internal */
export const add = (relations: RelationsValue, name: string) => {
  const link = linkOf(relations, name)
  return (row: any, targets: Iterable<unknown>, extra?: object): Effect.Effect<number, any, Database> =>
    Write.add(link, row, targets, extra)
}

/** @internal */
export const remove = (relations: RelationsValue, name: string) => {
  const link = linkOf(relations, name)
  return (row: any, targets: Iterable<unknown>): Effect.Effect<number, any, Database> => Write.remove(link, row, targets)
}

/** @internal */
export const set = (relations: RelationsValue, name: string) => {
  const link = linkOf(relations, name)
  return (row: any, targets: Iterable<unknown>, extra?: object): Effect.Effect<any, any, Database> =>
    Write.set(link, row, targets, extra)
}
