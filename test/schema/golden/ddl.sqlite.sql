CREATE TABLE IF NOT EXISTS "authors" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "email" TEXT NOT NULL,
  "display_name" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "active" INTEGER NOT NULL DEFAULT 1,
  "karma" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "authors_email_key" UNIQUE ("email"),
  CONSTRAINT "authors_role_check" CHECK ("role" IN ('admin', 'editor', 'reader')),
  CONSTRAINT "authors_karma_ck" CHECK ("karma" >= 0)
);
CREATE INDEX IF NOT EXISTS "authors_display_name_idx" ON "authors" ("display_name");
CREATE TABLE IF NOT EXISTS "posts" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "author_id" INTEGER NOT NULL,
  "editor_id" INTEGER,
  "slug" TEXT NOT NULL,
  "title" TEXT NOT NULL DEFAULT 'untitled',
  "body" TEXT,
  "views" INTEGER NOT NULL DEFAULT 0,
  "rating" REAL NOT NULL,
  "price" TEXT NOT NULL,
  "published_at" TEXT,
  "meta" TEXT NOT NULL,
  "external_id" TEXT NOT NULL,
  "location" TEXT NOT NULL,
  "created_at" TEXT NOT NULL,
  CONSTRAINT "posts_author_id_slug_key" UNIQUE ("author_id", "slug"),
  CONSTRAINT "posts_rating_range" CHECK ("rating" >= 0 AND "rating" <= 5),
  CONSTRAINT "posts_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE,
  CONSTRAINT "posts_editor_id_fkey" FOREIGN KEY ("editor_id") REFERENCES "authors" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "posts_published_rating_idx" ON "posts" ("published_at", "rating");
CREATE TABLE IF NOT EXISTS "post_tags" (
  "post_id" INTEGER NOT NULL,
  "tag" TEXT NOT NULL,
  "weight" REAL NOT NULL,
  CONSTRAINT "post_tags_pkey" PRIMARY KEY ("post_id", "tag"),
  CONSTRAINT "post_tags_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
