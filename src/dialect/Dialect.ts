/**
 * A dialect is a small record of the differences between SQL databases:
 * identifier quoting, placeholders, capabilities, column types and how values
 * cross the driver boundary. One compiler walks every query; adding a dialect
 * means adding one record here.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export type DialectName = "sqlite" | "postgres" | "mysql"

/**
 * How a value is represented on the encoded side of its schema, which is what
 * Quarry hands to the driver and expects back before decoding.
 *
 * @since 0.1.0
 * @category models
 */
export type Encoded = "string" | "number" | "bigint" | "date" | "datetime" | "bigdecimal" | "value"

/**
 * A SQL type per dialect, or one type for all of them.
 *
 * @since 0.1.0
 * @category models
 */
export type SqlType = string | { readonly [D in DialectName]?: string }

/**
 * What kind of value a column holds (derived from its schema by `ColumnType`);
 * it chooses the SQL type per dialect and how values cross the driver boundary.
 *
 * @since 0.2.0
 * @category models
 */
export type ColumnKind =
  | { readonly _tag: "String"; readonly maxLength?: number | undefined }
  | { readonly _tag: "Uuid" }
  | { readonly _tag: "Integer" }
  | { readonly _tag: "BigInt"; readonly encoded: Encoded }
  | { readonly _tag: "Float" }
  | { readonly _tag: "Decimal"; readonly precision: number; readonly scale: number; readonly encoded: Encoded }
  | { readonly _tag: "Boolean" }
  | { readonly _tag: "DateTime"; readonly encoded: Encoded }
  | { readonly _tag: "Json"; readonly encoded: Encoded }
  | { readonly _tag: "Enum"; readonly values: ReadonlyArray<string> }
  | { readonly _tag: "Bytes" }
  | { readonly _tag: "Custom"; readonly sqlType: SqlType; readonly base: ColumnKind }

/**
 * @since 0.1.0
 * @category models
 */
