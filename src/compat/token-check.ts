// Token to verified claims for the drop-in, with sockguard's verifier underneath: a fixed secret
// or key, a sockguard verifier, or socketio-jwt's secret function (called with the unverified
// claims, as socketio-jwt did), with one verifier kept per distinct secret it returns.
import { KeyObject } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ClaimInvalidError, InvalidOptionError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { isThenable } from '../internal/is-thenable.js'
import { parseJsonObject } from '../internal/parse-json-object.js'
import { createVerifier } from '../verifier/create-verifier.js'
import { HMAC_ALGORITHMS } from '../jws/algorithms.js'
import type { VerifiedClaims, Verifier, VerifierOptions } from '../verifier/types.js'
import type { CompatSettings } from './options.js'
import type { RefusalContext } from './jwt-message.js'
import { UnauthorizedError, toUnauthorizedError } from './unauthorized-error.js'
import type { SecretCallback, UnverifiedJson } from './types.js'

/** Verifies a token for the handshake `request` it came with. */
export type TokenCheck = (token: string, request: IncomingMessage) => Promise<VerifiedClaims>

const MAX_TOKEN_CHARS = 8192
const MEMO_MAX = 64

function invalidToken(message: string): UnauthorizedError {
  return new UnauthorizedError('invalid_token', { message })
}

function invalidSecret(cause?: unknown): UnauthorizedError {
  return new UnauthorizedError('invalid_secret', { message: 'invalid secret' }, { cause })
}

/** A verifier for one secret or public key, under the drop-in's algorithms and policy. */
function verifierFor(key: unknown, settings: CompatSettings, option: string): Verifier {
  const hmac = settings.algorithms.every((alg) =>
    (HMAC_ALGORITHMS as readonly string[]).includes(alg),
  )
  let material = key
  if (material instanceof KeyObject && material.type === 'secret') material = material.export()
  if (hmac) {
    const text =
      typeof material === 'string'
        ? material
        : material instanceof Uint8Array
          ? Buffer.from(material).toString('latin1')
          : ''
    if (text.includes('-----BEGIN')) {
      // socketio-jwt let jsonwebtoken infer RS256 from a PEM key (a string or the Buffer of
      // `fs.readFileSync`). As an HMAC secret, a public key would let anyone who has it sign
      // tokens. Other encodings (DER, JWK text) are refused by createVerifier itself.
      throw new InvalidOptionError(
        option,
        'is a PEM key but `algorithms` are HMAC; pass the key\'s algorithms, e.g. ["RS256"]',
      )
    }
    return createVerifier({
      ...settings.policy,
      secret: material,
      algorithms: settings.algorithms,
    } as VerifierOptions)
  }
  // jsonwebtoken read a Buffer as PEM: `secret: fs.readFileSync('public.pem')` with RS256.
  if (material instanceof Uint8Array) material = Buffer.from(material).toString('utf8')
  try {
    return createVerifier({
      ...settings.policy,
      publicKey: material,
      algorithms: settings.algorithms,
    } as VerifierOptions)
  } catch (error) {
    if (error instanceof InvalidOptionError && error.option === 'publicKey')
      throw new InvalidOptionError(option, 'is not a public key for these algorithms', {
        cause: error,
      })
    throw error
  }
}

/** The unverified header and claims that socketio-jwt handed to a secret function. */
function peek(token: string): { header: UnverifiedJson; payload: UnverifiedJson } {
  if (token.length > MAX_TOKEN_CHARS) throw invalidToken('jwt malformed')
  const parts = token.split('.')
  if (parts.length !== 3) throw invalidToken('jwt malformed')
  if (parts[2] === '') throw invalidToken('jwt signature is required')
  const json = (segment: string | undefined): UnverifiedJson => {
    const bytes = segment === undefined ? undefined : decodeBase64url(segment)
    const value = bytes === undefined ? undefined : parseJsonObject(bytes)
    if (value === undefined) throw invalidToken('jwt malformed')
    return Object.freeze(value)
  }
  return { header: json(parts[0]), payload: json(parts[1]) }
}

/**
 * Calls the app's secret function, by its arity as socketio-jwt did; a returned promise (any
 * thenable) works too. A function that neither calls back nor settles within `timeoutMs` is
 * refused `invalid_secret`, as one that fails: socketio-jwt waited forever, holding the handshake.
 */
