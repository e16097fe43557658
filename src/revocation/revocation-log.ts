// The revocations this node has learned of lately (its own, the store's feed, the cluster's
// messages), numbered in order. An authentication takes a mark before its revocation-store check;
// when it commits (the socket becomes reachable by revocation), it is re-checked only against
// what was learned since the mark: no second store round trip on the hot path.
import type { JwtClaims } from '../verifier/types.js'
import { matchesRevocation, type RevocationTarget } from './revocation-store.js'

// How long, and how many, revocations are kept. An authentication still in flight past this
// (a very slow hook) is re-checked against the store instead.
const KEEP_MS = 60_000
const KEEP_MAX = 10_000

interface Entry {
  readonly seq: number
  readonly target: RevocationTarget
  readonly revokedAt: number
  /** performance.now() when learned: pruning must not follow an injected clock. */
  readonly learnedAt: number
}

/** The log of one guard. */
export interface RevocationLog {
  /**
   * The mark to take before a revocation-store check. It lies before every revocation of this
   * node whose store write has not completed, since the store cannot answer for those yet.
   */
  mark(): number
  /**
   * Records a revocation learned of; `pending` while this node's own store write runs (then
   * call the returned function once it has ended, however it ended).
   */
  record(target: RevocationTarget, revokedAt: number, pending?: boolean): () => void
  /**
   * True when a token with `claims` falls under a revocation learned after `mark`; undefined
   * when the log no longer reaches back that far (ask the store).
   */
  revokedSince(claims: JwtClaims, mark: number): boolean | undefined
  clear(): void
}

/** Makes an empty revocation log. */
export function createRevocationLog(): RevocationLog {
  const entries: Entry[] = []
  const pending = new Set<number>()
  let seq = 0
  // Every entry after this sequence number is still in `entries`.
  let base = 0

  const prune = (): void => {
    const oldest = performance.now() - KEEP_MS
    let drop = 0
    while (
      drop < entries.length &&
      (entries.length - drop > KEEP_MAX || (entries[drop] as Entry).learnedAt < oldest)
    )
      drop++
    if (drop === 0) return
    base = (entries[drop - 1] as Entry).seq
    entries.splice(0, drop)
  }

  return {
    mark() {
      let mark = seq
      for (const one of pending) mark = Math.min(mark, one - 1)
      return mark
    },
    record(target, revokedAt, isPending = false) {
      prune()
      const entry: Entry = { seq: ++seq, target, revokedAt, learnedAt: performance.now() }
      entries.push(entry)
      if (!isPending) return () => undefined
      pending.add(entry.seq)
      return () => {
        pending.delete(entry.seq)
      }
    },
    revokedSince(claims, mark) {
      if (mark < base) return undefined
      // Newest first: the entries after the mark are few (revocations are rare).
      for (let index = entries.length - 1; index >= 0; index--) {
        const entry = entries[index] as Entry
        if (entry.seq <= mark) return false
        if (matchesRevocation(claims, entry.target, entry.revokedAt)) return true
      }
      return false
    },
    clear() {
      entries.length = 0
      pending.clear()
      base = seq
    },
  }
}
