/** Arbitraries shared by the property tests. */
import fc from "fast-check"

/** Strings an attacker would try, plus arbitrary Unicode. */
export const hostileString = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --",
    "\"; DROP TABLE users; --",
    "`users`",
    "\\' \\\\ \\0",
    "$1 ? ?? :name @p",
    "%_!*?[]^",
    "' UNION SELECT * FROM users /*",
    "\u0000",
    "a\u0000b",
    "\u202e\ufeff\u200b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🎉",
    ""
  ),
  fc.fullUnicodeString({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom("'", "\"", "`", "\\", "%", "_", "!", "?", "$", "*", "[", "]", ";", "-", "/", "a", "A", " ") })
)
