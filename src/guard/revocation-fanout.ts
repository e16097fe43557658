// Revocation reaching live sockets on every node: `guard.revoke()` ends this node's sockets,
// stores the revocation, then tells the other nodes of each cluster adapter; the messages of the
// other nodes and the store's change feed end the matching sockets here.
import { AuthError, InvalidOptionError } from '../errors.js'
import { within } from '../internal/within.js'
import type { RevocationLog } from '../revocation/revocation-log.js'
import {
  issuedBefore,
  matchesSession,
  matchesToken,
  type RevocationTarget,
} from '../revocation/revocation-store.js'
import type { JwtClaims } from '../verifier/types.js'
import { storeUnavailable } from './guard-errors.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import type { SessionIndex } from './session-index.js'
import { authOf } from './socket-auth.js'
import type { AnyNamespace, AnySocket } from './types.js'

// The cluster messages that revoke one token id, and a subject: each node ends its own matching
// sockets from its session index (and records the revocation for authentications in flight).
const REVOKE_TOKEN_EVENT = 'sockguard:revoke-token'
const REVOKE_SUBJECT_EVENT = 'sockguard:revoke-subject'
// And one provider session (`sid`, with its issuer when given).
const REVOKE_SESSION_EVENT = 'sockguard:revoke-session'

// How long to wait for a cluster adapter's count of nodes (a Redis round trip). An adapter whose
// Redis is away may hold the question until it is back: past this, other nodes are assumed, and
// the message waits in the adapter's queue with the rest.
const SERVER_COUNT_TIMEOUT_MS = 1_000

interface TokenTarget {
  readonly iss: string | undefined
  readonly jti: string
}

/** The number of nodes an adapter knows of: 1 when it cannot tell, 2 when it does not answer. */
async function serverCount(nsp: AnyNamespace): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      resolve(2)
    }, SERVER_COUNT_TIMEOUT_MS)
  })
  try {
    return await Promise.race([Promise.resolve(nsp.adapter.serverCount()).catch(() => 1), late])
  } finally {
    clearTimeout(timer)
  }
}

// A JWT's `exp` is in seconds; `expiresAt` is in ms. Anything below this (September 2001 in ms,
// year 33658 in seconds) is a seconds value passed by mistake: kept as such, the entry would
// expire in 1970 and the token walk straight back in.
const MIN_EXPIRES_AT_MS = 1e12

// How long a revocation store may take to keep a revocation (the Redis store bounds its own
// writes with `revokeTimeoutMs`, 10 s by default: the same here for any store).
const STORE_WRITE_TIMEOUT_MS = 10_000

// The members a revocation target may have.
const TARGET_MEMBERS: ReadonlySet<string> = new Set(['sub', 'jti', 'sid', 'iss', 'expiresAt'])

/**
 * The target of `guard.revoke()`, checked: a plain object naming a subject or a token id, with an
 * `expiresAt` in ms when given.
 * @throws {InvalidOptionError} (`target`) otherwise.
 */
function checkedTarget(target: unknown): RevocationTarget {
  if (typeof target !== 'object' || target === null)
    throw new InvalidOptionError('target', 'must be { sub } or { jti, iss?, expiresAt? }')
  // Exactly one of sub, jti, sid, and nothing unknown: `{ sub, jti }` would revoke the subject and
  // silently drop the token id, and a typo would revoke less than the caller believes.
  const names = Object.keys(target)
  if (names.some((name) => !TARGET_MEMBERS.has(name)))
    throw new InvalidOptionError(
      'target',
      `has a member that is not ${[...TARGET_MEMBERS].join(', ')}`,
    )
  if (['sub', 'jti', 'sid'].filter((name) => names.includes(name)).length !== 1)
    throw new InvalidOptionError('target', 'must name exactly one of sub, jti and sid')
  const { expiresAt, iss } = target as { expiresAt?: unknown; iss?: unknown }
  if (iss !== undefined && (typeof iss !== 'string' || iss === ''))
    throw new InvalidOptionError('target', 'iss must be a non-empty string when given')
  if (
    expiresAt !== undefined &&
    (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt < MIN_EXPIRES_AT_MS)
  )
    throw new InvalidOptionError(
      'target',
      "expiresAt must be the token's expiry in ms since the epoch (a JWT exp × 1000)",
    )
  return target as RevocationTarget
}

/**
 * Tells the other nodes of each namespace's cluster adapter (the in-memory one has none): the
 * channel of revocation, also used by `guard.recheck` (room-recheck.ts).
 */
export async function tellNodes(
  namespaces: Iterable<AnyNamespace>,
  event: string,
  message: object,
): Promise<void> {
  await Promise.all(
    [...namespaces].map(async (nsp) => {
      // Only a cluster adapter has other nodes to tell (the in-memory one warns on
      // serverSideEmit).
      if ((await serverCount(nsp)) > 1) nsp.serverSideEmit(event, message)
    }),
  )
}

