/**
 * The HTTP API as a value: endpoints with Schema-typed paths, query strings,
 * payloads, responses and errors. Each error schema carries its status code,
 * so a handler that fails with `NotFound` answers 404 with that body.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Post, User } from "./models.js"

// Errors: what a client can get back, and with which status

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export class FieldError extends Schema.Class<FieldError>("FieldError")({
  field: Schema.String,
  message: Schema.String
}) {}

export class Invalid extends Schema.TaggedError<Invalid>()(
  "Invalid",
  { message: Schema.String, errors: Schema.Array(FieldError) },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String, constraint: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 409 })
) {}

/** The database cannot take the request now (closing, unreachable, busy): worth retrying. */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

// Bodies: the models' `json` variants (createdAt as an ISO string)

export const UserJson = User.json
export const PostJson = Post.json

export const UserPage = Schema.Struct({
  items: Schema.Array(UserJson),
  total: Schema.Int,
  limit: Schema.Int,
  offset: Schema.Int
})

export const UserWithPosts = Schema.Struct({ ...UserJson.fields, posts: Schema.Array(PostJson) })

// Payloads hold the shape (types, required fields); the models hold the rules,
// so a wrong email or an empty name is Quarry's `ValidationError`, answered as `Invalid`.

export const CreateUser = Schema.Struct({
  email: Schema.String,
  name: Schema.String,
  age: Schema.optionalWith(Schema.NullOr(Schema.Int), { default: () => null })
})

export const UpdateUser = Schema.Struct({
  email: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  age: Schema.optional(Schema.NullOr(Schema.Int))
})

export const CreatePost = Schema.Struct({
  title: Schema.String,
  body: Schema.optionalWith(Schema.String, { default: () => "" }),
  published: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

const Id = Schema.Struct({ id: Schema.NumberFromString.pipe(Schema.int()) })

const ListUsers = Schema.Struct({
  /** Names containing this text. */
  name: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  minAge: Schema.optional(Schema.NumberFromString.pipe(Schema.int())),
  maxAge: Schema.optional(Schema.NumberFromString.pipe(Schema.int())),
  limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)), { default: () => 20 }),
  offset: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative()), { default: () => 0 })
})

const PostsOfUser = Schema.Struct({
  published: Schema.optional(Schema.BooleanFromString)
})

export const UsersGroup = HttpApiGroup.make("users")
  .add(HttpApiEndpoint.get("list", "/users").setUrlParams(ListUsers).addSuccess(UserPage))
  .add(HttpApiEndpoint.get("get", "/users/:id").setPath(Id).addSuccess(UserJson).addError(NotFound))
  .add(
    HttpApiEndpoint.post("create", "/users")
      .setPayload(CreateUser)
      .addSuccess(UserJson, { status: 201 })
      .addError(Invalid)
      .addError(Conflict)
  )
  .add(
    HttpApiEndpoint.patch("update", "/users/:id")
      .setPath(Id)
      .setPayload(UpdateUser)
      .addSuccess(UserJson)
      .addError(NotFound)
      .addError(Invalid)
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.del("remove", "/users/:id").setPath(Id).addSuccess(Schema.Void).addError(NotFound))
  .addError(Unavailable)

export const PostsGroup = HttpApiGroup.make("posts")
  .add(
    HttpApiEndpoint.post("create", "/users/:id/posts")
      .setPath(Id)
      .setPayload(CreatePost)
      .addSuccess(PostJson, { status: 201 })
      .addError(NotFound)
      .addError(Invalid)
  )
  .add(
    HttpApiEndpoint.get("ofUser", "/users/:id/posts")
      .setPath(Id)
      .setUrlParams(PostsOfUser)
      .addSuccess(UserWithPosts)
      .addError(NotFound)
  )
  .addError(Unavailable)

export class Api extends HttpApi.make("quarry-example").add(UsersGroup).add(PostsGroup) {}
