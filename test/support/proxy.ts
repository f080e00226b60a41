/**
 * A TCP proxy in front of a test server, that a test can cut (every open
 * connection is destroyed and new ones are refused until `restore`): a
 * network cut between the app and a database, with no server stopped.
 */
import { Effect, type Scope } from "effect"
import * as net from "node:net"

export interface Proxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number
  /** Cut the network: open connections are destroyed, new ones closed at once. */
  readonly cut: Effect.Effect<void>
  readonly restore: Effect.Effect<void>
}

/** A proxy to `host:port` for the life of the scope. */
export const make = (target: { readonly host: string; readonly port: number }): Effect.Effect<Proxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ proxy: Proxy; server: net.Server; sockets: Set<net.Socket> }>((resume) => {
      let cut = false
      const sockets = new Set<net.Socket>()
      const server = net.createServer((client) => {
        if (cut) return client.destroy()
        const upstream = net.connect(target.port, target.host)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("close", () => sockets.delete(s))
          s.on("error", () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream)
        upstream.pipe(client)
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port
        resume(Effect.succeed({
          server,
          sockets,
          proxy: {
            port,
            cut: Effect.sync(() => {
              cut = true
              for (const s of sockets) s.destroy()
            }),
            restore: Effect.sync(() => {
              cut = false
            })
          }
        }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const s of sockets) s.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))

/** A database URL with its port replaced by the proxy's. */
export const through = (url: string, proxy: Proxy): string => {
  const u = new URL(url)
  u.host = `127.0.0.1:${proxy.port}`
  return u.toString()
}