/** Awaits a store write; its failure as `store_unavailable`, or undefined when it worked. */
async function write(stored: () => void | Promise<void>): Promise<AuthError | undefined> {
  try {
    // A store whose write never settles must not hold revoke() (nor a logout's ack) forever.
    await within(Promise.resolve(stored()), STORE_WRITE_TIMEOUT_MS, () => {
      throw new AuthError('store_unavailable', 'The revocation store did not answer in time.')
    })
    return undefined
  } catch (error) {
    return storeUnavailable(error)
  }
}

/** What the fan-out needs from its guard. */
export interface RevocationFanoutOptions extends Pick<
  NormalizedGuard<JwtClaims>,
  'store' | 'now' | 'revocationTtlMs' | 'clockToleranceMs'
> {
  /** True once the guard is closed: messages and the feed are then ignored. */
  readonly isClosed: () => boolean
  readonly log: RevocationLog
  readonly sessions: SessionIndex
  /** The guard's namespaces, the ones whose other nodes are told. */
  readonly namespaces: Iterable<AnyNamespace>
  /** Tells a socket it is revoked and closes its connection. */
  readonly endRevoked: (socket: AnySocket) => void
}

/** The revocation fan-out of one guard. */
export interface RevocationFanout {
  /** `guard.revoke()`: this node's sockets, then the store, then the other nodes. */
  readonly revoke: (target: RevocationTarget) => Promise<void>
  /** The store's change feed: a revocation stored by any node (this one included). */
  readonly onStoredRevocation: (target: RevocationTarget, revokedAt: number) => void
  /** Hears the other nodes' revocation messages of a namespace (serverSideEmit). */
  readonly listen: (nsp: AnyNamespace) => void
  /** Stops hearing them. */
  readonly unlisten: (nsp: AnyNamespace) => void
}