export interface Dialect {
  readonly name: DialectName
  /** Quote an identifier (table, column, alias). */
  readonly quote: (identifier: string) => string
  /** The placeholder of the `index`-th (1-based) bound parameter. */
  readonly placeholder: (index: number) => string
  /** The most bound parameters one statement may carry. */
  readonly maxParams: number
  /** Which statements accept `RETURNING`. */
  readonly returning: { readonly insert: boolean; readonly update: boolean; readonly delete: boolean }
  /** `ON CONFLICT (...) DO UPDATE` (sqlite, postgres) or `ON DUPLICATE KEY UPDATE` (mysql). */
  readonly upsert: "on-conflict" | "on-duplicate-key"
  /** Whether `ORDER BY ... NULLS FIRST/LAST` is native (otherwise emulated with `IS NULL`). */
  readonly nullsOrdering: boolean
  /** The LIMIT to write when only an OFFSET is wanted (`undefined`: OFFSET alone is valid). */
  readonly limitForOffsetOnly: string | undefined
  /** How an INSERT of only default values is written. */
  readonly insertDefaultValues: string
  /** SQL type of a column of this kind. */
  readonly columnType: (kind: ColumnKind) => string
  /** DDL for an auto-incrementing integer primary key column (type and constraint). */
  readonly autoIncrementPrimaryKey: (kind: ColumnKind) => string
  /** Booleans are stored (and come back) as 0/1 integers. */
  readonly booleanAsInteger: boolean
  /** How date-times are sent to the driver. */
  readonly dateTimeParam: "iso" | "mysql"
  /** JSON values are sent as text (all three, since drivers disagree on arrays). */
  readonly jsonReturnsText: boolean
  /** 64-bit integers must be read as text to stay exact. */
  readonly bigintReadAsText: boolean
  /**
   * How 64-bit integers are bound: as JavaScript bigints, which the driver
   * sends as 64-bit integers (`"bigint"`), or as decimal text that the server
   * types from the parameter's context (`"text"`, PostgreSQL). MySQL needs
   * bigints: a text parameter meeting arithmetic is a DOUBLE there, exact
   * only up to 2^53.
   *
   * @since 0.2.0
   */
  readonly bigintParam: "bigint" | "text"
  /** Cast a column expression to text (for exact 64-bit reads). */
  readonly castText: (expr: string) => string
  /** `expr` as a double-precision float (division divides floats on every dialect). */
  readonly castFloat: (expr: string) => string
  /** Length of a text in characters (MySQL's `LENGTH` counts bytes). */
  readonly charLength: string
  /** Texts joined: `a || b`, or `CONCAT(a, b)` where `||` means OR (MySQL); NULL if any is NULL either way. */
  readonly concat: (parts: ReadonlyArray<string>) => string
  /** The type to use instead of an unbounded text type when a column is part of a key or index. */
  readonly keyedText: string | undefined
  /** A string literal, for DDL defaults and checks (statements themselves always bind values). */
  readonly stringLiteral: (value: string) => string
  /** Indexes are declared inside CREATE TABLE (MySQL has no `CREATE INDEX IF NOT EXISTS`). */
  readonly inlineIndexes: boolean
  /**
   * Where a bound parameter has no column to take its type from (a CASE
   * branch), the text around it that gives it the column's SQL type.
   */
  readonly castParam: ((sqlType: string) => readonly [string, string]) | undefined
  /**
   * A case-sensitive match of `subject` against a LIKE pattern (escape
   * character `!`), given the SQL of both sides.
   */
  readonly likeCaseSensitive: (subject: string, pattern: string) => string
  /** Rewrites a LIKE pattern (escape `!`) into what `likeCaseSensitive` takes, when it differs. */
  readonly likePattern: ((pattern: string) => string) | undefined
  /** Whether text values may contain NUL (U+0000). */
  readonly textNul: boolean
  /** Whether LIKE / GLOB patterns may contain NUL (SQLite's stop matching at it). */
  readonly patternNul: boolean
  /**
   * The clauses locking the rows a SELECT reads (`undefined`: the database has
   * no row locks — SQLite, where a transaction already holds the write lock).
   */
  readonly rowLocks: { readonly update: string; readonly share: string } | undefined
  /**
   * Where RETURNING is emulated: a query whose one row says (`consecutive` = 1)
   * whether the ids one multi-row INSERT generates are consecutive on this
   * connection, so that they can be told from the first one.
   */
  readonly consecutiveInsertIds: string | undefined
  /**
   * How a SELECT that groups or is DISTINCT writes an expression it repeats
   * (a select-list item or group key again in GROUP BY, HAVING, ORDER BY or
   * a window), so that the server, which compares these clauses' expressions
   * with each other, sees one expression and not two with parameters of
   * their own:
   * - `"parameters"`: compiled again, binding the same numbered parameters
   *   (`$1` twice);
   * - `"select-item"`: the select-list item named by its position (GROUP BY)
   *   or its alias (HAVING, ORDER BY), since `?` cannot be numbered; the
   *   server also matches no HAVING expression against GROUP BY's, even one
   *   without parameters;
   * - `"again"`: compiled again with parameters of its own (the server
   *   compares values, not expressions).
   */
  readonly repeatedExpressions: "parameters" | "select-item" | "again"
}

const standardLiteral = (value: string) => `'${value.split("'").join("''")}'`

const quoteWith = (q: string) => (identifier: string) => q + identifier.split(q).join(q + q) + q

const stringType = (maxLength: number | undefined, text: string) =>
  maxLength === undefined ? text : `VARCHAR(${maxLength})`

const likeEscaped = (subject: string, operator: string, pattern: string) =>
  `${subject} ${operator} ${pattern} ESCAPE '!'`

/** A LIKE pattern (escape `!`) as a GLOB pattern: GLOB is case-sensitive and has no ESCAPE clause. */
const likeToGlob = (pattern: string): string => {
  let out = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === "!" && i + 1 < pattern.length) {
      const next = pattern[++i]
      out += next === "*" || next === "?" || next === "[" ? `[${next}]` : next
    } else if (c === "%") out += "*"
    else if (c === "_") out += "?"
    else if (c === "*" || c === "?" || c === "[") out += `[${c}]`
    else out += c
  }
  return out
}

/**
 * SQLite: `?` placeholders, double-quoted identifiers, dynamic typing (booleans
 * as 0/1, date-times as ISO-8601 text, decimals as text).
 *
 * @since 0.1.0
 * @category dialects
 */
