// Validates and normalises `createGuard` options once, at creation: every mistake is an
// InvalidOptionError naming the option; the guard's runtime only reads the frozen result.
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import type { JwtClaims, Verifier } from '../verifier/types.js'
import { verifierFromOptions } from '../verifier/verifier-from-options.js'
import { createLimiter, type Limiter } from './create-limiter.js'
import type { ExtractOptions, TokenSource } from './extract-token.js'
import {
  createMemoryRevocationStore,
  isMemoryStore,
  type RevocationStore,
} from '../revocation/revocation-store.js'
import { createNamespacePolicy, type NamespacePolicy } from './namespace-policy.js'
import { normalizeRooms, type NormalizedRooms } from '../rooms/normalize-rooms.js'
import type { GuardOptions } from './types.js'

/** Everything a guard needs, checked. */
export interface NormalizedGuard<TClaims extends JwtClaims> {
  readonly verifier: Verifier<TClaims>
  readonly extract: ExtractOptions
  readonly mode: 'handshake' | 'post-connect'
  readonly timeoutMs: number
  readonly now: () => number
  readonly store: RevocationStore
  readonly revocationTtlMs: number
  readonly revocationCheck: 'fail-closed' | 'fail-open'
  /** 0 when there is no sweep (turned off, or the in-memory store). */
  readonly revocationSweepMs: number
  readonly expiringWarningMs: number
  readonly clockToleranceMs: number
  readonly refreshIntervalMs: number
  readonly onAuthenticated: GuardOptions<TClaims>['onAuthenticated']
  readonly hookTimeoutMs: number
  readonly onFailure: GuardOptions<TClaims>['onFailure']
  readonly limiter: Limiter | undefined
  readonly namespacePolicy: NamespacePolicy
  readonly expiry: 'disconnect' | 'guest'
  readonly revokeOnLogout: boolean
  /** Room authorization, or undefined without the `rooms` option. */
  readonly rooms: NormalizedRooms | undefined
}

const GUARD_OPTIONS = new Set([
  'verifier',
  'tokenFrom',
  'cookieName',
  'allowedOrigins',
  'mode',
  'timeoutMs',
  'expiringWarningMs',
  'clockToleranceMs',
  'refreshIntervalMs',
  'revocationStore',
  'revocationTtlMs',
  'revocationCheck',
  'revocationSweepMs',
  'onAuthenticated',
  'hookTimeoutMs',
  'onFailure',
  'rateLimit',
  'namespaces',
  'anonymous',
  'expiry',
  'rooms',
  'now',
  'revokeOnLogout',
])
const TOKEN_SOURCES: readonly TokenSource[] = ['auth', 'header', 'cookie', 'query']

/** A verifier's declared leeway, in ms (0 when it declares none or something unusable). */
function leewayOf(verifier: Verifier): number {
  const leeway = verifier.clockToleranceMs
  return typeof leeway === 'number' && Number.isFinite(leeway) && leeway > 0 ? leeway : 0
}

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

function duration(
  value: unknown,
  option: string,
  fallback: number,
  min = 0,
  max = 2 ** 52,
): number {
  return integerOption(value, option, fallback, min, max)
}

