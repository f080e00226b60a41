import { expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, TestServices } from "effect"
import * as Database from "../../src/layers/Database.js"
import * as Expr from "../../src/query/Expr.js"
import * as Loader from "../../src/orm/Loader.js"
import * as Query from "../../src/query/Query.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Ddl from "../../src/schema/Ddl.js"
import { cases } from "../support/dialects.js"
import {
  Author,
  AuthorRel,
  Authors,
  CommentRel,
  Comments,
  counting,
  makeCounter,
  Post,
  PostRel,
  Posts,
  PostTags,
  Profiles,
  tables,
  TagRel,
  Tags
} from "./Relation.fixtures.js"

const live = TestServices.provideLive

/** A small world: four authors, five posts, three comments, three tags. */
const seed = Effect.gen(function*() {
  yield* Ddl.dropAll(tables)
  yield* Ddl.createAll(tables)
  yield* Query.run(Query.insertMany(Authors, [
    { name: "Ada", age: 36 },
    { name: "Bob", age: 25 },
    { name: "Cy", age: 41 },
    { name: "Dee", age: 30 }
  ]))
  const authors = yield* Query.all(Query.from(Authors).pipe(Query.orderBy(Authors.c.id)))
  const [ada, bob, cy, dee] = authors
  yield* Query.run(Query.insertMany(Profiles, [{ authorId: ada.id, bio: "first programmer" }, { authorId: cy.id, bio: "quiet" }]))
  yield* Query.run(Query.insertMany(Posts, [
    { authorId: ada.id, editorId: bob.id, title: "Effect in practice", published: true, rank: 3 },
    { authorId: ada.id, editorId: null, title: "Draft ideas", published: false, rank: 1 },
    { authorId: ada.id, editorId: null, title: "Effect schemas", published: true, rank: 2 },
    { authorId: bob.id, editorId: ada.id, title: "Hello", published: true, rank: 1 },
    { authorId: cy.id, editorId: null, title: "Quiet", published: false, rank: 1 }
  ]))
  const posts = yield* Query.all(Query.from(Posts).pipe(Query.orderBy(Posts.c.id)))
  const byTitle = (t: string) => posts.find((p) => p.title === t)!
  yield* Query.run(Query.insertMany(Comments, [
    { postId: byTitle("Effect in practice").id, body: "great" },
    { postId: byTitle("Effect in practice").id, body: "thanks" },
    { postId: byTitle("Hello").id, body: "hi" }
  ]))
  yield* Query.run(Query.insertMany(Tags, [{ label: "effect" }, { label: "ts" }, { label: "db" }]))
  const tags = yield* Query.all(Query.from(Tags).pipe(Query.orderBy(Tags.c.id)))
  const tag = (l: string) => tags.find((t) => t.label === l)!
  yield* Query.run(Query.insertMany(PostTags, [
    { postId: byTitle("Effect in practice").id, tagId: tag("effect").id, addedBy: "ada" },
    { postId: byTitle("Effect in practice").id, tagId: tag("ts").id, addedBy: "ada" },
    { postId: byTitle("Effect schemas").id, tagId: tag("effect").id, addedBy: "bob" },
    { postId: byTitle("Hello").id, tagId: tag("db").id, addedBy: "bob" }
  ]))
  return { ada, bob, cy, dee, byTitle, tag }
})

