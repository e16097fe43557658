// Parses a JOSE header or a JWT claims set: a JSON object whose member names are unique
// (RFC 7515 §4, RFC 7519 §4). JSON.parse keeps the last of duplicate names silently, which lets
// two parsers disagree about one token, so the top-level members are counted in the bytes.
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
  return keys === 0 || countTopLevelCommas(bytes) + 1 === keys ? (value as JsonObject) : undefined
}

// Byte classes for the scan: 0 for every byte that cannot change the structure.
const QUOTE = 1
const OPEN = 2
const CLOSE = 3
const COMMA = 4
const CLASS = new Uint8Array(256)
CLASS[0x22 /* " */] = QUOTE
CLASS[0x7b /* { */] = OPEN
CLASS[0x5b /* [ */] = OPEN
CLASS[0x7d /* } */] = CLOSE
CLASS[0x5d /* ] */] = CLOSE
CLASS[0x2c /* , */] = COMMA

/**
 * Counts the commas between the members of the outermost object of `bytes`, which JSON.parse has
 * accepted as UTF-8.
 * The scan runs on the bytes, not the decoded text (it is the hot path of every verification):
 * bytes of multi-byte UTF-8 sequences are all >= 0x80, so they never look like `"`, `\`, a
 * bracket or a comma. Escaped spellings of one name (`"a"`, `"\u0061"`) are two members here and
 * one key in the object.
 */
function countTopLevelCommas(bytes: Buffer): number {
  let depth = 0
  let commas = 0
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
    } else if (kind === COMMA) {
      if (depth === 1) commas++
    } else if (kind === OPEN) depth++
    else depth--
  }
  return commas
}
