import { expect, layer } from "@effect/vitest"
import { Effect, Layer, TestServices } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Query from "../../src/query/Query.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { cases } from "../support/dialects.js"
import {
  AuthorRel,
  Authors,
  Comments,
  counting,
  makeCounter,
  PostRel,
  Posts,
  PostTags,
  Profiles,
  tables,
  TagRel,
  Tags
} from "./Relation.fixtures.js"

const live = TestServices.provideLive

const reset = Effect.zipRight(Ddl.dropAll(tables), Ddl.createAll(tables))

const labels = (post: { readonly id: number }) =>
  Query.all(
    Query.from(PostTags).pipe(Query.where({ postId: post.id }), Query.orderBy(PostTags.c.tagId))
  ).pipe(Effect.map((rows) => rows.map((r) => `${r.tagId}:${r.addedBy}`)))

for (const c of cases("relation_writes")) {
  const counter = makeCounter()

  layer(Layer.provide(counting(counter), c.layer), { timeout: 300_000 })(`Relation writes [${c.name}]`, (it) => {
    it.effect("many-to-many add / remove / set, with the join table's own column", () =>
      live(Effect.gen(function*() {
        yield* reset
        yield* Query.run(Query.insert(Authors, { name: "Ada", age: 36 }))
        const ada = (yield* Query.all(Query.from(Authors)))[0]
        yield* Query.run(Query.insert(Posts, { authorId: ada.id, editorId: null, title: "p", published: true, rank: 1 }))
        const post = (yield* Query.all(Query.from(Posts)))[0]
        yield* Query.run(Query.insertMany(Tags, [{ label: "a" }, { label: "b" }, { label: "c" }, { label: "d" }]))
        const [a, b, cc, d] = yield* Query.all(Query.from(Tags).pipe(Query.orderBy(Tags.c.id)))

        const addTags = Relation.add(PostRel, "tags")
        expect(yield* addTags(post, [a, b], { addedBy: "ada" })).toBe(2)
        // already linked: ignored; keys work as well as rows
        expect(yield* addTags(post, [b.id, cc.id, cc.id], { addedBy: "bob" })).toBe(1)
        expect(yield* labels(post)).toEqual([`${a.id}:ada`, `${b.id}:ada`, `${cc.id}:bob`])

        expect(yield* Relation.remove(PostRel, "tags")(post, [a, d])).toBe(1)
        expect(yield* labels(post)).toEqual([`${b.id}:ada`, `${cc.id}:bob`])

        const result = yield* Relation.set(PostRel, "tags")(post, [cc, d], { addedBy: "cy" })
        expect(result).toEqual({ added: 1, removed: 1 })
        // the kept link keeps its own column
        expect(yield* labels(post)).toEqual([`${cc.id}:bob`, `${d.id}:cy`])

        const loaded = yield* Query.from(Posts).pipe(
          Relation.prefetch(PostRel, "tags", (q) => q.pipe(Query.orderBy(Tags.c.label))),
          Relation.get
        )
        expect(loaded.tags.map((t) => t.label)).toEqual(["c", "d"])
        // the other direction
        const tagD = yield* Query.from(Tags).pipe(Query.where({ label: "d" }), Relation.prefetch(TagRel, "posts"), Relation.get)
        expect(tagD.posts.map((p) => p.title)).toEqual(["p"])
        expect(yield* Relation.set(PostRel, "tags")(post, [], { addedBy: "x" })).toEqual({ added: 0, removed: 2 })
        expect(yield* labels(post)).toEqual([])

        // a missing target is a foreign-key violation, and nothing is written
        const bad = yield* Effect.flip(addTags(post, [a.id, 999_999], { addedBy: "ada" }))
        expect(bad._tag).toBe("ForeignKeyViolation")
        expect(yield* labels(post)).toEqual([])
      })))

    it.effect("foreign-key actions behave the same: cascade, set null, restrict", () =>
      live(Effect.gen(function*() {
        if (c.name === "sqlite") {
          // the writer connection (every statement of a transaction runs on it) enforces foreign keys
          const [row] = yield* Database.transaction(Database.all({ sql: "PRAGMA foreign_keys", params: [] }))
          expect(row.foreign_keys).toBe(1)
        }
        yield* reset
        yield* Query.run(Query.insertMany(Authors, [{ name: "Ada", age: 36 }, { name: "Bob", age: 25 }]))
        const [ada, bob] = yield* Query.all(Query.from(Authors).pipe(Query.orderBy(Authors.c.id)))
        yield* Query.run(Query.insert(Profiles, { authorId: ada.id, bio: "x" }))
        yield* Query.run(Query.insertMany(Posts, [
          { authorId: ada.id, editorId: bob.id, title: "by ada", published: true, rank: 1 },
          { authorId: bob.id, editorId: ada.id, title: "by bob", published: true, rank: 1 }
        ]))
        const [byAda, byBob] = yield* Query.all(Query.from(Posts).pipe(Query.orderBy(Posts.c.id)))
        yield* Query.run(Query.insertMany(Comments, [{ postId: byAda.id, body: "1" }, { postId: byBob.id, body: "2" }]))
        yield* Query.run(Query.insert(Tags, { label: "t" }))
        const tag = (yield* Query.all(Query.from(Tags)))[0]
        yield* Relation.add(PostRel, "tags")(byBob, [tag], { addedBy: "bob" })

        // a child row pointing nowhere is refused
        const orphan = yield* Effect.flip(Query.run(Query.insert(Comments, { postId: 999_999, body: "x" })))
        expect(orphan._tag).toBe("ForeignKeyViolation")

        // restrict: a tag still linked cannot go
        const restricted = yield* Effect.flip(Query.run(Query.delete(Tags).pipe(Query.where({ id: tag.id }))))
        expect(restricted._tag).toBe("ForeignKeyViolation")

        // cascade (posts, then their comments and links), set null (posts Ada edited)
        yield* Query.run(Query.delete(Authors).pipe(Query.where({ id: ada.id })))
        expect((yield* Query.all(Query.from(Posts))).map((p) => [p.title, p.editorId])).toEqual([["by bob", null]])
        expect((yield* Query.all(Query.from(Comments))).map((x) => x.body)).toEqual(["2"])
        expect(yield* Query.count(Query.from(Profiles))).toBe(0)

        yield* Query.run(Query.delete(Authors).pipe(Query.where({ id: bob.id })))
        expect(yield* Query.count(Query.from(Posts))).toBe(0)
        expect(yield* Query.count(Query.from(Comments))).toBe(0)
        expect(yield* Query.count(Query.from(PostTags))).toBe(0)
        // nothing links the tag any more
        yield* Query.run(Query.delete(Tags).pipe(Query.where({ id: tag.id })))
        expect(yield* Query.count(Query.from(Tags))).toBe(0)
      })))

    it.effect("prefetching 1,000 parents × 10 children × 10 grandchildren takes 3 queries; chunked under the bind limit", () =>
      live(Effect.gen(function*() {
        yield* reset
        yield* Query.run(Query.insertMany(Authors, Array.from({ length: 1000 }, (_, i) => ({ name: `a${i}`, age: 20 + (i % 50) }))))
        const authors = yield* Query.all(Query.from(Authors).pipe(Query.only("id")))
        yield* Query.run(Query.insertMany(
          Posts,
          authors.flatMap((a) =>
            Array.from({ length: 10 }, (_, k) => ({ authorId: a.id, editorId: null, title: `p${a.id}.${k}`, published: true, rank: k }))
          )
        ))
        const posts = yield* Query.all(Query.from(Posts).pipe(Query.only("id")))
        expect(posts.length).toBe(10_000)
        yield* Query.run(Query.insertMany(
          Comments,
          posts.flatMap((p) => Array.from({ length: 10 }, (_, k) => ({ postId: p.id, body: `c${p.id}.${k}` })))
        ))

        const query = Query.from(Authors).pipe(
          Query.orderBy(Authors.c.id),
          Relation.prefetch(AuthorRel, "posts", (q) =>
            q.pipe(Query.orderBy(Posts.c.rank), Relation.prefetch(PostRel, "comments", (c) => c.pipe(Query.orderBy(Comments.c.id))))),
          Relation.all
        )
        const check = (loaded: Effect.Effect.Success<typeof query>) => {
          expect(loaded.length).toBe(1000)
          let comments = 0
          for (const a of loaded) {
            expect(a.posts.map((p) => p.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
            for (const p of a.posts) {
              expect(p.authorId).toBe(a.id)
              expect(p.comments.length).toBe(10)
              for (const x of p.comments) expect(x.postId).toBe(p.id)
              comments += p.comments.length
            }
          }
          expect(comments).toBe(100_000)
        }

        counter.statements = []
        check(yield* query)
        // the users, their posts, the posts' comments
        expect(counter.statements.length).toBe(3)

        // under a bind limit of 500: ⌈1,000 / 500⌉ + ⌈10,000 / 500⌉ key chunks, each within the limit
        counter.maxParams = 500
        counter.statements = []
        yield* Effect.ensuring(
          Effect.map(query, check),
          Effect.sync(() => {
            counter.maxParams = undefined
          })
        )
        const params = counter.statements.map((sql) => (sql.match(/\?|\$\d+/g) ?? []).length)
        expect(counter.statements.length).toBe(1 + 2 + 20)
        expect(Math.max(...params)).toBe(500)
      })))
  })
}
