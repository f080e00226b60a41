CREATE TABLE IF NOT EXISTS `authors` (
  `id` INT AUTO_INCREMENT PRIMARY KEY,
  `email` VARCHAR(120) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `display_name` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `role` VARCHAR(6) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `active` TINYINT(1) NOT NULL DEFAULT 1,
  `karma` INT NOT NULL DEFAULT 0,
  CONSTRAINT `authors_email_key` UNIQUE (`email`),
  CONSTRAINT `authors_role_check` CHECK (`role` IN ('admin', 'editor', 'reader')),
  CONSTRAINT `authors_karma_ck` CHECK (`karma` >= 0),
  INDEX `authors_display_name_idx` (`display_name`)
);
CREATE TABLE IF NOT EXISTS `posts` (
  `id` INT AUTO_INCREMENT PRIMARY KEY,
  `author_id` INT NOT NULL,
  `editor_id` INT,
  `slug` VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `title` TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'untitled',
  `body` TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  `views` BIGINT NOT NULL DEFAULT 0,
  `rating` DOUBLE NOT NULL,
  `price` DECIMAL(30, 10) NOT NULL,
  `published_at` DATETIME(3),
  `meta` JSON NOT NULL,
  `external_id` CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `location` VARCHAR(64) NOT NULL,
  `created_at` DATETIME(3) NOT NULL,
  CONSTRAINT `posts_author_id_slug_key` UNIQUE (`author_id`, `slug`),
  CONSTRAINT `posts_rating_range` CHECK (`rating` >= 0 AND `rating` <= 5),
  CONSTRAINT `posts_author_id_fkey` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`) ON DELETE CASCADE,
  CONSTRAINT `posts_editor_id_fkey` FOREIGN KEY (`editor_id`) REFERENCES `authors` (`id`) ON DELETE SET NULL,
  INDEX `posts_published_rating_idx` (`published_at`, `rating`)
);
CREATE TABLE IF NOT EXISTS `post_tags` (
  `post_id` INT NOT NULL,
  `tag` VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `weight` DOUBLE NOT NULL,
  CONSTRAINT `post_tags_pkey` PRIMARY KEY (`post_id`, `tag`),
  CONSTRAINT `post_tags_post_id_fkey` FOREIGN KEY (`post_id`) REFERENCES `posts` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
);
