/**
 * Relations without a database: the SQL of filters and counts across
 * relations (the correlated-subquery node) on the three dialects, the
 * declaration checks, and the types of loaded rows.
 */
import { Model } from "@effect/sql"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { type Effect, type Option, Schema } from "effect"
import type * as Ast from "../../src/query/Ast.js"
import * as Dialect from "../../src/dialect/Dialect.js"
import * as Expr from "../../src/query/Expr.js"
import * as Loader from "../../src/orm/Loader.js"
import * as Query from "../../src/query/Query.js"
import * as Relation from "../../src/orm/Relation.js"
import * as Table from "../../src/schema/Table.js"
import {
  type Author,
  AuthorRel,
  Authors,
  type Comment,
  CommentRel,
  Comments,
  type Post,
  PostRel,
  Posts,
  PostTags,
  type Profile,
  type Tag,
  TagRel,
  Tags
} from "./Relation.fixtures.js"
import { compileSelect } from "../../src/query/internal/compileSelect.js"
import { golden, sqlOf } from "../query/support.js"

describe("Relation: SQL of filters and counts", () => {
  it("whereHas over a has-many: EXISTS with the correlation and the lookup", () => {
    golden(
      Query.from(Authors).pipe(Query.where(Relation.whereHas(AuthorRel, "posts", { title: { contains: "Effect" } })), Query.only("name")),
      {
        sqlite: [
          `SELECT "name" FROM "rel_authors" WHERE EXISTS (SELECT 1 AS "one" FROM "rel_posts" WHERE "rel_posts"."author_id" = "rel_authors"."id" AND "rel_posts"."title" GLOB ?)`,
          ["*Effect*"]
        ],
        postgres: [
          `SELECT "name" FROM "rel_authors" WHERE EXISTS (SELECT 1 AS "one" FROM "rel_posts" WHERE "rel_posts"."author_id" = "rel_authors"."id" AND "rel_posts"."title" LIKE $1 ESCAPE '!')`,
          ["%Effect%"]
        ],
        mysql: [
          "SELECT `name` FROM `rel_authors` WHERE EXISTS (SELECT 1 AS `one` FROM `rel_posts` WHERE `rel_posts`.`author_id` = `rel_authors`.`id` AND `rel_posts`.`title` LIKE BINARY ? ESCAPE '!')",
          ["%Effect%"]
        ]
      }
    )
  })

  it("whereHas over a belongs-to, with an expression", () => {
    golden(Query.from(Posts).pipe(Query.where(Relation.whereHas(PostRel, "author", Expr.gt(Authors.c.age, 30))), Query.only("id")), {
      sqlite: [
        `SELECT "id" FROM "rel_posts" WHERE EXISTS (SELECT 1 AS "one" FROM "rel_authors" WHERE "rel_authors"."id" = "rel_posts"."author_id" AND "rel_authors"."age" > ?)`,
        [30]
      ],
      postgres: [
        `SELECT "id" FROM "rel_posts" WHERE EXISTS (SELECT 1 AS "one" FROM "rel_authors" WHERE "rel_authors"."id" = "rel_posts"."author_id" AND "rel_authors"."age" > $1)`,
        [30]
      ],
      mysql: [
        "SELECT `id` FROM `rel_posts` WHERE EXISTS (SELECT 1 AS `one` FROM `rel_authors` WHERE `rel_authors`.`id` = `rel_posts`.`author_id` AND `rel_authors`.`age` > ?)",
        [30]
      ]
    })
  })

  it("whereNone over a many-to-many: NOT EXISTS through the join table", () => {
    golden(Query.from(Posts).pipe(Query.where(Relation.whereNone(PostRel, "tags", { label: "x" })), Query.only("id")), {
      sqlite: [
        `SELECT "id" FROM "rel_posts" WHERE NOT EXISTS (SELECT 1 AS "one" FROM "rel_tags" INNER JOIN "rel_post_tags" ON "rel_post_tags"."tag_id" = "rel_tags"."id" WHERE "rel_post_tags"."post_id" = "rel_posts"."id" AND "rel_tags"."label" = ?)`,
        ["x"]
      ],
      postgres: [
        `SELECT "id" FROM "rel_posts" WHERE NOT EXISTS (SELECT 1 AS "one" FROM "rel_tags" INNER JOIN "rel_post_tags" ON "rel_post_tags"."tag_id" = "rel_tags"."id" WHERE "rel_post_tags"."post_id" = "rel_posts"."id" AND "rel_tags"."label" = $1)`,
        ["x"]
      ],
      mysql: [
        "SELECT `id` FROM `rel_posts` WHERE NOT EXISTS (SELECT 1 AS `one` FROM `rel_tags` INNER JOIN `rel_post_tags` ON `rel_post_tags`.`tag_id` = `rel_tags`.`id` WHERE `rel_post_tags`.`post_id` = `rel_posts`.`id` AND `rel_tags`.`label` = ?)",
        ["x"]
      ]
    })
  })

  it("count: a scalar subquery (Ast Subquery node) in a projection and in ORDER BY", () => {
    const q = Query.from(Authors).pipe(
      Query.select({ name: Authors.c.name, n: Relation.count(AuthorRel, "posts", { published: true }) }),
      Query.orderBy(Query.desc(Relation.count(AuthorRel, "posts")))
    )
    const sub = (q: string, p: string) =>
      `(SELECT COUNT(*) AS ${q}count${q} FROM ${q}rel_posts${q} WHERE ${q}rel_posts${q}.${q}author_id${q} = ${q}rel_authors${q}.${q}id${q}${p})`
    golden(q, {
      sqlite: [
        `SELECT "name" AS "name", ${sub(`"`, ` AND "rel_posts"."published" = ?`)} AS "n" FROM "rel_authors" ORDER BY ${sub(`"`, "")} DESC`,
        [1]
      ],
      postgres: [
        `SELECT "name" AS "name", ${sub(`"`, ` AND "rel_posts"."published" = $1`)} AS "n" FROM "rel_authors" ORDER BY ${sub(`"`, "")} DESC`,
        [true]
      ],
      mysql: [
        `SELECT \`name\` AS \`name\`, ${sub("`", " AND `rel_posts`.`published` = ?")} AS \`n\` FROM \`rel_authors\` ORDER BY ${sub("`", "")} DESC`,
        [1]
      ]
    })
    expect(Relation.count(AuthorRel, "posts")._tag).toBe("Subquery")
    expectTypeOf<Query.Row<typeof q>>().toEqualTypeOf<{ readonly name: string; readonly n: number }>()
  })

  it("a hand-made Subquery node: its value is nullable unless an ungrouped aggregate", () => {
    const newest: Ast.Subquery = {
      _tag: "Subquery",
      query: { ...Query.from(Posts).pipe(Query.where(Expr.eq(Posts.c.authorId, Authors.c.id))).ast, projection: [["t", Posts.c.title]] }
    }
    golden(Query.from(Authors).pipe(Query.select({ t: newest as Expr.Expr<string | null> })), {
      sqlite: [`SELECT (SELECT "rel_posts"."title" AS "t" FROM "rel_posts" WHERE "rel_posts"."author_id" = "rel_authors"."id") AS "t" FROM "rel_authors"`, []],
      postgres: [`SELECT (SELECT "rel_posts"."title" AS "t" FROM "rel_posts" WHERE "rel_posts"."author_id" = "rel_authors"."id") AS "t" FROM "rel_authors"`, []],
      mysql: ["SELECT (SELECT `rel_posts`.`title` AS `t` FROM `rel_posts` WHERE `rel_posts`.`author_id` = `rel_authors`.`id`) AS `t` FROM `rel_authors`", []]
    })
  })
})

