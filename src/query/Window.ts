/**
 * Window functions: rankings and aggregates computed over the rows of the
 * current row's partition, for `Query.select` and `Query.orderBy` (not for
 * `where`: SQL computes them after filtering). The same SQL on every dialect
 * (SQLite 3.25+, PostgreSQL, MariaDB 10.2+ / MySQL 8). Re-exported by `Expr`.
 *
 * @since 0.1.0
 */
import type * as Ast from "./Ast.js"
import type { Expr } from "./Typed.js"

/**
 * Which rows a window function sees: those sharing the current row's
 * `partitionBy` values (all rows when absent), in `orderBy` order
 * (expressions ascend; use `Query.asc` / `Query.desc` for more).
 *
 * @since 0.1.0
 * @category windows
 */
export interface WindowSpec {
  readonly partitionBy?: ReadonlyArray<Expr<any>> | undefined
  readonly orderBy?: ReadonlyArray<Expr<any> | Ast.Order> | undefined
}

const window = (fn: Ast.Window["fn"], spec: WindowSpec | undefined): Ast.Window => ({
  _tag: "Window",
  fn,
  partitionBy: spec?.partitionBy ?? [],
  orderBy: (spec?.orderBy ?? []).map((o): Ast.Order =>
    o._tag === "Order" ? o as Ast.Order : { _tag: "Order", expr: o, direction: "asc", nulls: undefined }
  )
})

/**
 * `ROW_NUMBER() OVER (…)`: 1, 2, 3, … within each partition.
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Schema } from "effect"
 * import { Expr, Query, Table } from "effect-quarry"
 *
 * class Post extends Model.Class<Post>("Post")({
 *   id: Model.Generated(Schema.Int),
 *   authorId: Schema.Int,
 *   views: Schema.Int
 * }) {}
 * const Posts = Table.make(Post, { name: "posts" })
 *
 * // each post with its place among its author's posts, most viewed first, and the author's running total
 * const ranked = Query.from(Posts).pipe(Query.select({
 *   id: Posts.c.id,
 *   place: Expr.rowNumber({ partitionBy: [Posts.c.authorId], orderBy: [Query.desc(Posts.c.views)] }),
 *   runningViews: Expr.over(Expr.sum(Posts.c.views), { partitionBy: [Posts.c.authorId], orderBy: [Posts.c.id] })
 * }))
 * ```
 *
 * @since 0.1.0
 * @category windows
 */
export const rowNumber = (spec?: WindowSpec): Expr<number> => window("ROW_NUMBER", spec)

/**
 * `RANK() OVER (…)`: ties share a rank, and leave a gap after them (1, 1, 3).
 *
 * @since 0.1.0
 * @category windows
 */
export const rank = (spec?: WindowSpec): Expr<number> => window("RANK", spec)

/**
 * `DENSE_RANK() OVER (…)`: ties share a rank, without gaps (1, 1, 2).
 *
 * @since 0.1.0
 * @category windows
 */
export const denseRank = (spec?: WindowSpec): Expr<number> => window("DENSE_RANK", spec)

/**
 * An aggregate (`Expr.sum`, `count`, `avg`, `min`, `max`) over the window
 * instead of a group: with an `orderBy`, a running total up to the current
 * row; without, the whole partition's.
 *
 * @since 0.1.0
 * @category windows
 */
export const over = <A>(aggregate: Expr<A>, spec?: WindowSpec): Expr<A> => {
  const node = aggregate as Ast.Expr
  if (node._tag !== "Aggregate") throw new Error("Expr.over: give an aggregate (Expr.sum, Expr.count, …)")
  if (node.distinct) throw new Error("Expr.over: DISTINCT aggregates cannot run over a window")
  return window(node, spec)
}
