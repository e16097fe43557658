// Parses a JOSE header or a JWT claims set: a JSON object whose member names are unique
// (RFC 7515 §4, RFC 7519 §4), in every object it holds (RFC 8259 §4: names SHOULD be unique, and
// nested claims such as realm_access.roles are read for authorization). JSON.parse keeps the last
// of duplicate names silently, which lets two parsers disagree about one token, so the members
// are counted in the bytes and compared with the keys JSON.parse kept.
import { isUtf8 } from 'node:buffer'

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>

/**
 * Parses UTF-8 `bytes` as a JSON object with unique member names in every object, at any depth;
 * `undefined` when the bytes are not UTF-8, not JSON, not an object, or repeat a name in one
 * object.
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
  // The fast path, without looking at the structure: every key comes from a member, so the
  // top-level members are at least the keys, and at most one more than the commas between them.
  // When the whole text has at most keys - 1 commas, every comma separates top-level members and
  // the bounds meet (no top-level name repeats), and no nested object has a comma, so none has
  // two members. That is every claims set without an array, a nested object of several members,
  // or a comma in a string.
  const topKeys = Object.keys(value).length
  if (topKeys === 0 || hasCommasAtMost(text, topKeys - 1)) return value as JsonObject
  // Every member has exactly one colon outside strings, and nothing else has one; each repeated
  // name is one key fewer than its members. Whatever the nesting, the counts are equal exactly
  // when no object repeats a name.
  const members = scanMembers(bytes)
  const keys = members.objects === 1 ? topKeys : countKeys(value)
  return members.colons === keys ? (value as JsonObject) : undefined
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

// Byte classes for the scan: 0 for every byte that cannot change the count.
const QUOTE = 1
const COLON = 2
const BRACE = 3
const CLASS = new Uint8Array(256)
CLASS[0x22 /* " */] = QUOTE
CLASS[0x3a /* : */] = COLON
CLASS[0x7b /* { */] = BRACE

/** The members (colons) and objects (opening braces) counted outside strings. */
interface MemberCount {
  readonly colons: number
  readonly objects: number
}

/**
 * Counts the members and the objects of `bytes`, which JSON.parse has accepted as UTF-8.
 * The scan runs on the bytes, not the decoded text (it is the hot path of every verification):
 * bytes of multi-byte UTF-8 sequences are all >= 0x80, so they never look like `"`, `\`, `:` or
 * `{`. Escaped spellings of one name (`"a"`, `"\u0061"`) are two members here and one key in the
 * object.
 */
function scanMembers(bytes: Buffer): MemberCount {
  let colons = 0
  let objects = 0
  const end = bytes.length
  for (let i = 0; i < end; i++) {
    const kind = CLASS[bytes[i] ?? 0]
    if (kind === 0) continue
    if (kind === QUOTE) {
      // Skip the string; a backslash escapes the byte after it (`\"`, `\\`, `\u`...).
      let b = bytes[++i]
      while (b !== 0x22 && i < end) {
        if (b === 0x5c /* \ */) i++
        b = bytes[++i]
      }
    } else if (kind === COLON) colons++
    else objects++
  }
  return { colons, objects }
}

/**
 * Counts the own keys of every object in `root`, nested ones included. Only called when the text
 * holds a nested object. A loop over an explicit stack, not recursion: a token of up to
 * `maxTokenBytes` can nest arrays hundreds of thousands deep, which would overflow the call stack.
 */
function countKeys(root: object): number {
  let keys = 0
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value !== 'object' || value === null) continue
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item)
      continue
    }
    // JSON.parse makes plain objects whose keys are all own and enumerable ("__proto__" too).
    for (const key of Object.keys(value)) {
      keys++
      const item = (value as JsonObject)[key]
      if (typeof item === 'object' && item !== null) pending.push(item)
    }
  }
  return keys
}