describe("Relation: declarations", () => {
  class Node extends Model.Class<Node>("Node")({ id: Model.Generated(Schema.Int), parentId: Schema.NullOr(Schema.Int) }) {}
  const Nodes: Table.Table<typeof Node> = Table.make(Node, { name: "nodes", columns: { parentId: { references: () => Nodes } } })
  const NodeRel = Relation.define(Nodes, {
    parent: Relation.belongsTo(() => Nodes, { foreignKey: "parentId" }),
    children: Relation.hasMany(() => Nodes, { foreignKey: "parentId" })
  })

  it("foreign keys are inferred from `references` when there is exactly one", () => {
    // the comments relation names no foreign key: rel_comments.post_id references rel_posts
    expect(JSON.stringify(Relation.whereHas(PostRel, "comments"))).toContain("post_id")
    // two columns of rel_posts reference rel_authors: the author relation must name one
    const Ambiguous = Relation.define(Authors, { posts: Relation.hasMany(() => Posts) })
    expect(() => Relation.whereHas(Ambiguous, "posts")).toThrow(/several columns of rel_posts reference rel_authors/)
    const NoLink = Relation.define(Tags, { comments: Relation.hasMany(() => Comments) })
    expect(() => Relation.count(NoLink, "comments")).toThrow(/no column of rel_comments references rel_tags/)
  })

  it("keys default to the field a foreign key is declared to reference", () => {
    class Account extends Model.Class<Account>("Account")({ id: Model.Generated(Schema.Int), code: Schema.String }) {}
    const Accounts = Table.make(Account, { name: "accounts", columns: { code: { unique: true } } })
    class Order extends Model.Class<Order>("Order")({ id: Model.Generated(Schema.Int), accountCode: Schema.String }) {}
    const Orders = Table.make(Order, {
      name: "orders",
      columns: { accountCode: { references: { table: () => Accounts, field: "code" } } }
    })
    const AccountRel = Relation.define(Accounts, { orders: Relation.hasMany(() => Orders) })
    const OrderRel = Relation.define(Orders, { account: Relation.belongsTo(() => Accounts) })
    golden(Query.from(Accounts).pipe(Query.where(Relation.whereHas(AccountRel, "orders")), Query.only("id")), {
      sqlite: [`SELECT "id" FROM "accounts" WHERE EXISTS (SELECT 1 AS "one" FROM "orders" WHERE "orders"."account_code" = "accounts"."code")`, []],
      postgres: [`SELECT "id" FROM "accounts" WHERE EXISTS (SELECT 1 AS "one" FROM "orders" WHERE "orders"."account_code" = "accounts"."code")`, []],
      mysql: ["SELECT `id` FROM `accounts` WHERE EXISTS (SELECT 1 AS `one` FROM `orders` WHERE `orders`.`account_code` = `accounts`.`code`)", []]
    })
    expect(JSON.stringify(Relation.whereHas(OrderRel, "account"))).toContain(`"name":"code"`)
  })

  it("relation names may not shadow fields; unknown keys and relations are reported", () => {
    expect(() => Relation.define(Posts, { title: Relation.belongsTo(() => Authors) })).toThrow(/the name is a field/)
    const Bad = Relation.define(Authors, { posts: Relation.hasMany(() => Posts, { foreignKey: "authorId", key: "nope" }) })
    expect(() => Relation.count(Bad, "posts")).toThrow(/rel_authors has no field nope/)
  })

  it("a loading query cannot be grouped or projected, nor sliced by a parameter; names cannot collide", () => {
    expect(() => Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.limit(Query.param("n"))))).toThrow(/parameter as LIMIT/)
    expect(() => Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.offset(-1)))).toThrow(/LIMIT \/ OFFSET/)
    expect(() => Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.groupBy(Posts.c.authorId)))).toThrow(/GROUP BY/)
    const twice = Query.from(Authors).pipe(Relation.prefetch(AuthorRel, "posts"))
    expect(() => twice.pipe(Relation.prefetch(AuthorRel, "posts"))).toThrow(/already/)
    expect(() => twice.pipe(Relation.annotate({ name: Relation.count(AuthorRel, "posts") }))).toThrow(/already/)
    expect(() => Loader.make(Query.from(Authors).pipe(Query.limit(Query.param("n"))), "id")).toThrow(/LIMIT/)
  })

  it("self-referencing relations load, and are filtered and counted through an alias of the table", () => {
    const q = Query.from(Nodes).pipe(Relation.prefetch(NodeRel, "children"), Relation.prefetch(NodeRel, "parent"))
    expectTypeOf(Relation.all(q)).toMatchTypeOf<
      Effect.Effect<ReadonlyArray<Node & { readonly children: ReadonlyArray<Node>; readonly parent: Node | null }>, any, any>
    >()
    const withChildren = Query.from(Nodes).pipe(Query.where(Relation.whereHas(NodeRel, "children", { id: { gt: 5 } })), Query.only("id"))
    expect(sqlOf(withChildren, Dialect.postgres)).toEqual([
      `SELECT "id" FROM "nodes" WHERE EXISTS (SELECT 1 AS "one" FROM "nodes" AS "nodes__children"` +
      ` WHERE "nodes__children"."parent_id" = "nodes"."id" AND "nodes__children"."id" > $1)`,
      [5]
    ])
    // an expression over the table means the related row, as a lookup does
    const byExpr = Query.from(Nodes).pipe(Query.where(Relation.whereHas(NodeRel, "children", Expr.gt(Nodes.c.id, 5))), Query.only("id"))
    expect(sqlOf(byExpr, Dialect.postgres)).toEqual(sqlOf(withChildren, Dialect.postgres))
    const counted = Query.from(Nodes).pipe(Query.select({ id: Nodes.c.id, n: Relation.count(NodeRel, "parent") }))
    expect(sqlOf(counted, Dialect.sqlite)[0]).toBe(
      `SELECT "id" AS "id", (SELECT COUNT(*) AS "count" FROM "nodes" AS "nodes__parent" WHERE "nodes__parent"."id" = "nodes"."parent_id") AS "n" FROM "nodes"`
    )
    expect(() => Relation.whereHas(NodeRel, "children", Relation.whereHas(NodeRel, "children"))).toThrow(/subquery/)
  })

  it("a slice per parent: rows numbered per key in the query's order (else the primary key's), then sliced", () => {
    const keyed = (q: Query.Select<any, any, any>): Ast.Select => ({
      ...q.ast,
      where: { _tag: "In", expr: Posts.c.authorId, values: [{ _tag: "Value", value: 1 }], negated: false },
      partitionBy: Posts.c.authorId
    })
    const newest = compileSelect(Dialect.postgres, keyed(Query.from(Posts).pipe(Query.only("id"), Query.orderBy(Query.desc(Posts.c.rank)), Query.limit(2), Query.offset(1))))
    expect(newest.sql).toBe(
      `SELECT * FROM (SELECT "id", ROW_NUMBER() OVER (PARTITION BY "author_id" ORDER BY "rank" DESC) AS "$row" FROM "rel_posts"` +
        ` WHERE "author_id" IN ($1)) "$q" WHERE "$q"."$row" > 1 AND "$q"."$row" <= 3 ORDER BY "$q"."$row"`
    )
    const byKey = compileSelect(Dialect.mysql, keyed(Query.from(Posts).pipe(Query.only("id"), Query.limit(1))))
    expect(byKey.sql).toBe(
      "SELECT * FROM (SELECT `id`, ROW_NUMBER() OVER (PARTITION BY `author_id` ORDER BY `id`) AS `$row` FROM `rel_posts`" +
        " WHERE `author_id` IN (?)) `$q` WHERE `$q`.`$row` <= 1 ORDER BY `$q`.`$row`"
    )
    // without a slice, the partition changes nothing
    expect(compileSelect(Dialect.sqlite, keyed(Query.from(Posts).pipe(Query.only("id")))).sql).toBe(
      `SELECT "id" FROM "rel_posts" WHERE "author_id" IN (?)`
    )
  })

  it("a narrowed parent query still reads the key its relations need", () => {
    const q = Query.from(Authors).pipe(Query.only("name"), Relation.prefetch(AuthorRel, "posts"))
    expect(q.query.ast.fields).toEqual(["name", "id"])
  })
})

