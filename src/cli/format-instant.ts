// The CLI prints instants from tokens (`exp`, `nbf`): the verifier accepts any finite NumericDate,
// but a Date holds only ±8.64e15 ms (year 275760), where toISOString() throws (attack3 F6).

/** The largest ms a Date can hold either side of the epoch (ECMA-262 §21.4.1.22). */
const MAX_DATE_MS = 8.64e15

/**
 * `ms` as an ISO 8601 time when a Date can hold it; otherwise the number itself, or the string
 * `"Infinity"` / `"-Infinity"` (JSON has no such number, and `null` would read as "never
 * expires"). For the JSON that `sockguard verify` prints.
 */
export function instantForJson(ms: number): string | number {
  if (Math.abs(ms) <= MAX_DATE_MS) return new Date(ms).toISOString()
  return Number.isFinite(ms) ? ms : String(ms)
}

/** `ms` for a sentence: an ISO 8601 time, or the number of ms beyond the Date range. */
export function instantForText(ms: number): string {
  if (Math.abs(ms) <= MAX_DATE_MS) return new Date(ms).toISOString()
  return `${ms} ms after 1970 (beyond the dates JavaScript can hold)`
}
