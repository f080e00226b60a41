/**
 * Whether a raw statement only reads. A replicated database passes reads
 * through and refuses raw writes, whose rows it cannot record; when unsure it
 * says "write" (a refusal names `Replication.touching`, never a lost write).
 * A read is a statement whose first keyword is SELECT, VALUES, SHOW, EXPLAIN,
 * DESCRIBE or a WITH naming no data-changing keyword, and that has no INTO
 * (`SELECT ... INTO` creates a table on PostgreSQL, writes variables or files
 * on MySQL).
 */

const leading = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/
const reads = new Set(["select", "values", "show", "explain", "describe", "desc", "with"])
const changes = /\b(?:insert|update|delete|merge|replace|upsert|truncate|create|drop|alter|grant|revoke|call|do|copy|lock)\b/i
const into = /\binto\b/i

const known = new Map<string, boolean>()
const KNOWN = 2048

const classify = (sql: string): boolean => {
  const first = leading.exec(sql)?.[1]?.toLowerCase()
  if (first === undefined || !reads.has(first) || into.test(sql)) return false
  return first !== "with" || !changes.test(sql)
}

/** Whether `sql` only reads (remembered per text: the same statements come back). */
export const isRead = (sql: string): boolean => {
  let read = known.get(sql)
  if (read === undefined) {
    read = classify(sql)
    if (known.size >= KNOWN) known.clear()
    known.set(sql, read)
  }
  return read
}
