// Parses a JOSE header or a JWT claims set: a JSON object whose member names are unique
// (RFC 7515 §4, RFC 7519 §4). JSON.parse keeps the last of duplicate names silently, which lets
// two parsers disagree about one token, so the top-level names are counted in the text.
import { isUtf8 } from 'node:buffer'

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>

/**
 * Parses UTF-8 `bytes` as a JSON object with unique top-level member names; `undefined` when the
 * bytes are not UTF-8, not JSON, not an object, or repeat a name.
 */
export function parseJsonObject(bytes: Buffer): JsonObject | undefined {
  if (!isUtf8(bytes)) return undefined
  const text = bytes.toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return countTopLevelNames(text) === Object.keys(value).length ? (value as JsonObject) : undefined
}

/**
 * Counts the member names of the outermost object of `text`, which JSON.parse has accepted.
 * Escaped spellings of one name (`"a"`, `"\u0061"`) count twice here and once in the object.
 */
function countTopLevelNames(text: string): number {
  let depth = 0
  let names = 0
  const end = text.length
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      i = closingQuote(text, i + 1)
      if (depth === 1) {
        let j = i + 1
        let d = text.charCodeAt(j)
        while (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) d = text.charCodeAt(++j)
        if (d === 0x3a /* : */) names++
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return names
}

/** Index of the quote closing the string whose content starts at `from`. */
function closingQuote(text: string, from: number): number {
  let i = text.indexOf('"', from)
  for (;;) {
    let slashes = 0
    while (text.charCodeAt(i - 1 - slashes) === 0x5c /* \ */) slashes++
    if ((slashes & 1) === 0) return i
    i = text.indexOf('"', i + 1)
  }
}
