/**
 * The Node HTTP server, with a graceful stop. `NodeHttpServer` closes its
 * server when its scope closes, but requests already running are not its
 * concern, and `HttpApiBuilder.serve` unplugs the app first. `Drain` runs
 * before both: it stops accepting connections, closes idle keep-alive ones,
 * answers the requests in flight (with `Connection: close`), and only then
 * lets the scope go on closing (the app, then the database, which drains its
 * writer).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Console, Context, Duration, Effect, Layer } from "effect"
import * as Http from "node:http"

/** The requests in flight on the server, and how to wait for them. */
export class InFlight extends Context.Tag("examples/http/InFlight")<InFlight, {
  readonly count: () => number
  /** Stop accepting connections and wait for the running requests to be answered. */
  readonly drain: Effect.Effect<void>
}>() {}

/** `HttpServer` on `HOST`:`PORT` (127.0.0.1:3000 by default; PORT=0 picks a free port), with its `InFlight`. */
export const layer = Layer.unwrapEffect(Effect.gen(function*() {
  const port = yield* Config.integer("PORT").pipe(Config.withDefault(3000))
  const host = yield* Config.string("HOST").pipe(Config.withDefault("127.0.0.1"))
  const server = Http.createServer()
  const open = new Set<Http.ServerResponse>()
  let draining = false
  let idle: (() => void) | undefined
  // registered before the app's own listener, so it sees each request first
  server.on("request", (_request, response) => {
    if (draining) response.setHeader("connection", "close")
    open.add(response)
    response.on("close", () => {
      open.delete(response)
      if (open.size === 0) idle?.()
    })
  })
  const drain = Effect.async<void>((resume) => {
    draining = true
    server.close() // no new connections (NodeHttpServer's own close then has nothing left to do)
    for (const response of open) if (!response.headersSent) response.setHeader("connection", "close")
    // idle keep-alive connections stay open until the running requests are answered: a request
    // a client has just sent on one is served (and its connection closed) rather than reset
    if (open.size === 0) return resume(Effect.void)
    idle = () => resume(Effect.void)
  }).pipe(
    Effect.zipRight(Effect.sync(() => server.closeIdleConnections())),
    // a request that never ends must not hold the process forever
    Effect.timeoutTo({ duration: Duration.seconds(30), onSuccess: () => undefined, onTimeout: () => server.closeAllConnections() })
  )
  return Layer.merge(
    NodeHttpServer.layer(() => server, { port, host }),
    Layer.succeed(InFlight, { count: () => open.size, drain })
  )
}))

/**
 * The first thing shutdown does: build it after `HttpApiBuilder.serve()`
 * (`Drain.pipe(Layer.provide(serve))`) so that it is released before it.
 */
export const Drain = Layer.scopedDiscard(Effect.gen(function*() {
  const inFlight = yield* InFlight
  yield* Effect.addFinalizer(() =>
    Console.log(`Shutting down: ${inFlight.count()} request(s) in flight`).pipe(
      Effect.zipRight(inFlight.drain),
      Effect.zipRight(Console.log("Requests drained; closing the database"))
    )
  )
}))