export const sqlite: Dialect = {
  name: "sqlite",
  quote: quoteWith("\""),
  placeholder: () => "?",
  maxParams: 32766,
  returning: { insert: true, update: true, delete: true },
  upsert: "on-conflict",
  nullsOrdering: true,
  limitForOffsetOnly: "-1",
  insertDefaultValues: "DEFAULT VALUES",
  columnType: function self(kind): string {
    switch (kind._tag) {
      case "String":
      case "Uuid":
      case "Enum":
      case "DateTime":
      case "Json":
      case "Decimal":
        return "TEXT"
      case "Integer":
      case "BigInt":
      case "Boolean":
        return "INTEGER"
      case "Float":
        return "REAL"
      case "Bytes":
        return "BLOB"
      case "Custom":
        return typeof kind.sqlType === "string" ? kind.sqlType : kind.sqlType.sqlite ?? self(kind.base)
    }
  },
  autoIncrementPrimaryKey: () => "INTEGER PRIMARY KEY AUTOINCREMENT",
  booleanAsInteger: true,
  dateTimeParam: "iso",
  jsonReturnsText: true,
  bigintReadAsText: true,
  bigintParam: "bigint",
  castText: (expr) => `CAST(${expr} AS TEXT)`,
  castFloat: (expr) => `CAST(${expr} AS REAL)`,
  charLength: "LENGTH",
  concat: (parts) => `(${parts.join(" || ")})`,
  keyedText: undefined,
  stringLiteral: standardLiteral,
  inlineIndexes: false,
  castParam: undefined,
  // LIKE ignores ASCII case in SQLite; GLOB does not
  likeCaseSensitive: (subject, pattern) => `${subject} GLOB ${pattern}`,
  likePattern: likeToGlob,
  textNul: true,
  patternNul: false,
  rowLocks: undefined,
  consecutiveInsertIds: undefined,
  // an expression may name columns outside GROUP BY: it is evaluated on a row of the group
  repeatedExpressions: "again"
}

/**
 * PostgreSQL: `$n` placeholders, native booleans, `timestamptz(3)`, `jsonb`,
 * `numeric(p, s)`, identity columns.
 *
 * @since 0.1.0
 * @category dialects
 */
export const postgres: Dialect = {
  name: "postgres",
  quote: quoteWith("\""),
  placeholder: (i) => `$${i}`,
  maxParams: 65535,
  returning: { insert: true, update: true, delete: true },
  upsert: "on-conflict",
  nullsOrdering: true,
  limitForOffsetOnly: undefined,
  insertDefaultValues: "DEFAULT VALUES",
  columnType: function self(kind): string {
    switch (kind._tag) {
      case "String":
        return stringType(kind.maxLength, "text")
      case "Enum":
        return "text"
      case "Uuid":
        return "uuid"
      case "Integer":
        return "integer"
      case "BigInt":
        return "bigint"
      case "Float":
        return "double precision"
      case "Decimal":
        return `numeric(${kind.precision}, ${kind.scale})`
      case "Boolean":
        return "boolean"
      case "DateTime":
        return "timestamptz(3)"
      case "Json":
        return "jsonb"
      case "Bytes":
        return "bytea"
      case "Custom":
        return typeof kind.sqlType === "string" ? kind.sqlType : kind.sqlType.postgres ?? self(kind.base)
    }
  },
  autoIncrementPrimaryKey: (kind) =>
    `${kind._tag === "BigInt" ? "bigint" : "integer"} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`,
  booleanAsInteger: false,
  dateTimeParam: "iso",
  jsonReturnsText: false,
  bigintReadAsText: false,
  bigintParam: "text",
  castText: (expr) => `${expr}::text`,
  castFloat: (expr) => `CAST(${expr} AS DOUBLE PRECISION)`,
  charLength: "LENGTH",
  concat: (parts) => `(${parts.join(" || ")})`,
  keyedText: undefined,
  stringLiteral: standardLiteral,
  inlineIndexes: false,
  castParam: (sqlType) => ["CAST(", ` AS ${sqlType})`],
  likeCaseSensitive: (subject, pattern) => likeEscaped(subject, "LIKE", pattern),
  likePattern: undefined,
  textNul: false,
  patternNul: false,
  rowLocks: { update: "FOR UPDATE", share: "FOR SHARE" },
  consecutiveInsertIds: undefined,
  repeatedExpressions: "parameters"
}

