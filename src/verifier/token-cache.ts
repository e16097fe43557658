// The verified-token cache: an LRU of successful verifications keyed by a SHA-256 of the token
// (so no token is kept in memory), each entry dropped once the token stops being valid. It reads
// the verifier's injected clock, which is why it is not a general-purpose LRU package.

interface Entry<T> {
  readonly value: T
  readonly until: number
}

/** A bounded LRU whose entries expire at a given time. */
export class TokenCache<T> {
  readonly #max: number
  #entries = new Map<string, Entry<T>>()
  /** The key-source version the entries were verified under. */
  version: number

  constructor(max: number, version: number) {
    this.#max = max
    this.version = version
  }

  /** The live entry for `key` at `now`, refreshed as most recently used. */
  get(key: string, now: number): T | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    if (entry.until <= now) return undefined
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Stores `value` until `until` (ms), evicting the least recently used entry when full. */
  set(key: string, value: T, until: number): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, { value, until })
  }

  /** Drops every entry (keys changed). */
  clear(version: number): void {
    this.#entries.clear()
    this.version = version
  }
}
