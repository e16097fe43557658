// Validates the drop-in's options once, at creation: socketio-jwt's own, the jsonwebtoken verify
// options it passed through (mapped to sockguard's), and a TypeError naming each one that is not
// supported, so nothing an app relied on is silently ignored.
import { Socket } from 'socket.io'
import { InvalidOptionError } from '../errors.js'
import type { JwtClaims, Verifier, VerifierPolicyOptions } from '../verifier/types.js'
import type { Algorithm } from '../jws/algorithms.js'
import type { AuthorizeOptions } from './types.js'

/** The drop-in's settings, checked. */
export interface CompatSettings {
  readonly handshake: boolean
  readonly timeoutMs: number
  readonly required: boolean
  /** ms to wait for the client's `unauthorized` ack before disconnecting; 0 = at once. */
  readonly callbackMs: number
  readonly decodedPropertyName: string
  readonly encodedPropertyName: string | undefined
  readonly authHeaderRequired: boolean
  readonly customDecoded: ((decoded: JwtClaims) => unknown) | undefined
  readonly additionalAuth: AuthorizeOptions['additional_auth'] | undefined
  /** Least ms between two accepted `authenticate`s of one socket (0: no floor). */
  readonly refreshIntervalMs: number
  /** Most ms the app's hooks (secret function, additional_auth, customDecoded) may take. */
  readonly hookTimeoutMs: number
  /** The key: a verifier, a fixed secret or key, or a function looking one up per token. */
  readonly key:
    | { readonly kind: 'verifier'; readonly verifier: Verifier }
    | { readonly kind: 'static'; readonly secret: unknown }
    | { readonly kind: 'function'; readonly lookup: (...args: unknown[]) => unknown }
  readonly algorithms: readonly Algorithm[]
  /** Verifier policy from the jsonwebtoken options. */
  readonly policy: VerifierPolicyOptions
  readonly jwtid: string | undefined
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  cookie:
    'is not supported: it read `socket.request.cookies`, which Socket.IO v4 never fills, and a cookie without an origin allow-list lets any web page open an authenticated socket; use createGuard({ tokenFrom: ["cookie"], allowedOrigins })',
  ignoreExpiration: 'is not supported: sockguard never switches the expiry check off',
  ignoreNotBefore: 'is not supported: sockguard never switches the `nbf` check off',
  complete: 'is not supported: use `customDecoded` to shape the decoded token',
  json: 'is not supported: use `customDecoded` to shape the decoded token',
  nonce: 'is not supported: `nonce` is for OpenID ID tokens, which are not socket credentials',
  jwks: 'is not supported: use `verifier: createVerifier({ jwksUri, algorithms })`',
  success: 'is not supported: it was an internal hook of socketio-jwt',
  fail: 'is not supported: it was an internal hook of socketio-jwt',
  allowInvalidAsymmetricKeyTypes: 'is not supported: key types always match their algorithm',
}

const KNOWN = new Set([
  'secret',
  'verifier',
  'algorithms',
  'handshake',
  'timeout',
  'required',
  'callback',
  'decodedPropertyName',
  'encodedPropertyName',
  'auth_header_required',
  'customDecoded',
  'additional_auth',
  'refreshIntervalMs',
  'hookTimeoutMs',
  'audience',
  'issuer',
  'subject',
  'jwtid',
  'clockTolerance',
  'maxAge',
  'requireExp',
])
// Options that belong to the verifier when one is given.
const VERIFIER_POLICY = [
  'secret',
  'algorithms',
  'audience',
  'issuer',
  'subject',
  'clockTolerance',
  'maxAge',
  'requireExp',
]

// Writing the decoded token over one of these would break the socket: its own fields (those a
// Socket.IO 4 server socket sets in its constructor, listed here as no socket exists yet) and,
// checked with `in`, every method it inherits (Socket, its EventEmitter bases, Object.prototype:
// `emitReserved` over a token crashed the process at the first disconnect).
const SOCKET_FIELDS = new Set([
  ...['id', 'handshake', 'nsp', 'server', 'adapter', 'client', 'conn', 'data', 'connected'],
  ...['recovered', 'acks', 'fns', 'flags', 'pid', 'request', 'rooms', 'disconnected'],
  ...['_anyListeners', '_anyOutgoingListeners', 'prototype', '__proto__'],
])

function isSocketField(name: string): boolean {
  return SOCKET_FIELDS.has(name) || name in Socket.prototype || name in Object.prototype
}

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

function optionalBoolean(options: Record<string, unknown>, name: string): boolean | undefined {
  const value = options[name]
  if (value !== undefined && typeof value !== 'boolean') fail(name, 'must be a boolean')
  return value
}

function optionalFunction(options: Record<string, unknown>, name: string): unknown {
  const value = options[name]
  if (value !== undefined && typeof value !== 'function') fail(name, 'must be a function')
  return value
}

function propertyName(value: unknown, option: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z$][\w$]*$/.test(value))
    fail(option, 'must be an identifier such as "decoded_token"')
  if (isSocketField(value)) fail(option, `"${value}" would overwrite a field of the socket`)
  return value
}

function seconds(value: unknown, option: string, maxSeconds: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > maxSeconds)
    fail(option, `must be a number of seconds from 0 to ${maxSeconds}`)
  return Math.round(value * 1000)
}

