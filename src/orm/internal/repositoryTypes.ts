/**
 * The types of repositories: the service record, its options, the changes it
 * publishes. Declared below `Repository` so that its implementation
 * (`repository.ts`) imports them one way.
 */
import type { Effect, Stream } from "effect"
import type { Database, RunResult } from "../../layers/Database.js"
import type { DatabaseError } from "../../layers/DatabaseError.js"
import type * as Table from "../../schema/Table.js"
import type * as Expr from "../../query/Expr.js"
import type * as Lookup from "../../query/Lookup.js"
import type * as Query from "../../query/Query.js"
import type * as QueryError from "../../query/QueryError.js"

/**
 * A change a repository made, published once committed.
 *
 * @since 0.1.0
 * @category models
 */
export type Change<T extends Table.Any> =
  | { readonly _tag: "Created"; readonly table: string; readonly row: Table.Row<T> }
  | { readonly _tag: "Updated"; readonly table: string; readonly row: Table.Row<T> }
  | { readonly _tag: "Deleted"; readonly table: string; readonly row: Table.Row<T> }

/**
 * A condition: an expression or a lookup object (`{ age: { gte: 18 } }`).
 *
 * @since 0.1.0
 * @category models
 */
export type Condition<T extends Table.Any> = Expr.Predicate | Lookup.Lookup<T>

/**
 * Lifecycle hooks and options. "before" hooks run inside the write's
 * transaction and can fail it (rolling it back); "after" hooks run once the
 * change has committed (after the outermost `Database.transaction`), so they
 * cannot fail it and must handle their own errors.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<T extends Table.Any, E = never, R = never> {
  /**
   * Rules across fields, checked after the schema's own validation and before
   * any SQL: fail with `Repository.invalid(field, reason)`.
   */
  readonly clean?: ((row: Table.Insert<T> | Table.Row<T>) => Effect.Effect<void, QueryError.ValidationError | E, R>) | undefined
  readonly beforeCreate?: ((row: Table.Insert<T>) => Effect.Effect<void, E, R>) | undefined
  readonly beforeUpdate?: ((row: Table.Row<T>) => Effect.Effect<void, E, R>) | undefined
  /** After a create or an update, with the stored row. */
  readonly afterSave?: ((row: Table.Row<T>, created: boolean) => Effect.Effect<void, never, R>) | undefined
  readonly beforeDelete?: ((row: Table.Row<T>) => Effect.Effect<void, E, R>) | undefined
  readonly afterDelete?: ((row: Table.Row<T>) => Effect.Effect<void, never, R>) | undefined
  /**
   * Fields stamped with the current time: `updatedAt` on every update (also
   * `update` by filter), `createdAt` on create when not given. Default: the
   * fields named `createdAt` / `updatedAt` when the table has them.
   */
  readonly timestamps?: {
    readonly createdAt?: Table.FieldName<T["model"]> | undefined
    readonly updatedAt?: Table.FieldName<T["model"]> | undefined
  } | false | undefined
  /**
   * A nullable date-time field marking deleted rows: deletes set it, and the
   * default scope hides rows where it is set.
   */
  readonly softDelete?: Table.FieldName<T["model"]> | undefined
}

/**
 * What repository operations may fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = QueryError.QueryError | DatabaseError

/**
 * @since 0.1.0
 * @category models
 */