/**
 * Validates `createGuard` options; verifier options given inline make the guard's verifier.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeGuardOptions<TClaims extends JwtClaims>(
  options: GuardOptions<TClaims>,
): NormalizedGuard<TClaims> {
  if (typeof options !== 'object' || (options as unknown) === null)
    fail('options', 'must be an object')
  const raw = options as unknown as Readonly<Record<string, unknown>>
  // `now` and `clockToleranceMs` serve an inline verifier too: the handshake then accepts a
  // token exactly as long as the live session keeps it.
  const verifier = verifierFromOptions<TClaims>(raw, {
    owner: 'guard',
    own: GUARD_OPTIONS,
    shared: ['now', 'clockToleranceMs'],
  })

  const tokenFrom = raw.tokenFrom ?? ['auth', 'header']
  if (
    !Array.isArray(tokenFrom) ||
    tokenFrom.length === 0 ||
    !tokenFrom.every((s) => TOKEN_SOURCES.includes(s as TokenSource))
  ) {
    fail('tokenFrom', `must be a non-empty array of ${TOKEN_SOURCES.join(', ')}`)
  }
  const allowedOrigins = raw.allowedOrigins ?? []
  if (
    !Array.isArray(allowedOrigins) ||
    !allowedOrigins.every((o) => typeof o === 'string' && URL.canParse(o))
  ) {
    fail('allowedOrigins', 'must be an array of origins such as "https://app.example"')
  }
  if (tokenFrom.includes('cookie') && allowedOrigins.length === 0) {
    // Without it, any web page could open a socket riding on the user's cookie.
    fail('allowedOrigins', 'is required when tokenFrom includes "cookie"')
  }
  const cookieName = raw.cookieName ?? 'token'
  if (typeof cookieName !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(cookieName))
    fail('cookieName', 'must be a cookie name')
  const extract: ExtractOptions = Object.freeze({
    tokenFrom: Object.freeze([...(tokenFrom as TokenSource[])]),
    cookieName,
    allowedOrigins: new Set(
      (allowedOrigins as string[]).map((o) => new URL(o).origin.toLowerCase()),
    ),
  })
  const mode = raw.mode ?? 'handshake'
  if (mode !== 'handshake' && mode !== 'post-connect')
    fail('mode', 'must be "handshake" or "post-connect"')
  // A timer past setTimeout's limit would fire at once (Node warns and uses 1 ms).
  const timeoutMs = duration(raw.timeoutMs, 'timeoutMs', 15_000, 1, 2 ** 31 - 1)
  const now = (raw.now ?? Date.now) as () => number
  if (typeof now !== 'function') fail('now', 'must be a function')
  const store = (raw.revocationStore ?? createMemoryRevocationStore()) as RevocationStore
  if (typeof store.isRevoked !== 'function' || typeof store.revokeSubject !== 'function') {
    fail('revocationStore', 'must implement RevocationStore')
  }
  const revocationTtlMs = duration(raw.revocationTtlMs, 'revocationTtlMs', 86_400_000, 1)
  const revocationCheck = raw.revocationCheck ?? 'fail-closed'
  if (revocationCheck !== 'fail-closed' && revocationCheck !== 'fail-open')
    fail('revocationCheck', 'must be "fail-closed" or "fail-open"')
  // setTimeout's limit: a longer delay would fire at once.
  const sweepMs = duration(raw.revocationSweepMs, 'revocationSweepMs', 15_000, 0, 2 ** 31 - 1)
  const onAuthenticated = raw.onAuthenticated as GuardOptions<TClaims>['onAuthenticated']
  const onFailure = raw.onFailure as GuardOptions<TClaims>['onFailure']
  if (onAuthenticated !== undefined && typeof onAuthenticated !== 'function')
    fail('onAuthenticated', 'must be a function')
  if (onFailure !== undefined && typeof onFailure !== 'function')
    fail('onFailure', 'must be a function')
  // As the verifier's getKeyTimeoutMs: room for a database lookup, not for a hung one.
  const hookTimeoutMs = duration(raw.hookTimeoutMs, 'hookTimeoutMs', 5_000, 1, 2 ** 31 - 1)
  const limiter = createLimiter(raw.rateLimit)
  const namespacePolicy = createNamespacePolicy(raw.namespaces, raw.anonymous, mode, hookTimeoutMs)
  const expiry = raw.expiry ?? 'disconnect'
  if (expiry !== 'disconnect' && expiry !== 'guest')
    fail('expiry', 'must be "disconnect" or "guest"')
  const revokeOnLogout = raw.revokeOnLogout ?? false
  if (typeof revokeOnLogout !== 'boolean') fail('revokeOnLogout', 'must be a boolean')
  // A logout revokes the provider session when the token has one: the store must keep it.
  if (revokeOnLogout && typeof store.revokeSession !== 'function')
    fail('revocationStore', 'must implement revokeSession for revokeOnLogout')
  const rooms = normalizeRooms(raw.rooms)

  return Object.freeze({
    verifier,
    extract,
    mode,
    timeoutMs,
    now,
    store,
    revocationTtlMs,
    revocationCheck,
    revocationSweepMs: isMemoryStore(store) ? 0 : sweepMs,
    expiringWarningMs: duration(raw.expiringWarningMs, 'expiringWarningMs', 60_000, 0, 2 ** 31 - 1),
    // At least the verifier's own leeway: with a shared verifier (the tolerance set there, as
    // createGuard refuses verifier options beside it) a session must not end, nor a subject
    // revocation stop covering tokens, sooner than the verifier stops accepting them.
    clockToleranceMs: Math.max(
      duration(raw.clockToleranceMs, 'clockToleranceMs', 0, 0, 60_000),
      leewayOf(verifier),
    ),
    refreshIntervalMs: duration(raw.refreshIntervalMs, 'refreshIntervalMs', 1_000, 0, 2 ** 31 - 1),
    onAuthenticated,
    hookTimeoutMs,
    onFailure,
    limiter,
    namespacePolicy,
    expiry,
    revokeOnLogout,
    rooms,
  })
}
