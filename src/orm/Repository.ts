/**
 * A repository (Django's manager) for one table: create, get, filter, save,
 * delete, get-or-create and update-or-create that stay correct under
 * concurrency, bulk operations, validation and lifecycle hooks, automatic
 * timestamps, soft delete, and a stream of change events. Every failure stays
 * typed — unlike `@effect/sql`'s `makeRepository`, nothing becomes a defect.
 *
 * @example
 * ```ts
 * import { Model } from "@effect/sql"
 * import { Effect, Schema } from "effect"
 * import { Query, Repository, Table } from "effect-quarry"
 *
 * class User extends Model.Class<User>("User")({
 *   id: Model.Generated(Schema.Int),
 *   email: Schema.String,
 *   name: Schema.String,
 *   age: Schema.Int
 * }) {}
 * const Users = Table.make(User, { name: "users", columns: { email: { unique: true } } })
 *
 * const users = Repository.make(Users, {
 *   clean: (u) => u.name === u.email ? Repository.invalid("name", "must differ from email") : Effect.void
 * })
 *
 * const program = Effect.gen(function*() {
 *   const ada = yield* users.create({ email: "ada@example.com", name: "Ada", age: 36 })
 *   const [same, created] = yield* users.getOrCreate({ email: "ada@example.com" }, { name: "Ada", age: 36 })
 *   const adults = yield* users.filter({ age: { gte: 18 } }).pipe(Query.all)
 *   yield* users.save(new User({ ...ada, age: 37 }))
 *   yield* users.remove(ada)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type * as Table from "../schema/Table.js"
import * as internal from "./internal/repository.js"
import * as QueryError from "../query/QueryError.js"
import type { Options, Repository } from "./internal/repositoryTypes.js"

/**
 * The repository types: `Repository`, `Options`, `Change`, `Condition`,
 * `Failure` (declared in `internal/repositoryTypes.ts`).
 *
 * @since 0.1.0
 */
export * from "./internal/repositoryTypes.js"


/**
 * Make the repository of a table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <T extends Table.Any, E = never, R = never>(
  table: T,
  options?: Options<T, E, R>
) => Repository<T, E, R> = internal.make

/**
 * A `clean` failure naming the field and the reason.
 *
 * @since 0.1.0
 * @category validation
 */
export const invalid = (field: string, reason: string): Effect.Effect<never, QueryError.ValidationError> =>
  internal.invalid(field, reason)