export interface Repository<T extends Table.Any, E = never, R = never> {
  readonly table: T
  /** The default scope: every row (not soft-deleted ones). */
  readonly query: Query.Select<Table.Row<T>, T>
  /** Every row including soft-deleted ones. */
  readonly withDeleted: Query.Select<Table.Row<T>, T>
  /** The rows matching a condition, as a lazy query value. */
  readonly filter: (condition: Condition<T>) => Query.Select<Table.Row<T>, T>
  /** The rows not matching a condition (NULL comparisons stay), as a lazy query value. */
  readonly exclude: (condition: Condition<T>) => Query.Select<Table.Row<T>, T>
  readonly all: Effect.Effect<ReadonlyArray<Table.Row<T>>, Failure, Database>
  /** The one row matching: `NotFound` / `MultipleFound` otherwise. */
  readonly get: (condition: Condition<T>) => Effect.Effect<Table.Row<T>, Failure, Database>
  readonly first: Effect.Effect<import("effect").Option.Option<Table.Row<T>>, Failure, Database>
  readonly last: Effect.Effect<import("effect").Option.Option<Table.Row<T>>, Failure, Database>
  readonly count: (condition?: Condition<T>) => Effect.Effect<number, Failure, Database>
  readonly exists: (condition?: Condition<T>) => Effect.Effect<boolean, Failure, Database>
  /** Validate, run the hooks, insert, return the stored row. */
  readonly create: (row: Table.Insert<T>) => Effect.Effect<Table.Row<T>, Failure | E, Database | R>
  /** Write every updatable field of a row back by primary key; `NotFound` if it is gone. */
  readonly save: (row: Table.Row<T>) => Effect.Effect<Table.Row<T>, Failure | E, Database | R>
  /** Delete one row by primary key (soft when configured); `NotFound` if it is gone. */
  readonly remove: (row: Table.Row<T>) => Effect.Effect<void, Failure | E, Database | R>
  /** The row as stored now. */
  readonly refresh: (row: Table.Row<T>) => Effect.Effect<Table.Row<T>, Failure, Database>
  /** Update the rows matching a condition (stamps `updatedAt`; per-row hooks do not run, as in Django). */
  readonly update: (
    condition: Condition<T>,
    values: import("../../query/Write.js").UpdateValues<T>
  ) => Effect.Effect<number, Failure, Database>
  /** Delete the rows matching a condition, with per-row delete hooks. Returns how many. */
  readonly delete: (condition: Condition<T>) => Effect.Effect<number, Failure | E, Database | R>
  /** Undo a soft delete. */
  readonly restore: (row: Table.Row<T>) => Effect.Effect<Table.Row<T>, Failure, Database>
  /**
   * The row matching `lookup`, or a new one from `lookup` and `defaults`, with
   * whether it was created. Correct under concurrency when `lookup`'s fields
   * are covered by a unique constraint: racing callers get the one row.
   */
  readonly getOrCreate: (
    lookup: Partial<Table.Insert<T>>,
    defaults?: Partial<Table.Insert<T>>
  ) => Effect.Effect<readonly [Table.Row<T>, boolean], Failure | E, Database | R>
  /**
   * Update the row matching `lookup` with `values`, or create it; with whether
   * it was created. Same concurrency guarantee as `getOrCreate`.
   */
  readonly updateOrCreate: (
    lookup: Partial<Table.Insert<T>>,
    values: Partial<Table.Insert<T>>
  ) => Effect.Effect<readonly [Table.Row<T>, boolean], Failure | E, Database | R>
  /**
   * Insert many rows in one transaction with chunked multi-row INSERTs;
   * `clean` runs for each row first, per-row hooks do not (as in Django).
   */
  readonly bulkCreate: (rows: Iterable<Table.Insert<T>>) => Effect.Effect<ReadonlyArray<Table.Row<T>>, Failure | E, Database | R>
  /**
   * Write the given fields of many rows back by primary key: one UPDATE per
   * chunk (`SET f = CASE pk WHEN … THEN … END`), not one per row.
   */
  readonly bulkUpdate: (
    rows: Iterable<Table.Row<T>>,
    fields: ReadonlyArray<Table.FieldName<T["model"]>>
  ) => Effect.Effect<RunResult, Failure, Database>
  /** The row through the model's `json` variant. */
  readonly toJSON: (row: Table.Row<T>) => Effect.Effect<unknown, QueryError.ValidationError>
  /** Committed changes, as they happen, for as long as the stream is consumed. */
  readonly changes: Stream.Stream<Change<T>>
}