function lookUpSecret(
  lookup: (...args: unknown[]) => unknown,
  request: IncomingMessage,
  token: string,
  timeoutMs: number,
): Promise<unknown> {
  const { header, payload } = peek(token)
  let timer: NodeJS.Timeout | undefined
  return new Promise((resolve, reject) => {
    let settled = false
    const callback: SecretCallback = (error, secret) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if ((error !== undefined && error !== null && error !== false) || !secret)
        reject(invalidSecret(error))
      else resolve(secret)
    }
    timer = setTimeout(() => {
      callback(new Error(`the secret function did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    // Never keeps a closing process alive; the socket or handshake it bounds does that.
    timer.unref()
    try {
      const result =
        lookup.length === 4
          ? lookup(request, header, payload, callback)
          : lookup(request, payload, callback)
      // Promise.resolve adopts any thenable, and turns a `then` that throws into a rejection.
      if (isThenable(result))
        Promise.resolve(result).then(
          (secret: unknown) => {
            if (secret !== undefined) callback(null, secret)
          },
          (error: unknown) => {
            callback(error ?? new Error('rejected'))
          },
        )
    } catch (error) {
      callback(error ?? new Error('thrown'))
    }
  })
}

/**
 * Makes the drop-in's token check.
 * @throws {InvalidOptionError} for a bad secret, key, algorithm or verifier policy option.
 */
export function createTokenCheck(settings: CompatSettings): TokenCheck {
  const check = createUnwordedCheck(settings)
  const { policy } = settings
  // jsonwebtoken named the expected values in its messages; a `verifier` keeps its own.
  const expected: RefusalContext['expected'] =
    settings.key.kind === 'verifier'
      ? { jwtid: settings.jwtid }
      : {
          audience: policy.audience,
          issuer: policy.issuer,
          subject: policy.subject,
          jwtid: settings.jwtid,
          maxAge: policy.maxTokenAgeMs !== undefined,
        }
  return (token, request) =>
    check(token, request).catch((error: unknown) => {
      throw toUnauthorizedError(error, { token, expected })
    })
}

function createUnwordedCheck(settings: CompatSettings): TokenCheck {
  const checkJti = (result: VerifiedClaims): VerifiedClaims => {
    if (settings.jwtid !== undefined && result.claims.jti !== settings.jwtid)
      throw new ClaimInvalidError('jti', 'The token id is not the expected one.')
    return result
  }
  const { key } = settings
  if (key.kind === 'verifier') {
    const { verifier } = key
    return (token) => verifier.verify(token).then(checkJti)
  }
  if (key.kind === 'static') {
    const verifier = verifierFor(key.secret, settings, 'secret')
    return (token) => verifier.verify(token).then(checkJti)
  }

  // Validates `algorithms` and the policy now, not at the first connection.
  createVerifier({
    ...settings.policy,
    getKey: () => undefined,
    algorithms: settings.algorithms,
  } as VerifierOptions)
  const byString = new Map<string, Verifier>()
  const byObject = new WeakMap<object, Verifier>()
  const memoized = (secret: unknown): Verifier => {
    const memoKey =
      typeof secret === 'string'
        ? `s:${secret}`
        : secret instanceof Uint8Array
          ? `b:${Buffer.from(secret).toString('base64')}`
          : undefined
    let verifier =
      memoKey !== undefined
        ? byString.get(memoKey)
        : typeof secret === 'object' && secret !== null
          ? byObject.get(secret)
          : undefined
    if (verifier !== undefined) return verifier
    try {
      verifier = verifierFor(secret, settings, 'secret')
    } catch (error) {
      // A secret the verifier refuses (too short, a PEM key for HMAC...) refuses the token.
      throw invalidSecret(error)
    }
    if (memoKey !== undefined) {
      if (byString.size >= MEMO_MAX) byString.clear()
      byString.set(memoKey, verifier)
    } else byObject.set(secret as object, verifier)
    return verifier
  }
  const { lookup } = key
  return async (token, request) => {
    const secret = await lookUpSecret(lookup, request, token, settings.hookTimeoutMs)
    return checkJti(await memoized(secret).verify(token))
  }
}
