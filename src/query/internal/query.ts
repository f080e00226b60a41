/**
 * The runtime side of query values: one prototype (pipeable), and the
 * helpers the builders share.
 */
import { Pipeable } from "effect"
import type * as Table from "../../schema/Table.js"
import * as Ast from "../Ast.js"
import * as Lookup from "../Lookup.js"
import { TypeId } from "../Typed.js"


const variance = { _A: (_: never) => _, _T: (_: never) => _, _J: (_: never) => _ }

const Proto = {
  [TypeId]: variance,
  pipe() {
    return Pipeable.pipeArguments(this, arguments)
  }
}

/** Whether the first argument of a dual function is a query value (data-first call). */
export const isQuery = (args: IArguments): boolean =>
  typeof args[0] === "object" && args[0] !== null && TypeId in args[0]

type Node = { readonly _tag: string; readonly ast: Ast.Statement }

/** A query value of a kind over an AST. */
export const make = <Q>(tag: string, ast: Ast.Statement): Q => {
  const self = Object.create(Proto)
  self._tag = tag
  self.ast = ast
  return self
}

/** The same SELECT with some parts replaced. */
export const modify = <Q>(self: { readonly ast: Ast.Select }, patch: Partial<Ast.Select>): Q =>
  make("Select", { ...self.ast, ...patch })

const tableOf = (self: Node): Table.Any =>
  self.ast._tag === "Select" ? self.ast.from : (self.ast as Ast.Update | Ast.Delete).table

/** Add a condition (an expression or a lookup) to a SELECT, UPDATE or DELETE. */
export const where = <Q>(self: Node, condition: unknown, exclude: boolean): Q => {
  const ast = self.ast as Ast.Select | Ast.Update | Ast.Delete
  const pred = Ast.isExpr(condition) ? condition : Lookup.make(tableOf(self), condition as Lookup.Lookup<Table.Any>)
  return make(self._tag, { ...ast, where: Ast.andWhere(ast.where, exclude ? { _tag: "NotTrue", expr: pred } : pred) })
}

/** Narrow (or widen back) the base table's selected fields. */
export const fields = <Q>(self: { readonly ast: Ast.Select }, names: ReadonlyArray<string>, only: boolean): Q => {
  const table = self.ast.from
  for (const name of names) table.field(name)
  const current = self.ast.fields ?? table.columns.map((d) => d.field)
  const next = current.filter((f) => names.includes(f) === only)
  return modify(self, { fields: next.length === table.columns.length ? undefined : next })
}
