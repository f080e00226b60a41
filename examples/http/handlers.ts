/**
 * The handlers: each endpoint of `api.ts` as a Quarry program. They need the
 * `Database` service only; which database it is, is decided in `main.ts`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Function } from "effect"
import { Query, Relation } from "effect-quarry"
import { Api, NotFound } from "./api.js"
import { conflict, invalid, notFound, orUnavailable } from "./errors.js"
import { Posts, posts, User, UserRel, Users, users } from "./models.js"

export const UsersLive = HttpApiBuilder.group(Api, "users", (handlers) =>
  handlers
    .handle("list", ({ urlParams: { email, limit, maxAge, minAge, name, offset } }) =>
      Effect.gen(function*() {
        const matching = users.filter({
          ...(name === undefined ? {} : { name: { contains: name } }),
          ...(email === undefined ? {} : { email }),
          ...(minAge === undefined && maxAge === undefined ? {} : {
            age: { ...(minAge === undefined ? {} : { gte: minAge }), ...(maxAge === undefined ? {} : { lte: maxAge }) }
          })
        })
        // the page and the total: two statements, run concurrently
        const [items, total] = yield* Effect.all([
          Query.all(matching.pipe(Query.orderBy(Users.c.id), Query.limit(limit), Query.offset(offset))),
          Query.count(matching)
        ], { concurrency: 2 })
        return { items, total, limit, offset }
      }).pipe(orUnavailable))
    .handle("get", ({ path: { id } }) =>
      users.get({ id }).pipe(
        Effect.catchTag("NotFound", notFound(`user ${id}`)),
        orUnavailable
      ))
    .handle("create", ({ payload }) =>
      users.create(payload).pipe(
        Effect.catchTags({ ValidationError: invalid, UniqueViolation: conflict }),
        orUnavailable
      ))
    .handle("update", ({ path: { id }, payload }) =>
      Effect.gen(function*() {
        const user = yield* users.get({ id })
        // the merged row is validated by `save` (the model's update schema): bad values are a ValidationError
        return yield* users.save(new User({ ...user, ...payload }, { disableValidation: true }))
      }).pipe(
        Effect.catchTags({ NotFound: notFound(`user ${id}`), ValidationError: invalid, UniqueViolation: conflict }),
        orUnavailable
      ))
    .handle("remove", ({ path: { id } }) =>
      users.delete({ id }).pipe(
        Effect.flatMap((deleted) => deleted === 0 ? Effect.fail(new NotFound({ message: `user ${id} not found` })) : Effect.void),
        orUnavailable
      )))

export const PostsLive = HttpApiBuilder.group(Api, "posts", (handlers) =>
  handlers
    .handle("create", ({ path: { id }, payload }) =>
      Effect.gen(function*() {
        const author = yield* users.get({ id })
        return yield* posts.create({ ...payload, authorId: author.id })
      }).pipe(
        // a user deleted between the two statements: the foreign key refuses the post
        Effect.catchTags({ NotFound: notFound(`user ${id}`), ForeignKeyViolation: notFound(`user ${id}`), ValidationError: invalid }),
        orUnavailable
      ))
    .handle("ofUser", ({ path: { id }, urlParams: { published } }) =>
      // two statements for the user and all their posts: the posts' query has `author_id IN (…)`
      Query.from(Users).pipe(
        Query.where({ id }),
        Relation.prefetch(UserRel, "posts", (q) =>
          q.pipe(
            published === undefined ? Function.identity : Query.where({ published }),
            Query.orderBy(Posts.c.id)
          )),
        Relation.get,
        Effect.catchTag("NotFound", notFound(`user ${id}`)),
        orUnavailable
      )))