/**
 * Text columns compare, sort and enforce uniqueness by code point, as on
 * SQLite: the server's default `utf8mb4_*_ci` collations would make `=`,
 * `IN`, ORDER BY and unique keys ignore case (and some accents).
 */
const mysqlText = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

/**
 * MySQL / MariaDB: `?` placeholders, backquoted identifiers, `TINYINT(1)`
 * booleans, `DATETIME(3)` in UTC, `JSON`, `DECIMAL(p, s)`, `AUTO_INCREMENT`,
 * text columns in `utf8mb4_bin` (case-sensitive, as on the other dialects).
 *
 * @since 0.1.0
 * @category dialects
 */
export const mysql: Dialect = {
  name: "mysql",
  quote: quoteWith("`"),
  placeholder: () => "?",
  maxParams: 65535,
  returning: { insert: false, update: false, delete: false },
  upsert: "on-duplicate-key",
  nullsOrdering: false,
  limitForOffsetOnly: "18446744073709551615",
  insertDefaultValues: "() VALUES ()",
  columnType: function self(kind): string {
    switch (kind._tag) {
      case "String":
        // TEXT cannot be indexed or unique without a prefix length; VARCHAR(255) can
        return (kind.maxLength === undefined ? "TEXT" : `VARCHAR(${kind.maxLength})`) + mysqlText
      case "Enum":
        return `VARCHAR(${Math.max(1, ...kind.values.map((v) => v.length))})` + mysqlText
      case "Uuid":
        return "CHAR(36)" + mysqlText
      case "Integer":
        return "INT"
      case "BigInt":
        return "BIGINT"
      case "Float":
        return "DOUBLE"
      case "Decimal":
        return `DECIMAL(${kind.precision}, ${kind.scale})`
      case "Boolean":
        return "TINYINT(1)"
      case "DateTime":
        return "DATETIME(3)"
      case "Json":
        return "JSON"
      case "Bytes":
        return "LONGBLOB"
      case "Custom":
        return typeof kind.sqlType === "string" ? kind.sqlType : kind.sqlType.mysql ?? self(kind.base)
    }
  },
  autoIncrementPrimaryKey: (kind) => `${kind._tag === "BigInt" ? "BIGINT" : "INT"} AUTO_INCREMENT PRIMARY KEY`,
  booleanAsInteger: true,
  dateTimeParam: "mysql",
  jsonReturnsText: true,
  bigintReadAsText: true,
  bigintParam: "bigint",
  castText: (expr) => `CAST(${expr} AS CHAR)`,
  castFloat: (expr) => `CAST(${expr} AS DOUBLE)`,
  charLength: "CHAR_LENGTH",
  concat: (parts) => `CONCAT(${parts.join(", ")})`,
  keyedText: "VARCHAR(255)" + mysqlText,
  // backslash is an escape character in MySQL string literals (unless NO_BACKSLASH_ESCAPES)
  stringLiteral: (value) => standardLiteral(value.split("\\").join("\\\\")),
  inlineIndexes: true,
  castParam: undefined,
  // the default collations ignore case; a binary pattern makes the match exact
  likeCaseSensitive: (subject, pattern) => likeEscaped(subject, "LIKE BINARY", pattern),
  likePattern: undefined,
  textNul: true,
  patternNul: true,
  // MariaDB has no FOR SHARE; LOCK IN SHARE MODE takes NOWAIT / SKIP LOCKED there (MySQL 8 reads it, without them)
  rowLocks: { update: "FOR UPDATE", share: "LOCK IN SHARE MODE" },
  // InnoDB gives a multi-row INSERT consecutive ids unless its lock mode interleaves them (2, MySQL 8's
  // default) or the session steps by more than 1 (multi-primary setups)
  consecutiveInsertIds: "SELECT @@auto_increment_increment = 1 AND @@innodb_autoinc_lock_mode < 2 AS consecutive",
  repeatedExpressions: "select-item"
}

/**
 * Every dialect by name.
 *
 * @since 0.1.0
 * @category dialects
 */
export const byName: { readonly [D in DialectName]: Dialect } = { sqlite, postgres, mysql }
