/**
 * `npm run example:http` end to end: the server runs as a child process (as a
 * user starts it), on each dialect, and is spoken to over real HTTP.
 */
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as http from "node:http"
import * as path from "node:path"
import type { DialectName } from "../../src/dialect/Dialect.js"
import { layerAt, sqliteFile } from "../support/dialects.js"
import { createDatabase, dropDatabase, suiteDatabaseName } from "../support/servers.js"

const root = path.resolve(import.meta.dirname, "../..")

interface Server {
  readonly child: ChildProcess
  readonly base: string
  readonly output: () => string
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/** Start the example on a port the system picks (PORT=0) and wait for its "Listening on" line. */
const start = (databaseUrl: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/http/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", DATABASE_URL: databaseUrl },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal }))
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Listening on (http:\/\/\S+)/.exec(output)
      if (match !== null) {
        child.stdout.off("data", onData)
        child.stdout.on("data", (more: Buffer) => (output += more.toString()))
        resolve({ child, base: match[1], output: () => output, exit })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    void exit.then(({ code }) => reject(new Error(`server exited (${code}) before listening:\n${output}`)))
  })

/** POST a JSON body through an agent of our own; resolves with the status once the body is read. */
const post = (agent: http.Agent, url: string, body: unknown) =>
  new Promise<number>((resolve, reject) => {
    const request = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (response) => {
      response.resume()
      response.on("end", () => resolve(response.statusCode ?? 0))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(JSON.stringify(body))
  })

const call = async (base: string, method: string, route: string, body?: unknown) => {
  const response = await fetch(base + route, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
}

/** The emails stored in the example's users table, read by a connection of our own. */
const storedEmails = (dialect: DialectName, url: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ email: string }>`SELECT email FROM http_users`
      return new Set(rows.map((r) => r.email))
    }).pipe(Effect.provide(layerAt(dialect, url)))
  )

