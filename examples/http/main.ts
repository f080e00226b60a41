/**
 * `npm run example:http`: the users-and-posts API of `api.ts` on
 * `PORT` (default 3000), against the database `DATABASE_URL` names (an
 * embedded SQLite file by default).
 *
 * Ctrl-C (SIGINT) or SIGTERM shuts down in order: stop accepting
 * connections, let in-flight requests finish, drain the database's pending
 * writes, close it, exit 0.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Api } from "./api.js"
import { DatabaseLive, databaseKind } from "./database.js"
import { PostsLive, UsersLive } from "./handlers.js"

const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([UsersLive, PostsLive]))

/** One line once the server listens: tools (and the tests) wait for it. */
const Announce = Layer.effectDiscard(Effect.gen(function*() {
  const kind = yield* databaseKind
  yield* HttpServer.addressFormattedWith((address) => Console.log(`Listening on ${address} (database: ${kind})`))
}))

const HttpLive = NodeHttpServer.layerConfig(createServer, {
  port: Config.integer("PORT").pipe(Config.withDefault(3000)),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1"))
})

// Layers close in the reverse order of their building: the server (built
// last) stops first, the database (built first) closes last.
const Main = HttpApiBuilder.serve().pipe(
  Layer.merge(Announce),
  Layer.provide(ApiLive),
  Layer.provide(HttpLive),
  Layer.provide(DatabaseLive)
)

Layer.launch(Main).pipe(NodeRuntime.runMain)
