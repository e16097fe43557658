// Parses a JOSE header or a JWT claims set: a JSON object whose member names are unique
// (RFC 7515 §4, RFC 7519 §4). JSON.parse keeps the last of duplicate names silently, which lets
// two parsers disagree about one token, so the top-level members are counted in the text.
import { isUtf8 } from 'node:buffer'

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>

/**
 * Parses UTF-8 `bytes` as a JSON object with unique top-level member names; `undefined` when the
 * bytes are not UTF-8, not JSON, not an object, or repeat a name.
 */
export function parseJsonObject(bytes: Buffer): JsonObject | undefined {
  const text = bytes.toString('utf8')
  // The decoder turns every invalid sequence into U+FFFD, so only a text holding one needs the
  // full validation (a cheap search instead of a second pass over every token).
  if (text.includes('\uFFFD') && !isUtf8(bytes)) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  // An object with no key was written `{}`; otherwise its members are one more than the commas
  // between them, and one fewer key than members means a repeated name.
  const keys = Object.keys(value).length
  if (keys === 0) return value as JsonObject
  // Every key comes from a member, so members >= keys; the commas between members are among
  // the text's commas, so members <= commas + 1. When the text has exactly keys - 1 commas the
  // two bounds meet: no name is repeated. That is every claims set without an array or a comma
  // in a string, found without looking at the structure.
  if (hasCommasAtMost(text, keys - 1)) return value as JsonObject
  return countTopLevelCommas(text) + 1 === keys ? (value as JsonObject) : undefined
}

/** True when `text` holds at most `max` commas. */
function hasCommasAtMost(text: string, max: number): boolean {
  let at = -1
  for (let found = 0; found <= max; found++) {
    at = text.indexOf(',', at + 1)
    if (at === -1) return true
  }
  return false
}

/**
 * Counts the commas between the members of the outermost object of `text`, which JSON.parse has
 * accepted. It is on the hot path of every verification, so strings (most of a claims set) are
 * skipped with `indexOf` (a builtin that scans far faster than a JavaScript loop over each
 * character), and only the characters between them are looked at one by one. Escaped spellings
 * of one name (`"a"`, `"\u0061"`) are two members here and one key in the object.
 */
function countTopLevelCommas(text: string): number {
  let depth = 0
  let commas = 0
  const end = text.length
  let i = 0
  while (i < end) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      // The closing quote: the next one not escaped. JSON.parse accepted the text, so it exists.
      let close = text.indexOf('"', i + 1)
      while (isEscaped(text, close)) close = text.indexOf('"', close + 1)
      i = close + 1
      continue
    }
    if (c === 0x2c /* , */) {
      if (depth === 1) commas++
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
    i++
  }
  return commas
}

/** True when the quote at `at` is escaped: an odd run of backslashes stands before it. */
function isEscaped(text: string, at: number): boolean {
  let j = at
  while (text.charCodeAt(j - 1) === 0x5c /* \ */) j--
  return ((at - j) & 1) === 1
}