/** Makes the revocation fan-out of one guard. */
export function createRevocationFanout(options: RevocationFanoutOptions): RevocationFanout {
  const {
    store,
    now,
    revocationTtlMs,
    clockToleranceMs,
    isClosed,
    log,
    sessions,
    namespaces,
    endRevoked,
  } = options

  /** Ends this node's sockets (of `nsp` when given) that hold the token `(iss, jti)`. */
  const endLocalToken = (target: TokenTarget, nsp?: AnyNamespace): void => {
    for (const socket of [...sessions.all()]) {
      const claims = authOf(socket)?.claims
      if (
        claims !== undefined &&
        (nsp === undefined || socket.nsp === nsp) &&
        matchesToken(claims, target.iss, target.jti)
      )
        endRevoked(socket)
    }
  }

  /**
   * Ends this node's sockets (of `nsp` when given) whose subject is `sub`; with `at`, only those
   * whose token was issued up to then (a user who logged in again since keeps the new session).
   * The index holds them by subject, and a refresh keeps the subject (`authenticate`).
   */
  const endLocalSubject = (sub: string, at?: number, nsp?: AnyNamespace): void => {
    for (const socket of [...sessions.withSubject(sub)]) {
      const claims = authOf(socket)?.claims
      if (
        claims !== undefined &&
        (nsp === undefined || socket.nsp === nsp) &&
        (at === undefined || issuedBefore(claims, at))
      )
        endRevoked(socket)
    }
  }

  const onRevokeToken = function (this: AnyNamespace, target: unknown): void {
    if (isClosed() || typeof target !== 'object' || target === null) return
    const { iss, jti, at } = target as Partial<TokenTarget> & { at?: unknown }
    if (typeof jti !== 'string' || !(iss === undefined || typeof iss === 'string')) return
    log.record(iss === undefined ? { jti } : { jti, iss }, typeof at === 'number' ? at : now())
    endLocalToken({ iss, jti }, this)
  }

  /** Ends this node's sockets (of `nsp` when given) of the provider session `(iss, sid)`. */
  const endLocalSession = (iss: string | undefined, sid: string, nsp?: AnyNamespace): void => {
    for (const socket of [...sessions.all()]) {
      const claims = authOf(socket)?.claims
      if (
        claims !== undefined &&
        (nsp === undefined || socket.nsp === nsp) &&
        matchesSession(claims, iss, sid)
      )
        endRevoked(socket)
    }
  }

  const onRevokeSession = function (this: AnyNamespace, target: unknown): void {
    if (isClosed() || typeof target !== 'object' || target === null) return
    const { iss, sid, at } = target as { iss?: unknown; sid?: unknown; at?: unknown }
    if (typeof sid !== 'string' || sid === '' || !(iss === undefined || typeof iss === 'string'))
      return
    log.record(iss === undefined ? { sid } : { sid, iss }, typeof at === 'number' ? at : now())
    endLocalSession(iss, sid, this)
  }

  const onRevokeSubject = function (this: AnyNamespace, target: unknown): void {
    if (isClosed() || typeof target !== 'object' || target === null) return
    const { sub, at } = target as { sub?: unknown; at?: unknown }
    if (typeof sub !== 'string' || typeof at !== 'number') return
    log.record({ sub }, at)
    // Every socket of the subject here, as the revoking node ends its own (clocks differ).
    endLocalSubject(sub, undefined, this)
  }

  const tellOtherNodes = (event: string, message: object): Promise<void> =>
    tellNodes(namespaces, event, message)

  return {
    async revoke(given) {
      const target = checkedTarget(given)
      const at = now()
      // This node first (it needs nothing remote, so a store outage cannot delay it), then the
      // store (so that sockets the other nodes drop cannot reconnect), then the other nodes.
      let failure: AuthError | undefined
      if (typeof target.sub === 'string' && target.sub !== '') {
        const { sub } = target
        // The verifier accepts an `iat` up to `clockToleranceMs` ahead (an issuer whose clock
        // runs fast), so a subject revocation covers tokens issued up to then too: the store,
        // the log and the other nodes all get `coveredTo`, the same rule as the live kick (which
        // ends every socket of the subject). A re-login within the tolerance is refused too.
        const coveredTo = at + clockToleranceMs
        // Recorded first: an authentication of this subject in flight now is refused when it
        // commits, even if the store answered it before the write below landed.
        const settle = log.record({ sub }, coveredTo, true)
        try {
          endLocalSubject(sub)
          failure = await write(() => store.revokeSubject(sub, coveredTo, revocationTtlMs))
        } finally {
          settle()
        }
        await tellOtherNodes(REVOKE_SUBJECT_EVENT, { sub, at: coveredTo })
      } else if (typeof target.jti === 'string' && target.jti !== '') {
        const token = { iss: target.iss, jti: target.jti }
        const settle = log.record(
          token.iss === undefined ? { jti: token.jti } : { jti: token.jti, iss: token.iss },
          at,
          true,
        )
        try {
          endLocalToken(token)
          failure = await write(() =>
            // Past its expiry (and the tolerance the verifier grants after it), a token is
            // refused anyway; the entry lasts at least that long.
            store.revokeToken(
              token.iss,
              token.jti,
              target.expiresAt === undefined
                ? at + revocationTtlMs
                : Math.max(target.expiresAt, at) + clockToleranceMs,
            ),
          )
        } finally {
          settle()
        }
        await tellOtherNodes(REVOKE_TOKEN_EVENT, { ...token, at })
      } else if (typeof target.sid === 'string' && target.sid !== '') {
        const { sid, iss } = target
        // Checked before anything is ended: a store that cannot keep it would make this a
        // revocation of this node's sockets only.
        if (store.revokeSession === undefined)
          throw new InvalidOptionError(
            'revocationStore',
            'must implement revokeSession for { sid }',
          )
        const session = iss === undefined ? { sid } : { sid, iss }
        const settle = log.record(session, at, true)
        try {
          endLocalSession(iss, sid)
          // A provider session outlives its tokens: kept as long as a subject revocation.
          failure = await write(() => store.revokeSession?.(iss, sid, at + revocationTtlMs))
        } finally {
          settle()
        }
        await tellOtherNodes(REVOKE_SESSION_EVENT, { ...session, at })
      } else {
        throw new InvalidOptionError('target', 'must be { sub }, { jti, iss? } or { sid, iss? }')
      }
      // Loud: the revocation may not outlive this node's memory, and the caller must know.
      if (failure !== undefined) throw failure
    },

    onStoredRevocation(target, revokedAt) {
      if (isClosed()) return
      log.record(target, revokedAt)
      if (typeof target.sub === 'string') endLocalSubject(target.sub, revokedAt)
      else if (typeof target.jti === 'string') endLocalToken({ iss: target.iss, jti: target.jti })
      else if (typeof target.sid === 'string') endLocalSession(target.iss, target.sid)
    },

    listen(nsp) {
      // Messages from the other nodes of a cluster adapter (serverSideEmit).
      ;(nsp as unknown as NodeJS.EventEmitter).on(REVOKE_TOKEN_EVENT, onRevokeToken)
      ;(nsp as unknown as NodeJS.EventEmitter).on(REVOKE_SUBJECT_EVENT, onRevokeSubject)
      ;(nsp as unknown as NodeJS.EventEmitter).on(REVOKE_SESSION_EVENT, onRevokeSession)
    },

    unlisten(nsp) {
      ;(nsp as unknown as NodeJS.EventEmitter).off(REVOKE_TOKEN_EVENT, onRevokeToken)
      ;(nsp as unknown as NodeJS.EventEmitter).off(REVOKE_SUBJECT_EVENT, onRevokeSubject)
      ;(nsp as unknown as NodeJS.EventEmitter).off(REVOKE_SESSION_EVENT, onRevokeSession)
    },
  }
}
