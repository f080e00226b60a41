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
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import { Api } from "./api.js"
import { databaseKind, DatabaseLive } from "./database.js"
import { PostsLive, UsersLive } from "./handlers.js"
import * as Server from "./server.js"

const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([UsersLive, PostsLive]))

/** One line once the server listens: tools (and the tests) wait for it. */
const Announce = Layer.effectDiscard(Effect.gen(function*() {
  const kind = yield* databaseKind
  yield* HttpServer.addressFormattedWith((address) => Console.log(`Listening on ${address} (database: ${kind})`))
}))

// Layers are released in the reverse order of their building, so each
// `Layer.provide` below is closed after what it provides to: first the
// drain of in-flight requests, then the app, the server, and last the
// database (which finishes its pending writes before closing).
const Main = Server.Drain.pipe(
  Layer.provide(Layer.merge(HttpApiBuilder.serve(), Announce)),
  Layer.provide(ApiLive),
  Layer.provide(Server.layer),
  Layer.provide(DatabaseLive)
)

Layer.launch(Main).pipe(NodeRuntime.runMain)
