/**
 * The query cache on SQLite, PostgreSQL and MariaDB: hits without a round
 * trip (statements counted), exact invalidation by the tables a read
 * depends on, writes of every kind through Quarry, transactions.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Schema } from "effect"
import * as QueryCache from "../../src/cache/QueryCache.js"
import * as Database from "../../src/layers/Database.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Repository from "../../src/orm/Repository.js"
import * as Expr from "../../src/query/Expr.js"
import * as Query from "../../src/query/Query.js"
import { cases } from "../support/dialects.js"
import {
  AuthorRel,
  Authors,
  BookLabels,
  Book,
  BookRel,
  Books,
  cachedLayer,
  counted,
  Notes,
  recorded,
  Reviews,
  seed
} from "./fixtures.js"

const books = Query.from(Books).pipe(Query.orderBy(Books.c.id), Query.cached())
const titles = (rows: ReadonlyArray<{ readonly title: string }>) => rows.map((b) => b.title)

class Rollback {
  readonly _tag = "Rollback"
}

for (const c of cases("cache_reads")) {
  layer(cachedLayer(c.layer), { excludeTestServices: true, timeout: "120 seconds" })(c.name, (it) => {
    describe("hits", () => {
      it.effect("a cached read returns the same rows without a database round trip", () =>
        Effect.gen(function*() {
          yield* seed
          const [first, n1] = yield* counted(Query.all(books))
          const [again, n2] = yield* counted(Query.all(books))
          expect(n1).toBe(1)
          expect(n2).toBe(0)
          expect(again).toEqual(first)
          expect(titles(again)).toEqual(["Dune", "Emma", "Faust"])
          // the same query value without `cached` always reads
          const [, n3] = yield* counted(Query.all(Query.from(Books).pipe(Query.orderBy(Books.c.id))))
          expect(n3).toBe(1)
        }))

      it.effect("Query.uncached reads a cached query value from the database, and stores nothing", () =>
        Effect.gen(function*() {
          yield* seed
          const [, n1] = yield* counted(Query.all(Query.uncached(books)))
          const [, n2] = yield* counted(Query.all(Query.uncached(books)))
          const [, n3] = yield* counted(Query.all(books))
          const [, n4] = yield* counted(Query.all(books))
          const [fresh, n5] = yield* counted(Query.all(Query.uncached(books)))
          expect([n1, n2, n3, n4, n5]).toEqual([1, 1, 1, 0, 1])
          expect(titles(fresh)).toEqual(["Dune", "Emma", "Faust"])
        }))

      it.effect("the key is dialect + SQL + parameters: other parameters are another entry", () =>
        Effect.gen(function*() {
          const { ann, bob } = yield* seed
          const byAuthor = (id: number) => Query.from(Books).pipe(Query.where({ authorId: id }), Query.cached(), Query.all)
          const [annBooks, n1] = yield* counted(byAuthor(ann.id))
          const [bobBooks, n2] = yield* counted(byAuthor(bob.id))
          const [annAgain, n3] = yield* counted(byAuthor(ann.id))
          expect([n1, n2, n3]).toEqual([1, 1, 0])
          expect(titles(annBooks)).toEqual(["Dune", "Emma"])
          expect(titles(bobBooks)).toEqual(["Faust"])
          expect(annAgain).toEqual(annBooks)
        }))

      it.effect("get, first, last, count, exists, aggregate, joins and unions are cached", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const one = Query.from(Books).pipe(Query.where({ id: dune.id }), Query.cached())
          const reads = Effect.all([
            Query.get(one),
            Query.first(books),
            Query.last(books),
            Query.count(books),
            Query.exists(one),
            Query.aggregate(books, { pages: Expr.sum(Books.c.pages) }),
            Query.all(Query.from(Books).pipe(
              Query.innerJoin(Authors, Expr.eq(Books.c.authorId, Authors.c.id)),
              Query.select({ title: Books.c.title, author: Authors.c.name }),
              Query.orderBy(Books.c.id),
              Query.cached()
            )),
            Query.all(Query.union([
              Query.from(Books).pipe(Query.where({ pages: { gt: 400 } })),
              Query.from(Books).pipe(Query.where({ pages: { lt: 200 } }))
            ], { orderBy: ["id"] }).pipe(Query.cached()))
          ])
          const [first, n1] = yield* counted(reads)
          const [again, n2] = yield* counted(reads)
          expect(n1).toBe(8)
          expect(n2).toBe(0)
          expect(again).toEqual(first)
          const [got, firstRow, lastRow, count, exists, sum, joined, union] = again
          expect(got.title).toBe("Dune")
          expect(Option.getOrThrow(firstRow).title).toBe("Dune")
          expect(Option.getOrThrow(lastRow).title).toBe("Faust")
          expect([count, exists, Number(sum.pages)]).toEqual([3, true, 870])
          expect(joined.map((r) => r.author)).toEqual(["Ann", "Ann", "Bob"])
          expect(titles(union)).toEqual(["Dune", "Faust"])
        }))

      it.effect("a cached raw query, invalidated by the tables it names", () =>
        Effect.gen(function*() {
          yield* seed
          const row = Schema.Struct({ id: Schema.Number, title: Schema.String })
          const raw = Query.raw(row)`SELECT id, title FROM cache_books ORDER BY id`.pipe(Query.cached({ tags: [Books] }))
          expect(() => Query.raw(row)`SELECT id, title FROM cache_books`.pipe(Query.cached())).toThrow(/tags/)
          const [first, n1] = yield* counted(Query.all(raw))
          const [, n2] = yield* counted(Query.all(raw))
          expect([first.length, n1, n2]).toEqual([3, 1, 0])
          yield* Query.run(Query.delete(Books).pipe(Query.where({ title: "Emma" })))
          const [after, n3] = yield* counted(Query.all(raw))
          expect([after.length, n3]).toEqual([2, 1])
        }))

      it.effect("a prefetching read is served from the cache at every level", () =>
        Effect.gen(function*() {
          yield* seed
          const eager = Query.from(Authors).pipe(
            Query.orderBy(Authors.c.id),
            Query.cached(),
            Relation.prefetch(AuthorRel, "books", (q) =>
              q.pipe(Query.orderBy(Books.c.id), Relation.prefetch(BookRel, "labels"), Relation.prefetch(BookRel, "reviews")))
          )
          const [first, n1] = yield* counted(Relation.all(eager))
          const [again, n2] = yield* counted(Relation.all(eager))
          expect(n1).toBe(4)
          expect(n2).toBe(0)
          expect(again).toEqual(first)
          expect(again[0].books.map((b) => b.labels.map((l) => l.name))).toEqual([["modern"], []])
          expect(again[1].books[0].reviews.map((r) => r.stars)).toEqual([3])
        }))
    })

    describe("invalidation", () => {
      it.effect("a write to the table read invalidates; the next read sees it", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          yield* Query.all(books)
          yield* Query.run(Query.update(Books, { title: "Dune Messiah" }).pipe(Query.where({ id: dune.id })))
          const [after, n] = yield* counted(Query.all(books))
          expect(n).toBe(1)
          expect(titles(after)).toEqual(["Dune Messiah", "Emma", "Faust"])
          const [, cachedAgain] = yield* counted(Query.all(books))
          expect(cachedAgain).toBe(0)
        }))

      it.effect("a write to an unrelated table invalidates nothing", () =>
        Effect.gen(function*() {
          yield* seed
          yield* Query.all(books)
          yield* Query.run(Query.insert(Notes, { body: "hello" }))
          yield* Query.run(Query.update(Notes, { body: "bye" }))
          yield* Query.run(Query.delete(Notes))
          // authors are referenced by books with `restrict`: writing them changes no book
          yield* Query.run(Query.insert(Authors, { name: "Cy" }))
          const [, n] = yield* counted(Query.all(books))
          expect(n).toBe(0)
        }))

      it.effect("a write to a joined table invalidates", () =>
        Effect.gen(function*() {
          const { ann } = yield* seed
          const joined = Query.from(Books).pipe(
            Query.innerJoin(Authors, Expr.eq(Books.c.authorId, Authors.c.id)),
            Query.select({ title: Books.c.title, author: Authors.c.name }),
            Query.orderBy(Books.c.id),
            Query.cached()
          )
          yield* Query.all(joined)
          yield* Query.run(Query.update(Authors, { name: "Anne" }).pipe(Query.where({ id: ann.id })))
          const [after, n] = yield* counted(Query.all(joined))
          expect(n).toBe(1)
          expect(after.map((r) => r.author)).toEqual(["Anne", "Anne", "Bob"])
        }))

      it.effect("a write to a table read by a subquery invalidates", () =>
        Effect.gen(function*() {
          const { emma, classic } = yield* seed
          const reviewed = Query.from(Books).pipe(
            Query.where(Expr.in(Books.c.id, Query.from(Reviews).pipe(Query.select({ id: Reviews.c.bookId })))),
            Query.orderBy(Books.c.id),
            Query.cached()
          )
          const labelled = Query.from(Books).pipe(
            Query.where(Relation.whereHas(BookRel, "labels")),
            Query.orderBy(Books.c.id),
            Query.cached()
          )
          expect(titles(yield* Query.all(reviewed))).toEqual(["Dune", "Faust"])
          expect(titles(yield* Query.all(labelled))).toEqual(["Dune", "Faust"])
          yield* Query.run(Query.insert(Reviews, { bookId: emma.id, stars: 4 }))
          const [after, n] = yield* counted(Query.all(reviewed))
          expect([titles(after), n]).toEqual([["Dune", "Emma", "Faust"], 1])
          const [, untouched] = yield* counted(Query.all(labelled))
          expect(untouched).toBe(0)
          yield* Relation.add(BookRel, "labels")(emma, [classic])
          const [relabelled, m] = yield* counted(Query.all(labelled))
          expect([titles(relabelled), m]).toEqual([["Dune", "Emma", "Faust"], 1])
        }))

      it.effect("a write to a prefetched relation's table re-reads that level only", () =>
        Effect.gen(function*() {
          const { faust, classic } = yield* seed
          const eager = Query.from(Authors).pipe(
            Query.orderBy(Authors.c.id),
            Query.cached(),
            Relation.prefetch(AuthorRel, "books", (q) => q.pipe(Query.orderBy(Books.c.id), Relation.prefetch(BookRel, "labels")))
          )
          yield* Relation.all(eager)
          yield* Query.run(Query.update(Books, { pages: 160 }).pipe(Query.where({ id: faust.id })))
          const [after, sql] = yield* recorded(Relation.all(eager))
          // books changed: only the books level is read again (the labels of the same books are still valid)
          expect(sql.length).toBe(1)
          expect(sql[0]).toContain("cache_books")
          expect(after[1].books[0].pages).toBe(160)
          // a many-to-many link written through its relation invalidates the join table's level
          yield* Relation.remove(BookRel, "labels")(faust, [classic])
          const [unlinked, sql2] = yield* recorded(Relation.all(eager))
          expect(sql2.length).toBe(1)
          expect(sql2[0]).toContain("cache_book_labels")
          expect(unlinked[1].books[0].labels).toEqual([])
        }))

      it.effect("a delete cascading through a foreign key invalidates the reads of the table it cascades to", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          const reviews = Query.from(Reviews).pipe(Query.orderBy(Reviews.c.id), Query.cached())
          expect((yield* Query.all(reviews)).length).toBe(2)
          yield* Query.run(Query.delete(BookLabels).pipe(Query.where({ bookId: dune.id })))
          yield* Query.run(Query.delete(Books).pipe(Query.where({ id: dune.id })))
          const [after, n] = yield* counted(Query.all(reviews))
          expect([after.length, n]).toEqual([1, 1])
        }))

      it.effect("repository writes, bulk writes and returning writes invalidate", () =>
        Effect.gen(function*() {
          const { ann, emma, classic } = yield* seed
          const repo = Repository.make(Books)
          const links = Query.from(BookLabels).pipe(Query.cached())
          const check = <A, E, R>(write: Effect.Effect<A, E, R>, read: Query.Select<any, any, any> = books) =>
            Effect.gen(function*() {
              yield* Query.all(read)
              yield* write
              const [, n] = yield* counted(Query.all(read))
              return n
            })
          const created = yield* repo.create({ authorId: ann.id, title: "Gone", pages: 10 })
          const n = yield* Effect.all([
            check(repo.save(Book.make({ ...created, pages: 11 }))),
            check(repo.remove(created)),
            check(repo.bulkCreate([{ authorId: ann.id, title: "H", pages: 1 }, { authorId: ann.id, title: "I", pages: 2 }])),
            check(repo.bulkUpdate([Book.make({ ...emma, pages: 301 })], ["pages"])),
            check(repo.update({ title: "H" }, { pages: 3 })),
            check(repo.delete({ title: { in: ["H", "I"] } })),
            check(Query.run(Query.insertMany(Books, [{ authorId: ann.id, title: "J", pages: 4 }]))),
            check(Query.all(Query.update(Books, { pages: 5 }).pipe(Query.where({ title: "J" }), Query.returning()))),
            check(Query.run(Query.insertOrIgnore(BookLabels, [{ bookId: emma.id, labelId: classic.id }])), links),
            check(Relation.set(BookRel, "labels")(emma, []), links)
          ])
          expect(n).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
          expect((yield* Query.get(Query.from(Books).pipe(Query.where({ id: emma.id }), Query.cached()))).pages).toBe(301)
        }))

      it.effect("QueryCache.invalidate, for writes made outside Quarry", () =>
        Effect.gen(function*() {
          yield* seed
          yield* Query.all(books)
          yield* Database.run({ sql: "UPDATE cache_books SET pages = 1", params: [] })
          const [stale, n1] = yield* counted(Query.all(books))
          expect([stale[0].pages, n1]).toEqual([412, 0])
          yield* QueryCache.invalidate(Books)
          const [fresh, n2] = yield* counted(Query.all(books))
          expect([fresh[0].pages, n2]).toEqual([1, 1])
          const tagged = Query.from(Books).pipe(Query.cached({ tags: ["catalogue"] }))
          yield* Query.all(tagged)
          yield* QueryCache.invalidate("catalogue")
          const [, n3] = yield* counted(Query.all(tagged))
          const [, n4] = yield* counted(Query.all(books))
          expect([n3, n4]).toEqual([1, 0])
        }))
    })

    describe("transactions", () => {
      it.effect("a write in a transaction invalidates when it commits, not before", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          yield* Query.all(books)
          const written = yield* Deferred.make<void>()
          // forked before the transaction, so outside it
          const outside = yield* Effect.fork(Effect.zipRight(Deferred.await(written), counted(Query.all(books))))
          yield* Database.transaction(Effect.gen(function*() {
            yield* Query.run(Query.update(Books, { title: "Dune II" }).pipe(Query.where({ id: dune.id })))
            yield* Deferred.succeed(written, undefined)
            const [meanwhile, n] = yield* Fiber.join(outside)
            expect([titles(meanwhile)[0], n]).toEqual(["Dune", 0])
          }))
          const [after, n] = yield* counted(Query.all(books))
          expect([titles(after)[0], n]).toEqual(["Dune II", 1])
        }))

      it.effect("a rolled-back write invalidates nothing", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          yield* Query.all(books)
          const outcome = yield* Database.transaction(Effect.gen(function*() {
            yield* Query.run(Query.update(Books, { title: "Never" }).pipe(Query.where({ id: dune.id })))
            return yield* Effect.fail(new Rollback())
          })).pipe(Effect.flip)
          expect(outcome._tag).toBe("Rollback")
          // a savepoint rolled back inside a committed transaction drops its invalidations too
          yield* Database.transaction(Effect.gen(function*() {
            yield* Effect.ignore(Database.transaction(Effect.zipRight(
              Query.run(Query.update(Books, { title: "Never" }).pipe(Query.where({ id: dune.id }))),
              Effect.fail(new Rollback())
            )))
            yield* Query.run(Query.insert(Notes, { body: "committed" }))
          }))
          const [after, n] = yield* counted(Query.all(books))
          expect([titles(after)[0], n]).toEqual(["Dune", 0])
        }))

      it.effect("reads inside a transaction bypass the cache and see the transaction's writes", () =>
        Effect.gen(function*() {
          const { dune } = yield* seed
          yield* Query.all(books)
          yield* Database.transaction(Effect.gen(function*() {
            const [before, n1] = yield* counted(Query.all(books))
            expect(n1).toBe(1)
            expect(titles(before)[0]).toBe("Dune")
            yield* Query.run(Query.update(Books, { title: "Mine" }).pipe(Query.where({ id: dune.id })))
            const [own, n2] = yield* counted(Query.all(books))
            expect([titles(own)[0], n2]).toEqual(["Mine", 1])
            return yield* Effect.fail(new Rollback())
          })).pipe(Effect.ignore)
          // nothing read in the transaction was stored
          const [after, n] = yield* counted(Query.all(books))
          expect([titles(after)[0], n]).toEqual(["Dune", 0])
        }))

      it.effect("reads inside the sql client's own transaction bypass the cache too", () =>
        Effect.gen(function*() {
          yield* seed
          yield* Query.all(books)
          const sql = yield* SqlClient.SqlClient
          const [, n] = yield* counted(sql.withTransaction(Query.all(books)))
          expect(n).toBe(1)
        }))
    })

    describe("concurrency", () => {
      it.effect("100 concurrent misses of one statement read the database once", () =>
        Effect.gen(function*() {
          yield* seed
          const [results, n] = yield* counted(
            Effect.all(Array.from({ length: 100 }, () => Query.all(books)), { concurrency: "unbounded" })
          )
          expect(n).toBe(1)
          expect(results.every((r) => titles(r).join() === "Dune,Emma,Faust")).toBe(true)
        }))
    })
  })
}