describe("Relation: types", () => {
  it("the result type holds exactly the relations loaded", () => {
    const q = Query.from(Authors).pipe(
      Relation.prefetch(AuthorRel, "posts", (q) =>
        q.pipe(Query.where({ published: true }), Relation.prefetch(PostRel, "comments"))),
      Relation.prefetch(AuthorRel, "profile")
    )
    expectTypeOf(Relation.all(q)).toMatchTypeOf<
      Effect.Effect<
        ReadonlyArray<
          Author & {
            readonly posts: ReadonlyArray<Post & { readonly comments: ReadonlyArray<Comment> }>
          } & { readonly profile: Profile | null }
        >,
        any,
        any
      >
    >()
  })

  it("belongs-to: a row when the declared key is not nullable and unfiltered; else row | null", () => {
    const q = Query.from(Posts).pipe(
      Relation.prefetch(PostRel, "author"),
      Relation.prefetch(PostRel, "editor"),
      Relation.prefetch(PostRel, "tags")
    )
    expectTypeOf(Relation.get(q)).toMatchTypeOf<
      Effect.Effect<
        Post & { readonly author: Author } & { readonly editor: Author | null } & { readonly tags: ReadonlyArray<Tag> },
        any,
        any
      >
    >()
    const filtered = Query.from(Comments).pipe(Relation.prefetch(CommentRel, "post", (q) => q.pipe(Query.where({ published: true }))))
    expectTypeOf(Relation.first(filtered)).toMatchTypeOf<
      Effect.Effect<Option.Option<Comment & { readonly post: Post | null }>, any, any>
    >()
    expectTypeOf(Relation.loadOne(PostRel, "author")).toMatchTypeOf<(row: Post) => Effect.Effect<Author, any, any>>()
    expectTypeOf(Relation.loadOne(TagRel, "posts")).toMatchTypeOf<(row: Tag) => Effect.Effect<ReadonlyArray<Post>, any, any>>()
  })

  it("narrowed and annotated related rows", () => {
    const q = Query.from(Authors).pipe(
      Relation.annotate({ n: Relation.count(AuthorRel, "posts") }),
      Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.only("id", "title")))
    )
    expectTypeOf(Relation.all(q)).toMatchTypeOf<
      Effect.Effect<
        ReadonlyArray<Author & { readonly n: number } & { readonly posts: ReadonlyArray<Pick<Post, "id" | "title">> }>,
        any,
        any
      >
    >()
    const users = Loader.make(Authors, "id")
    expectTypeOf(users.get).parameter(0).toEqualTypeOf<number>()
    expectTypeOf(users.get).returns.toMatchTypeOf<Effect.Effect<Author, any, any>>()
  })

  it("what must not compile (checked by tsc, never run)", () => {
    const neverRun = () => {
      // @ts-expect-error: not a relation of authors
      Relation.prefetch(AuthorRel, "comments")
      // @ts-expect-error: a relation of posts applied to an authors query
      Query.from(Authors).pipe(Relation.prefetch(PostRel, "author"))
      // @ts-expect-error: a foreign key that is not a field of the declaring table
      Relation.define(Posts, { writer: Relation.belongsTo(() => Authors, { foreignKey: "writerId" }) })
      // @ts-expect-error: a has-many's foreign key must be a field of the target
      Relation.hasMany(() => Posts, { foreignKey: "nope" })
      // @ts-expect-error: a lookup over the related table's fields only
      Relation.whereHas(AuthorRel, "posts", { label: "x" })
      // @ts-expect-error: add / remove / set are for many-to-many relations
      Relation.add(AuthorRel, "posts")
      // @ts-expect-error: the join table's own required column must be given
      Relation.add(PostRel, "tags")(null as unknown as Post, [1])
      // @ts-expect-error: joins are not allowed in a loading query
      Relation.prefetch(AuthorRel, "posts", (q) => q.pipe(Query.innerJoin(PostTags, Expr.eq(PostTags.c.postId, Posts.c.id))))
      // @ts-expect-error: Query.where cannot follow a prefetch (filter the base query first)
      Query.from(Authors).pipe(Relation.prefetch(AuthorRel, "posts"), Query.where({ age: 3 }))
    }
    expect(typeof neverRun).toBe("function")
  })
})