function refreshInterval(value: unknown): number {
  if (value === undefined) return 1_000
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1)
    fail('refreshIntervalMs', 'must be a non-negative integer number of ms')
  return value
}

// As the guard's getKeyTimeoutMs: long enough for a database lookup, short enough that a hook
// that never answers does not hold a handshake (or a socket in its grace time) for long.
const DEFAULT_HOOK_TIMEOUT_MS = 5_000

function hookTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_HOOK_TIMEOUT_MS
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1)
    fail('hookTimeoutMs', 'must be a positive integer number of ms')
  return value
}

/** The two socket fields, checked; the raw token must never land where the claims are read. */
function propertyNames(options: Record<string, unknown>): {
  decoded: string
  encoded: string | undefined
} {
  const decoded = propertyName(
    options.decodedPropertyName ?? 'decoded_token',
    'decodedPropertyName',
  )
  if (options.encodedPropertyName === undefined) return { decoded, encoded: undefined }
  const encoded = propertyName(options.encodedPropertyName, 'encodedPropertyName')
  if (encoded === decoded)
    fail(
      'encodedPropertyName',
      `"${encoded}" is also decodedPropertyName: the raw token would replace the decoded one`,
    )
  return { decoded, encoded }
}

/**
 * Checks the drop-in's options.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeCompatOptions(input: unknown): CompatSettings {
  if (typeof input !== 'object' || input === null) fail('options', 'must be an object')
  const options = input as Record<string, unknown>
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue
    const reason = UNSUPPORTED[name]
    if (reason !== undefined) fail(name, reason)
    if (!KNOWN.has(name)) fail(name, 'is not an option of sockguard/socketio-jwt')
  }

  let key: CompatSettings['key']
  if (options.verifier !== undefined) {
    const verifier = options.verifier as Verifier
    if (typeof verifier.verify !== 'function')
      fail('verifier', 'must be a verifier made by createVerifier()')
    const extra = VERIFIER_POLICY.find((name) => options[name] !== undefined)
    if (extra !== undefined) fail(extra, 'goes to createVerifier() when `verifier` is given')
    key = { kind: 'verifier', verifier }
  } else if (typeof options.secret === 'function') {
    key = { kind: 'function', lookup: options.secret as (...args: unknown[]) => void }
  } else if (options.secret === undefined || options.secret === null) {
    fail('secret', 'is required (a string of at least 32 bytes, a public key or a function)')
  } else {
    key = { kind: 'static', secret: options.secret }
  }

  const timeout = options.timeout
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' ||
      !Number.isInteger(timeout) ||
      timeout < 0 ||
      timeout > 2 ** 31 - 1)
  )
    fail('timeout', 'must be an integer number of ms')
  const callback = options.callback
  if (
    callback !== undefined &&
    callback !== false &&
    (typeof callback !== 'number' ||
      !Number.isInteger(callback) ||
      Math.abs(callback) > 2 ** 31 - 1)
  )
    fail('callback', 'must be false or an integer number of ms')
  const maxAge = options.maxAge
  if (typeof maxAge === 'string')
    fail('maxAge', "must be a number of seconds (jsonwebtoken's '2d' strings are not read)")
  const audience = options.audience
  if (
    audience instanceof RegExp ||
    (Array.isArray(audience) && audience.some((a) => a instanceof RegExp))
  )
    fail('audience', 'must be strings (RegExp audiences are not supported)')
  const jwtid = options.jwtid
  if (jwtid !== undefined && (typeof jwtid !== 'string' || jwtid === ''))
    fail('jwtid', 'must be a non-empty string')

  const policy: Record<string, unknown> = {
    audience,
    issuer: options.issuer,
    subject: options.subject,
    clockToleranceMs: seconds(options.clockTolerance, 'clockTolerance', 60),
    maxTokenAgeMs: seconds(maxAge, 'maxAge', 2 ** 31),
    requireExp: optionalBoolean(options, 'requireExp') ?? false,
  }

  const names = propertyNames(options)
  return Object.freeze({
    handshake: optionalBoolean(options, 'handshake') ?? false,
    // socketio-jwt read `options.timeout || 5000`: 0 meant the default.
    timeoutMs: timeout === undefined || timeout === 0 ? 5000 : timeout,
    required: optionalBoolean(options, 'required') ?? true,
    // socketio-jwt made a negative callback positive.
    callbackMs: typeof callback === 'number' ? Math.abs(callback) : 0,
    decodedPropertyName: names.decoded,
    encodedPropertyName: names.encoded,
    authHeaderRequired: optionalBoolean(options, 'auth_header_required') ?? false,
    customDecoded: optionalFunction(options, 'customDecoded') as CompatSettings['customDecoded'],
    refreshIntervalMs: refreshInterval(options.refreshIntervalMs),
    hookTimeoutMs: hookTimeout(options.hookTimeoutMs),
    additionalAuth: optionalFunction(
      options,
      'additional_auth',
    ) as CompatSettings['additionalAuth'],
    key,
    algorithms: (options.algorithms ?? ['HS256']) as readonly Algorithm[],
    policy: Object.freeze(
      Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined)),
    ),
    jwtid,
  })
}