for (const c of cases("relations")) {
  const counter = makeCounter()
  /** Run an effect and report the statements it executed. */
  const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      counter.statements = []
      return Effect.map(effect, (a) => [a, counter.statements.slice()] as const)
    })

  layer(Layer.provide(counting(counter), c.layer), { timeout: 120_000 })(`Relation [${c.name}]`, (it) => {
    it.effect("prefetch: nested, filtered and ordered; one query per level; rows keep their class", () =>
      live(Effect.gen(function*() {
        yield* seed
        const [authors, statements] = yield* counted(
          Query.from(Authors).pipe(
            Query.orderBy(Authors.c.id),
            Relation.prefetch(AuthorRel, "posts", (q) =>
              q.pipe(
                Query.where({ published: true }),
                Query.orderBy(Query.desc(Posts.c.rank)),
                Relation.prefetch(PostRel, "comments", (c) => c.pipe(Query.orderBy(Comments.c.id)))
              )),
            Relation.all
          )
        )
        expect(statements.length).toBe(3)
        expect(authors.map((a) => [a.name, a.posts.map((p) => p.title)])).toEqual([
          ["Ada", ["Effect in practice", "Effect schemas"]],
          ["Bob", ["Hello"]],
          ["Cy", []],
          ["Dee", []]
        ])
        expect(authors[0].posts[0].comments.map((c) => c.body)).toEqual(["great", "thanks"])
        expect(authors[0].posts[1].comments).toEqual([])
        expect(authors[0]).toBeInstanceOf(Author)
        expect(authors[0].posts[0]).toBeInstanceOf(Post)
        expect(authors[0].age).toBe(36)
      })))

    it.effect("belongs-to (required and nullable), has-one, and several relations on one level", () =>
      live(Effect.gen(function*() {
        yield* seed
        const [posts, statements] = yield* counted(
          Query.from(Posts).pipe(
            Query.orderBy(Posts.c.id),
            Relation.prefetch(PostRel, "author", Relation.prefetch(AuthorRel, "profile")),
            Relation.prefetch(PostRel, "editor"),
            Relation.all
          )
        )
        expect(statements.length).toBe(4)
        expect(posts.map((p) => [p.title, p.author?.name, p.author?.profile?.bio ?? null, p.editor?.name ?? null])).toEqual([
          ["Effect in practice", "Ada", "first programmer", "Bob"],
          ["Draft ideas", "Ada", "first programmer", null],
          ["Effect schemas", "Ada", "first programmer", null],
          ["Hello", "Bob", null, "Ada"],
          ["Quiet", "Cy", "quiet", null]
        ])
        // a required belongs-to: typed as the row itself
        const [first] = yield* Query.from(Posts).pipe(Query.orderBy(Posts.c.id), Relation.prefetch(PostRel, "author"), Relation.all)
        expect(first.author.name).toBe("Ada")
        // the same author instance is shared by its posts
        expect(posts[0].author).toBe(posts[1].author)
      })))

    it.effect("many-to-many: both directions, ordered, keys of the join table inferred", () =>
      live(Effect.gen(function*() {
        yield* seed
        const [posts, statements] = yield* counted(
          Query.from(Posts).pipe(
            Query.where({ published: true }),
            Query.orderBy(Posts.c.id),
            Relation.prefetch(PostRel, "tags", (q) => q.pipe(Query.orderBy(Tags.c.label))),
            Relation.all
          )
        )
        expect(statements.length).toBe(2)
        expect(posts.map((p) => [p.title, p.tags.map((t) => t.label)])).toEqual([
          ["Effect in practice", ["effect", "ts"]],
          ["Effect schemas", ["effect"]],
          ["Hello", ["db"]]
        ])
        const tags = yield* Query.from(Tags).pipe(
          Query.orderBy(Tags.c.label),
          Relation.prefetch(TagRel, "posts", (q) => q.pipe(Query.orderBy(Posts.c.title))),
          Relation.all
        )
        expect(tags.map((t) => [t.label, t.posts.map((p) => p.title)])).toEqual([
          ["db", ["Hello"]],
          ["effect", ["Effect in practice", "Effect schemas"]],
          ["ts", ["Effect in practice"]]
        ])
        // filtering on the join table's own column
        const byBob = yield* Query.from(Posts).pipe(
          Query.orderBy(Posts.c.id),
          Relation.prefetch(PostRel, "tags", (q) => q.pipe(Query.where(Expr.eq(PostTags.c.addedBy, "bob")))),
          Relation.all
        )
        expect(byBob.filter((p) => p.tags.length > 0).map((p) => p.title)).toEqual(["Effect schemas", "Hello"])
      })))

    it.effect("LIMIT / OFFSET in a loading query slice each parent's rows, in the query's order, still one query", () =>
      live(Effect.gen(function*() {
        yield* seed
        const [authors, statements] = yield* counted(
          Query.from(Authors).pipe(
            Query.orderBy(Authors.c.id),
            Relation.prefetch(AuthorRel, "posts", (q) =>
              q.pipe(
                Query.orderBy(Query.desc(Posts.c.rank)),
                Query.limit(2),
                Relation.prefetch(PostRel, "comments", (c) => c.pipe(Query.orderBy(Query.desc(Comments.c.id)), Query.limit(1)))
              )),
            Relation.all
          )
        )
        expect(statements.length).toBe(3)
        expect(authors.map((a) => [a.name, a.posts.map((p) => [p.title, p.comments.map((c) => c.body)])])).toEqual([
          ["Ada", [["Effect in practice", ["thanks"]], ["Effect schemas", []]]],
          ["Bob", [["Hello", ["hi"]]]],
          ["Cy", [["Quiet", []]]],
          ["Dee", []]
        ])
        expect(authors[0].posts[0]).toBeInstanceOf(Post)
        // an offset, without an order: by the primary key
        const second = yield* Query.from(Authors).pipe(
          Query.orderBy(Authors.c.id),
          Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.offset(1))),
          Relation.all
        )
        expect(second.map((a) => a.posts.map((p) => p.title))).toEqual([["Draft ideas", "Effect schemas"], [], [], []])
        // many-to-many: sliced per post, through the join table
        const firstTag = yield* Query.from(Posts).pipe(
          Query.orderBy(Posts.c.id),
          Relation.prefetch(PostRel, "tags", (q) => q.pipe(Query.orderBy(Query.desc(Tags.c.label)), Query.limit(1))),
          Relation.all
        )
        expect(firstTag.map((p) => p.tags.map((t) => t.label))).toEqual([["ts"], [], ["effect"], ["db"], []])
        // a loader by key, and lazy loads batched across fibers, slice per key too
        const latest = Loader.make(Query.from(Posts).pipe(Query.orderBy(Query.desc(Posts.c.id)), Query.limit(1)), "authorId")
        const [ada, bob] = authors
        const [forAda, forBob] = yield* Effect.all([latest.all(ada.id), latest.all(bob.id)], { concurrency: "unbounded", batching: true })
        expect([forAda.map((p) => p.title), forBob.map((p) => p.title)]).toEqual([["Effect schemas"], ["Hello"]])
      })))

    it.effect("load onto rows in hand (copies, same class), first and get", () =>
      live(Effect.gen(function*() {
        yield* seed
        const authors = yield* Query.all(Query.from(Authors).pipe(Query.orderBy(Authors.c.id)))
        const [loaded, statements] = yield* counted(
          Relation.load(AuthorRel, "posts", (q) => q.pipe(Query.orderBy(Posts.c.rank)))(authors)
        )
        expect(statements.length).toBe(1)
        expect(loaded.map((a) => a.posts.length)).toEqual([3, 1, 1, 0])
        expect(loaded[0]).toBeInstanceOf(Author)
        expect("posts" in authors[0]).toBe(false)
        const withProfile = yield* Relation.load(AuthorRel, "profile")(loaded)
        expect(withProfile.map((a) => [a.posts.length, a.profile?.bio ?? null])).toEqual([
          [3, "first programmer"],
          [1, null],
          [1, "quiet"],
          [0, null]
        ])

        const first = yield* Query.from(Authors).pipe(Relation.prefetch(AuthorRel, "posts"), Relation.first)
        expect(Option.map(first, (a) => [a.name, a.posts.length])).toEqual(Option.some(["Ada", 3]))
        const bob = yield* Query.from(Authors).pipe(Query.where({ name: "Bob" }), Relation.prefetch(AuthorRel, "edited"), Relation.get)
        expect(bob.edited.map((p) => p.title)).toEqual(["Effect in practice"])
        const none = yield* Effect.flip(Query.from(Authors).pipe(Query.where({ name: "Zed" }), Relation.prefetch(AuthorRel, "posts"), Relation.get))
        expect(none._tag).toBe("NotFound")
        const empty = yield* Relation.load(AuthorRel, "posts")([])
        expect(empty).toEqual([])
      })))

    it.effect("loadOne and Loader: concurrent loads from many fibers are batched into one query", () =>
      live(Effect.gen(function*() {
        yield* seed
        const posts = yield* Query.all(Query.from(Posts).pipe(Query.orderBy(Posts.c.id)))
        const authorOf = Relation.loadOne(PostRel, "author")
        const [authors, statements] = yield* counted(Effect.forEach(posts, authorOf, { concurrency: "unbounded" }))
        expect(statements.length).toBe(1)
        expect(statements[0]).toMatch(/ IN \(/)
        // independent fibers, and Effect's own batching mode, batch the same way
        const [forked, statements1] = yield* counted(
          Effect.flatMap(Effect.forEach(posts, (p) => Effect.fork(authorOf(p))), (fibers) => Effect.forEach(fibers, Fiber.join))
        )
        expect(statements1.length).toBe(1)
        expect(forked.map((a) => a.name)).toEqual(["Ada", "Ada", "Ada", "Bob", "Cy"])
        const [, statements1b] = yield* counted(Effect.forEach(posts, authorOf, { concurrency: "unbounded", batching: true }))
        expect(statements1b.length).toBe(1)
        expect(authors.map((a) => a.name)).toEqual(["Ada", "Ada", "Ada", "Bob", "Cy"])

        const commentsOf = Relation.loadOne(PostRel, "comments", (q) => q.pipe(Query.orderBy(Query.desc(Comments.c.id))))
        const tagsOf = Relation.loadOne(PostRel, "tags")
        const [both, statements2] = yield* counted(
          Effect.forEach(posts, (p) => Effect.all([commentsOf(p), tagsOf(p)], { concurrency: 2 }), { concurrency: "unbounded" })
        )
        expect(statements2.length).toBe(2)
        expect(both.map(([cs, ts]) => [cs.map((c) => c.body), ts.map((t) => t.label).sort()])).toEqual([
          [["thanks", "great"], ["effect", "ts"]],
          [[], []],
          [[], ["effect"]],
          [["hi"], ["db"]],
          [[], []]
        ])

        const byId = Loader.make(Authors, "id")
        const ids = [posts[0].authorId, posts[3].authorId, posts[4].authorId, posts[0].authorId]
        const [found, statements3] = yield* counted(Effect.forEach(ids, byId.get, { concurrency: "unbounded" }))
        expect(statements3.length).toBe(1)
        expect(found.map((a) => a.name)).toEqual(["Ada", "Bob", "Cy", "Ada"])
        const missing = yield* Effect.flip(byId.get(-1))
        expect(missing._tag).toBe("NotFound")
        expect(yield* byId.find(-1)).toEqual(Option.none())

        const published = Loader.make(Query.from(Posts).pipe(Query.where({ published: true }), Query.orderBy(Posts.c.rank)), "authorId")
        const lists = yield* Effect.forEach(ids, published.all, { concurrency: "unbounded" })
        expect(lists.map((l) => l.map((p) => p.title))).toEqual([
          ["Effect schemas", "Effect in practice"],
          ["Hello"],
          [],
          ["Effect schemas", "Effect in practice"]
        ])
        const several = yield* Effect.flip(published.get(posts[0].authorId))
        expect(several._tag).toBe("MultipleFound")
        // a loader over an eager query prefetches for the whole batch
        const withPosts = Loader.make(Query.from(Authors).pipe(Relation.prefetch(AuthorRel, "posts")), "id")
        const [eager, statements4] = yield* counted(Effect.forEach(ids, withPosts.get, { concurrency: "unbounded" }))
        expect(statements4.length).toBe(2)
        expect(eager.map((a) => [a.name, a.posts.length])).toEqual([["Ada", 3], ["Bob", 1], ["Cy", 1], ["Ada", 3]])
      })))

    it.effect("batched loads never cross transactions: each reads its own transaction's data", () =>
      live(Effect.gen(function*() {
        const { ada } = yield* seed
        const postsOf = Loader.make(Posts, "authorId")
        const inserted = yield* Deferred.make<void>()
        const go = yield* Deferred.make<void>()
        const inside = Database.transaction(Effect.gen(function*() {
          yield* Query.run(Query.insert(Posts, { authorId: ada.id, editorId: null, title: "uncommitted", published: false, rank: 9 }))
          yield* Deferred.succeed(inserted, undefined)
          yield* Deferred.await(go)
          const posts = yield* postsOf.all(ada.id)
          return yield* Effect.fail({ _tag: "Rollback" as const, titles: posts.map((p) => p.title).sort() })
        }))
        const outside = Effect.zipRight(Deferred.await(go), postsOf.all(ada.id))
        const fiber = yield* Effect.fork(Effect.all([Effect.flip(inside), outside], { concurrency: "unbounded" }))
        yield* Deferred.await(inserted)
        counter.statements = []
        yield* Deferred.succeed(go, undefined)
        const [rolledBack, seen] = yield* Fiber.join(fiber)
        // two batches: one inside the transaction, one outside it
        expect(counter.statements.filter((s) => / IN \(/.test(s)).length).toBe(2)
        expect(rolledBack).toEqual({ _tag: "Rollback", titles: ["Draft ideas", "Effect in practice", "Effect schemas", "uncommitted"] })
        expect(seen.map((p) => p.title).sort()).toEqual(["Draft ideas", "Effect in practice", "Effect schemas"])
      })))

    it.effect("filters across relations, counts (annotate) and ordering by them", () =>
      live(Effect.gen(function*() {
        yield* seed
        const writers = yield* Query.all(
          Query.from(Authors).pipe(Query.where(Relation.whereHas(AuthorRel, "posts", { title: { contains: "Effect" } })))
        )
        expect(writers.map((a) => a.name)).toEqual(["Ada"])
        const idle = yield* Query.all(Query.from(Authors).pipe(Query.where(Relation.whereNone(AuthorRel, "posts"))))
        expect(idle.map((a) => a.name)).toEqual(["Dee"])
        const byElders = yield* Query.all(
          Query.from(Posts).pipe(
            Query.where(Relation.whereHas(PostRel, "author", Expr.gt(Authors.c.age, 30))),
            Query.orderBy(Posts.c.id)
          )
        )
        expect(byElders.map((p) => p.title)).toEqual(["Effect in practice", "Draft ideas", "Effect schemas", "Quiet"])
        const tagged = yield* Query.all(
          Query.from(Posts).pipe(Query.where(Relation.whereHas(PostRel, "tags", { label: "effect" })), Query.orderBy(Posts.c.id))
        )
        expect(tagged.map((p) => p.title)).toEqual(["Effect in practice", "Effect schemas"])

        const [annotated, statements] = yield* counted(
          Query.from(Authors).pipe(
            Query.orderBy(Query.desc(Relation.count(AuthorRel, "posts")), Authors.c.name),
            Relation.annotate({
              posts: Relation.count(AuthorRel, "posts"),
              published: Relation.count(AuthorRel, "posts", { published: true })
            }),
            Relation.prefetch(AuthorRel, "profile"),
            Relation.all
          )
        )
        expect(statements.length).toBe(2)
        expect(annotated.map((a) => [a.name, a.posts, a.published, a.profile?.bio ?? null])).toEqual([
          ["Ada", 3, 2, "first programmer"],
          ["Bob", 1, 1, null],
          ["Cy", 1, 0, "quiet"],
          ["Dee", 0, 0, null]
        ])
        expect(annotated[0]).toBeInstanceOf(Author)

        const projected = yield* Query.all(
          Query.from(Authors).pipe(
            Query.where(Expr.gte(Relation.count(AuthorRel, "posts"), 1)),
            Query.select({ name: Authors.c.name, tags: Relation.count(AuthorRel, "posts", Relation.whereHas(PostRel, "tags")) }),
            Query.orderBy(Authors.c.name)
          )
        )
        expect(projected).toEqual([{ name: "Ada", tags: 2 }, { name: "Bob", tags: 1 }, { name: "Cy", tags: 0 }])

        // annotations inside a relation's loading query
        const nested = yield* Query.from(Authors).pipe(
          Query.where({ name: "Ada" }),
          Relation.prefetch(AuthorRel, "posts", (q) =>
            q.pipe(Query.orderBy(Query.desc(Posts.c.rank)), Relation.annotate({ comments: Relation.count(PostRel, "comments") }))),
          Relation.get
        )
        expect(nested.posts.map((p) => [p.title, p.comments])).toEqual([
          ["Effect in practice", 2],
          ["Effect schemas", 0],
          ["Draft ideas", 0]
        ])
      })))

    it.effect("comments → post → author: belongs-to chains", () =>
      live(Effect.gen(function*() {
        yield* seed
        const [comments, statements] = yield* counted(
          Query.from(Comments).pipe(
            Query.orderBy(Comments.c.id),
            Relation.prefetch(CommentRel, "post", Relation.prefetch(PostRel, "author")),
            Relation.all
          )
        )
        expect(statements.length).toBe(3)
        expect(comments.map((c) => `${c.body}: ${c.post?.title} by ${c.post?.author.name}`)).toEqual([
          "great: Effect in practice by Ada",
          "thanks: Effect in practice by Ada",
          "hi: Hello by Bob"
        ])
      })))
  })
}
