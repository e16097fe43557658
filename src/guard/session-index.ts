// The guard's index of its live sessions: revocation finds sockets here, never through rooms a
// client could leave (or join) with the app's own handlers. A Set entry per socket and one
// listener function shared by all of them.
import { authOf } from './socket-auth.js'
import type { AnySocket } from './types.js'

/** The sockets of one guard whose authentication has committed, by subject. */
export interface SessionIndex {
  /** Adds a connected socket whose `socket.data.auth` is set; it leaves on its disconnect. */
  add(socket: AnySocket): void
  /** The sockets whose token has subject `sub`. */
  withSubject(sub: string): Iterable<AnySocket>
  /**
   * Takes a socket out before its auth changes subject (a session that expired into a guest);
   * it is added again, under its new subject, if it authenticates again.
   */
  remove(socket: AnySocket): void
  /** Every socket (for a scan by token id). */
  all(): Iterable<AnySocket>
  /** Forgets every socket. */
  clear(): void
}

function subjectOf(socket: AnySocket): string | undefined {
  const sub = authOf(socket)?.claims.sub
  return typeof sub === 'string' ? sub : undefined
}

const NONE: Iterable<AnySocket> = []

/** Makes an empty session index. */
export function createSessionIndex(): SessionIndex {
  const bySubject = new Map<string, Set<AnySocket>>()
  // Tokens without `sub`: reached by a scan by token id only.
  const anonymous = new Set<AnySocket>()
  const setOf = (sub: string | undefined, create: boolean): Set<AnySocket> | undefined => {
    if (sub === undefined) return anonymous
    let set = bySubject.get(sub)
    if (set === undefined && create) bySubject.set(sub, (set = new Set()))
    return set
  }
  // Shared by every socket (`this` is the socket). A refresh keeps the subject, so the socket
  // is found where it was added.
  function forget(this: AnySocket): void {
    const sub = subjectOf(this)
    const set = setOf(sub, false)
    set?.delete(this)
    if (sub !== undefined && set?.size === 0) bySubject.delete(sub)
  }

  return {
    add(socket) {
      if (!socket.connected) return
      const set = setOf(subjectOf(socket), true) as Set<AnySocket>
      if (set.has(socket)) return
      set.add(socket)
      socket.on('disconnect', forget)
    },
    remove(socket) {
      forget.call(socket)
      socket.off('disconnect', forget)
    },
    withSubject: (sub) => bySubject.get(sub) ?? NONE,
    *all() {
      yield* anonymous
      for (const set of bySubject.values()) yield* set
    },
    clear() {
      bySubject.clear()
      anonymous.clear()
    },
  }
}