for (const dialect of ["sqlite", "postgres", "mysql"] as const) {
  describe(`npm run example:http [${dialect}]`, { timeout: 120_000 }, () => {
    const name = suiteDatabaseName("http")
    let url = ""
    let server: Server

    beforeAll(async () => {
      url = dialect === "sqlite" ? sqliteFile("http") : await createDatabase(dialect, name)
      server = await start(url)
    }, 120_000)

    afterAll(async () => {
      if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill("SIGKILL")
        await server.exit
      }
      if (dialect !== "sqlite") await dropDatabase(dialect, name)
    })

    it("serves users: create (201, 400, 409), get (200, 404), list with filters and pages, update, delete", async () => {
      const { base } = server
      const ada = await call(base, "POST", "/users", { email: "ada@example.com", name: "Ada", age: 36 })
      expect(ada.status).toBe(201)
      expect(ada.body).toMatchObject({ id: expect.any(Number), email: "ada@example.com", name: "Ada", age: 36 })
      expect(typeof ada.body.createdAt).toBe("string")
      const id = ada.body.id as number
      const grace = await call(base, "POST", "/users", { email: "grace@example.com", name: "Grace" })
      expect(grace).toMatchObject({ status: 201, body: { name: "Grace", age: null } })
      for (let i = 0; i < 5; i++) {
        expect((await call(base, "POST", "/users", { email: `u${i}@example.com`, name: `User ${i}`, age: 20 + i })).status)
          .toBe(201)
      }

      // 409: the unique email
      const duplicate = await call(base, "POST", "/users", { email: "ada@example.com", name: "Another Ada" })
      expect(duplicate).toMatchObject({ status: 409, body: { _tag: "Conflict" } })
      // 400: every field the model rejects, from Quarry's ValidationError
      const invalid = await call(base, "POST", "/users", { email: "not an email", name: "", age: 200 })
      expect(invalid.status).toBe(400)
      expect(invalid.body._tag).toBe("Invalid")
      expect(invalid.body.errors).toEqual([
        { field: "email", message: "must be an email address" },
        { field: "name", message: "must not be empty" },
        { field: "age", message: "must be between 0 and 150" }
      ])
      // 400: a body of the wrong shape is refused by the API's payload schema
      expect(await call(base, "POST", "/users", { name: "No email" })).toMatchObject({
        status: 400,
        body: { _tag: "HttpApiDecodeError" }
      })

      expect(await call(base, "GET", `/users/${id}`)).toEqual({ status: 200, body: ada.body })
      expect(await call(base, "GET", "/users/999999")).toEqual({
        status: 404,
        body: { _tag: "NotFound", message: "user 999999 not found" }
      })
      expect((await call(base, "GET", "/users/abc")).status).toBe(400)

      const page = await call(base, "GET", "/users?limit=3&offset=2")
      expect(page.status).toBe(200)
      expect(page.body).toMatchObject({ total: 7, limit: 3, offset: 2 })
      expect(page.body.items.map((u: { email: string }) => u.email)).toEqual([
        "u0@example.com",
        "u1@example.com",
        "u2@example.com"
      ])
      const filtered = await call(base, "GET", "/users?name=User&minAge=22&maxAge=23")
      expect(filtered.body.total).toBe(2)
      expect(filtered.body.items.map((u: { name: string }) => u.name)).toEqual(["User 2", "User 3"])
      expect((await call(base, "GET", "/users?email=grace@example.com")).body.items).toHaveLength(1)
      expect((await call(base, "GET", "/users?limit=0")).status).toBe(400)

      const older = await call(base, "PATCH", `/users/${id}`, { age: 37, name: "Ada Lovelace" })
      expect(older).toEqual({ status: 200, body: { ...ada.body, age: 37, name: "Ada Lovelace" } })
      expect((await call(base, "GET", `/users/${id}`)).body.age).toBe(37)
      expect(await call(base, "PATCH", `/users/${id}`, { email: "bad" })).toMatchObject({
        status: 400,
        body: { _tag: "Invalid", errors: [{ field: "email", message: "must be an email address" }] }
      })
      expect(await call(base, "PATCH", `/users/${id}`, { email: "grace@example.com" })).toMatchObject({
        status: 409,
        body: { _tag: "Conflict" }
      })
      expect((await call(base, "PATCH", "/users/999999", { age: 1 })).status).toBe(404)

      const removed = await call(base, "DELETE", `/users/${grace.body.id}`)
      expect(removed).toEqual({ status: 204, body: undefined })
      expect((await call(base, "DELETE", `/users/${grace.body.id}`)).status).toBe(404)
      expect((await call(base, "GET", `/users/${grace.body.id}`)).status).toBe(404)
    })

    it("serves posts: create for a user (201, 400, 404) and a user with their posts prefetched", async () => {
      const { base } = server
      const author = await call(base, "POST", "/users", { email: "writer@example.com", name: "Writer" })
      const id = author.body.id as number
      const first = await call(base, "POST", `/users/${id}/posts`, { title: "Hello", published: true })
      expect(first).toMatchObject({ status: 201, body: { authorId: id, title: "Hello", body: "", published: true } })
      const draft = await call(base, "POST", `/users/${id}/posts`, { title: "Draft", body: "later" })
      expect(draft).toMatchObject({ status: 201, body: { published: false, body: "later" } })
      expect(await call(base, "POST", `/users/${id}/posts`, { title: "" })).toMatchObject({
        status: 400,
        body: { _tag: "Invalid", errors: [{ field: "title", message: "must not be empty" }] }
      })
      expect(await call(base, "POST", "/users/999999/posts", { title: "Orphan" })).toMatchObject({
        status: 404,
        body: { _tag: "NotFound" }
      })

      const all = await call(base, "GET", `/users/${id}/posts`)
      expect(all.status).toBe(200)
      expect(all.body).toMatchObject({ id, email: "writer@example.com" })
      expect(all.body.posts).toEqual([first.body, draft.body])
      const published = await call(base, "GET", `/users/${id}/posts?published=true`)
      expect(published.body.posts).toEqual([first.body])
      expect(await call(base, "GET", "/users/999999/posts")).toMatchObject({ status: 404, body: { _tag: "NotFound" } })

      // deleting the user deletes the posts (ON DELETE CASCADE)
      expect((await call(base, "DELETE", `/users/${id}`)).status).toBe(204)
      expect((await call(base, "GET", `/users/${id}/posts`)).status).toBe(404)
    })

    it("SIGINT while writes are in flight: every acknowledged write is stored, and the exit code is 0", async () => {
      const { base, child } = server
      // keep-alive connections, as a proxy in front of a service holds them: requests queue on
      // connections the server has accepted, so some are running when the signal arrives
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
      let signalled = false
      const writes = Array.from({ length: 200 }, (_, i) => {
        const email = `burst${i}@example.com`
        return post(agent, `${base}/users`, { email, name: `Burst ${i}` }).then(
          (status) => {
            if (!signalled) {
              // the first answer: the rest are in flight now
              signalled = true
              child.kill("SIGINT")
            }
            return { email, status }
          },
          // refused or reset once the server stopped accepting connections: not acknowledged
          () => ({ email, status: 0 })
        )
      })
      const results = await Promise.all(writes)
      agent.destroy()
      const exit = await server.exit
      expect(exit, server.output()).toEqual({ code: 0, signal: null })
      expect(server.output()).toContain("Requests drained; closing the database")

      const ok = results.filter((r) => r.status === 201)
      // every request the server was running when the signal came was answered, and created its user
      const inFlight = Number(/Shutting down: (\d+) request/.exec(server.output())?.[1])
      expect(ok.length).toBeGreaterThanOrEqual(Math.max(1, inFlight))
      // nothing else than "created", "try again" (the database closing) or a refused connection
      expect(results.filter((r) => ![201, 503, 0].includes(r.status))).toEqual([])

      const stored = await storedEmails(dialect, url)
      expect(ok.filter((r) => !stored.has(r.email))).toEqual([])
    })
  })
}
