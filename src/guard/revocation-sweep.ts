// The guard's periodic re-check of connected sockets against a shared revocation store: a
// revocation whose cluster message was lost (a Redis blip, a node that was reconnecting) still
// reaches its sockets within one interval.
import { within } from '../internal/within.js'
import { REVOCATION_CHECK_TIMEOUT_MS } from '../revocation/is-revoked-within.js'
import type { JwtClaims } from '../verifier/types.js'
import type { RevocationStore } from '../revocation/revocation-store.js'
import { authOf } from './socket-auth.js'
import type { AnyNamespace, AnySocket, SocketAuth } from './types.js'

/** Sockets per store query: for Redis one MGET of up to twice as many keys. */
const BATCH = 256

/** What a sweep needs from its guard. */
export interface SweepOptions {
  readonly intervalMs: number
  readonly store: RevocationStore
  readonly now: () => number
  /** The guard's namespaces (a live collection: namespaces hooked later are swept too). */
  readonly namespaces: Iterable<AnyNamespace>
  /** Ends a socket whose token the store says is revoked. */
  readonly onRevoked: (socket: AnySocket) => void
}

async function check(
  store: RevocationStore,
  claims: readonly JwtClaims[],
  now: number,
): Promise<readonly boolean[]> {
  // A batch the store never answers would stall every later round: past the limit the round
  // meets an error and stops, and the next one tries again.
  const answers =
    store.isRevokedMany !== undefined
      ? Promise.resolve(store.isRevokedMany(claims, now))
      : Promise.all(claims.map(async (one) => store.isRevoked(one, now)))
  return within(answers, REVOCATION_CHECK_TIMEOUT_MS * 2, () => {
    throw new Error('The revocation store did not answer the sweep in time.')
  })
}

/**
 * Re-checks every authenticated socket of the guard's namespaces every `intervalMs`, in batches,
 * one round at a time (the next is scheduled when one ends). A round that meets a store error
 * stops there; sockets keep their connection and the next round tries again. The timer is
 * unref'd: it never keeps a process alive.
 *
 * @returns the function that stops the sweep.
 */
export function startRevocationSweep(options: SweepOptions): () => void {
  const { intervalMs, store, now, namespaces, onRevoked } = options
  let stopped = false
  // A call, so that a check after an `await` is not narrowed away by the one before it.
  const isStopped = (): boolean => stopped
  let timer: NodeJS.Timeout | undefined

  const sweep = async (): Promise<void> => {
    // A snapshot: sockets that connect during the round were checked at their handshake.
    const sockets: (readonly [AnySocket, SocketAuth])[] = []
    for (const nsp of namespaces) {
      for (const socket of nsp.sockets.values()) {
        const auth = authOf(socket)
        // Guests (null) hold no token to revoke.
        if (auth !== undefined && auth !== null) sockets.push([socket, auth])
      }
    }
    for (let start = 0; start < sockets.length && !isStopped(); start += BATCH) {
      const batch = sockets.slice(start, start + BATCH).filter(([socket]) => socket.connected)
      const answers = await check(
        store,
        batch.map(([, auth]) => auth.claims),
        now(),
      )
      for (const [index, [socket, auth]] of batch.entries()) {
        // A socket refreshed meanwhile holds another token, checked at its refresh.
        if (answers[index] === true && !isStopped() && authOf(socket) === auth) onRevoked(socket)
      }
    }
  }

  const schedule = (): void => {
    if (isStopped()) return
    timer = setTimeout(() => {
      sweep()
        .catch(() => undefined)
        .finally(schedule)
    }, intervalMs)
    timer.unref()
  }

  schedule()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
