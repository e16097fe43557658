// The receiver of OpenID Connect Back-Channel Logout 1.0: the identity provider POSTs a signed
// logout token to the app's `backchannel_logout_uri` when a user's session ends there; the token
// is validated as §2.6 says (through sockguard's own verifier), then the provider session (`sid`)
// or the user (`sub`) is revoked through the guard, so their sockets end on every node.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AuthError, InvalidOptionError, isAuthError } from '../errors.js'
import type { Guard } from '../guard/types.js'
import { integerOption } from '../internal/integer-option.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import type { AsymmetricAlgorithm } from '../jws/algorithms.js'
import type { JwkSet } from '../jws/types.js'
import { NON_ACCESS_TOKENS } from '../verifier/check-header.js'
import { createVerifier } from '../verifier/create-verifier.js'
import type { JwtClaims, RemoteKeySetOptions, VerifierOptions } from '../verifier/types.js'

/** The member of `events` that makes a JWT a logout token (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** A logout the handler accepted, as told to `onLogout`. */
export interface BackchannelLogoutEvent {
  readonly iss: string
  readonly sub: string | undefined
  readonly sid: string | undefined
  readonly jti: string
  /** What was revoked: the provider session, or (without `sid`) every token of the subject. */
  readonly revoked: { readonly sid: string; readonly iss: string } | { readonly sub: string }
}

/** Options of {@link backchannelLogout}. */
export interface BackchannelLogoutOptions extends RemoteKeySetOptions {
  /** The guard whose `revoke()` ends the sockets (a shared store reaches every node). */
  readonly guard: Pick<Guard, 'revoke'>
  /** Your client id at the provider: the logout token's `aud` must contain it. */
  readonly audience: string | readonly string[]
  /** OpenID Connect discovery: the provider's keys from its `jwks_uri`; `iss` must equal it. */
  readonly issuerUrl?: string | URL
  /** The provider's JWK set URL (give `issuer` with it). */
  readonly jwksUri?: string | URL
  /** The provider's JWK set, held locally (give `issuer` with it). */
  readonly jwks?: JwkSet
  /** The provider's issuer, exactly as in `iss`; required with `jwksUri` and `jwks`. */
  readonly issuer?: string
  /** Accepted signature algorithms. @defaultValue ['RS256'] (the OpenID Connect default) */
  readonly algorithms?: readonly AsymmetricAlgorithm[]
  /**
   * Oldest logout token accepted, from its `iat`, in ms; also how long its `jti` is remembered
   * when it has no earlier `exp`. @defaultValue 600000 (10 minutes)
   */
  readonly maxTokenAgeMs?: number
  /** Leeway for `exp` and `iat`, in ms. @defaultValue 30000 (at most 60,000) */
  readonly clockToleranceMs?: number
  /** Largest request body accepted, in bytes. @defaultValue 16384 */
  readonly maxBodyBytes?: number
  /**
   * How many token ids are remembered against replay (each until the token expires); past this
   * the oldest is forgotten first. @defaultValue 10000
   */
  readonly replayCacheMax?: number
  /** Told of each accepted logout, after the revocation (for logs and metrics). */
  readonly onLogout?: (event: BackchannelLogoutEvent) => void
  /** Told of each refused request (never with the token), for logs. */
  readonly onFailure?: (error: AuthError) => void
  /** Clock in ms since the epoch (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

/** Anything with the node:http request and response of a Fastify route (`request.raw`). */
interface FastifyLike {
  readonly raw: IncomingMessage
  readonly body?: unknown
}
interface FastifyReplyLike {
  readonly raw: ServerResponse
  hijack(): unknown
}

/**
 * The handler made by {@link backchannelLogout}: `(req, res)` of node:http, Express middleware
 * (`next` is never called: every request is answered), or a Fastify route handler `(request,
 * reply)`.
 */
export type BackchannelLogoutHandler = (
  req: IncomingMessage | FastifyLike,
  res: ServerResponse | FastifyReplyLike,
  next?: (error?: unknown) => void,
) => void

const OPTIONS: ReadonlySet<string> = new Set([
  'guard',
  'audience',
  'issuerUrl',
  'jwksUri',
  'jwks',
  'issuer',
  'algorithms',
  'maxTokenAgeMs',
  'clockToleranceMs',
  'maxBodyBytes',
  'replayCacheMax',
  'onLogout',
  'onFailure',
  'now',
  'timeoutMs',
  'cooldownMs',
  'cacheMaxAgeMs',
  'staleIfErrorMs',
  'maxResponseBytes',
  'fetch',
])
const REMOTE = [
  'timeoutMs',
  'cooldownMs',
  'cacheMaxAgeMs',
  'staleIfErrorMs',
  'maxResponseBytes',
  'fetch',
] as const

/**
 * A request the handler refuses: 400 `invalid_request` (§2.8). `code` is what `onFailure` hears:
 * `token_missing` when no logout token could be read, `token_invalid` when the token is no valid
 * logout token.
 */
class LogoutRequestError extends Error {
  constructor(
    readonly description: string,
    readonly code: 'token_missing' | 'token_invalid' = 'token_missing',
  ) {
    super(description)
  }
}

function invalid(description: string): never {
  throw new LogoutRequestError(description)
}

function notLogoutToken(description: string): never {
  throw new LogoutRequestError(description, 'token_invalid')
}

/** The verifier options for the provider's logout tokens. */
function verifierOptions(options: BackchannelLogoutOptions): VerifierOptions {
  const sources = (['issuerUrl', 'jwksUri', 'jwks'] as const).filter(
    (name) => options[name] !== undefined,
  )
  if (sources.length !== 1)
    throw new InvalidOptionError('issuerUrl', 'give exactly one of issuerUrl, jwksUri, jwks')
  const [source] = sources as [(typeof sources)[number]]
  if (source !== 'issuerUrl' && (typeof options.issuer !== 'string' || options.issuer === ''))
    throw new InvalidOptionError('issuer', `is required with ${source}`)
  if (source === 'issuerUrl' && options.issuer !== undefined)
    throw new InvalidOptionError('issuer', 'is the issuerUrl itself; give one of them')
  const audience = options.audience as unknown
  if (
    !(typeof audience === 'string' && audience !== '') &&
    !(
      Array.isArray(audience) &&
      audience.length > 0 &&
      audience.every((one) => typeof one === 'string' && one !== '')
    )
  )
    throw new InvalidOptionError('audience', 'must be your client id (a non-empty string or list)')
  const remote = Object.fromEntries(
    REMOTE.filter((name) => options[name] !== undefined).map((name) => [name, options[name]]),
  )
  const policy = {
    audience: options.audience,
    algorithms: options.algorithms ?? ['RS256'],
    // §2.4: `iat` is required; `exp` is checked when present (it is REQUIRED only since the
    // 2022 errata, and providers still omit it).
    requireExp: false,
    requiredClaims: ['iat', 'jti', 'events'],
    maxTokenAgeMs: integerOption(options.maxTokenAgeMs, 'maxTokenAgeMs', 600_000, 1, 86_400_000),
    clockToleranceMs: integerOption(
      options.clockToleranceMs,
      'clockToleranceMs',
      30_000,
      0,
      60_000,
    ),
    ...(options.now === undefined ? {} : { now: options.now }),
    // Logout tokens are typed `logout+jwt`, which access-token verifiers refuse.
    [NON_ACCESS_TOKENS]: true,
  }
  if (source === 'issuerUrl')
    return { ...policy, ...remote, issuerUrl: options.issuerUrl } as VerifierOptions
  if (source === 'jwksUri')
    return {
      ...policy,
      ...remote,
      jwksUri: options.jwksUri,
      issuer: options.issuer,
    } as VerifierOptions
  return { ...policy, jwks: options.jwks, issuer: options.issuer } as VerifierOptions
}

/** True for a JSON object (not an array, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** §2.6 steps 3-5 and 7, on claims whose signature, `iss`, `aud`, `iat` and `exp` verified. */
function checkLogoutClaims(claims: JwtClaims, typ: string | undefined): void {
  // §2.4 (errata): `typ` `logout+jwt` is recommended, so it may be absent; any other is refused
  // (an ID token or an access token posted here is not a logout token).
  if (typ !== undefined && typ.toLowerCase().replace(/^application\//, '') !== 'logout+jwt')
    notLogoutToken('The token is not a logout token (typ).')
  const { events } = claims
  if (!isObject(events) || !isObject(events[BACKCHANNEL_LOGOUT_EVENT]))
    notLogoutToken('The token has no back-channel logout event.')
  if (typeof claims.sub !== 'string' && typeof claims.sid !== 'string')
    notLogoutToken('The token has neither sub nor sid.')
  // A nonce marks an ID token: forbidden here, so that one cannot be replayed as a logout.
  if (Object.hasOwn(claims, 'nonce')) notLogoutToken('A logout token must not contain a nonce.')
  if (typeof claims.jti !== 'string' || claims.jti === '') notLogoutToken('The token has no jti.')
}

/** Reads a media type without parameters, lower case. */
function mediaType(header: string | undefined): string | undefined {
  return header?.split(';', 1)[0]?.trim().toLowerCase()
}

/** The request body as text: from a body parser that ran already, or read here with a limit. */
function readBody(req: IncomingMessage, parsed: unknown, maxBytes: number): Promise<string> {
  // A body a parser already read (Express's `express.urlencoded()`) is judged by the size the
  // client declared too: the parser may have kept only the member read here, padding dropped.
  const declared = Number(req.headers['content-length'])
  if (parsed !== undefined && Number.isFinite(declared) && declared > maxBytes)
    invalid('The request body is too large.')
  if (typeof parsed === 'string') {
    if (Buffer.byteLength(parsed) > maxBytes) invalid('The request body is too large.')
    return Promise.resolve(parsed)
  }
  if (Buffer.isBuffer(parsed)) {
    if (parsed.length > maxBytes) invalid('The request body is too large.')
    return Promise.resolve(parsed.toString('utf8'))
  }
  if (isObject(parsed)) {
    // An urlencoded body parser ran (Express's `express.urlencoded()`).
    const token = parsed.logout_token
    if (typeof token !== 'string') invalid('The request has no single logout_token.')
    if (Buffer.byteLength(token) > maxBytes) invalid('The request body is too large.')
    return Promise.resolve(new URLSearchParams({ logout_token: token }).toString())
  }
  const length = Number(req.headers['content-length'])
  if (Number.isFinite(length) && length > maxBytes) invalid('The request body is too large.')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onError)
    }
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (size > maxBytes) {
        cleanup()
        // The rest is read and dropped; the response closes the connection.
        req.resume()
        reject(new LogoutRequestError('The request body is too large.'))
        return
      }
      chunks.push(bytes)
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onError = (): void => {
      cleanup()
      reject(new LogoutRequestError('The request body could not be read.'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onError)
  })
}

function send(res: ServerResponse, status: number, body?: object, close = false): void {
  if (res.headersSent || res.writableEnded) return
  res.statusCode = status
  res.setHeader('Cache-Control', 'no-store')
  if (close) res.setHeader('Connection', 'close')
  if (status === 400) res.setHeader('Allow', 'POST')
  if (body === undefined) {
    res.end()
    return
  }
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(body))
}

/**
 * A bounded memory of the logout tokens seen, by issuer and `jti`, each until it expires: a
 * replayed token is refused (§2.6 step 10). Past `max` entries the oldest is forgotten (only a
 * token whose signature verified ever gets an entry).
 */
function createReplayCache(max: number): {
  seen(key: string, now: number): boolean
  add(key: string, until: number, now: number): void
  forget(key: string): void
} {
  const entries = new Map<string, number>()
  return {
    seen(key, now) {
      const until = entries.get(key)
      return until !== undefined && until > now
    },
    add(key, until, now) {
      if (entries.size >= max) {
        for (const [old, end] of entries) if (end <= now) entries.delete(old)
      }
      while (entries.size >= max) {
        const oldest = entries.keys().next().value as string
        entries.delete(oldest)
      }
      entries.set(key, until)
    },
    forget(key) {
      entries.delete(key)
    },
  }
}

/**
 * Creates the receiver of OpenID Connect Back-Channel Logout for the provider's
 * `backchannel_logout_uri`: a POST of `application/x-www-form-urlencoded` `logout_token=<JWT>`.
 * The token is verified with the provider's keys (signature, `iss`, `aud`, `iat`, `exp` when
 * present, `typ` `logout+jwt` when present, the back-channel logout event, `sub` and/or `sid`, no
 * `nonce`, a `jti` never seen before), then `guard.revoke({ sid, iss })` when it has a `sid`, else
 * `guard.revoke({ sub })` (which is not issuer-scoped). Answers 200 (`Cache-Control: no-store`), 400
 * `{ error: 'invalid_request', error_description }` for anything refused (nothing else happens),
 * 503 when the provider's keys or the revocation store cannot be reached (the provider may retry),
 * 500 when the guard failed otherwise. The token never appears in a response.
 *
 * @throws {InvalidOptionError} naming the option at fault, including every verifier option error.
 *
 * @example
 * app.post('/backchannel-logout', backchannelLogout({
 *   guard, issuerUrl: 'https://idp.example', audience: 'my-client-id',
 * }))
 */
export function backchannelLogout(options: BackchannelLogoutOptions): BackchannelLogoutHandler {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new InvalidOptionError('options', 'must be an object')
  refuseUnknownOptions(options, OPTIONS, 'backchannelLogout')
  const { guard, onLogout, onFailure } = options
  if (typeof (guard as Partial<Guard> | undefined)?.revoke !== 'function')
    throw new InvalidOptionError('guard', 'must be a guard (createGuard)')
  if (onLogout !== undefined && typeof onLogout !== 'function')
    throw new InvalidOptionError('onLogout', 'must be a function')
  if (onFailure !== undefined && typeof onFailure !== 'function')
    throw new InvalidOptionError('onFailure', 'must be a function')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function')
  const maxBodyBytes = integerOption(options.maxBodyBytes, 'maxBodyBytes', 16_384, 1, 1_048_576)
  const replay = createReplayCache(
    integerOption(options.replayCacheMax, 'replayCacheMax', 10_000, 1, 10_000_000),
  )
  const verifier = createVerifier(verifierOptions(options))
  const tolerance = integerOption(options.clockToleranceMs, 'clockToleranceMs', 30_000, 0, 60_000)

  const report = (error: AuthError): void => {
    try {
      onFailure?.(error)
    } catch {
      // A logging hook must not turn an answer into a crash.
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, parsed: unknown) => {
    if (req.method !== 'POST') invalid('The request must be a POST.')
    if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded')
      invalid('The request must be application/x-www-form-urlencoded.')
    const body = await readBody(req, parsed, maxBodyBytes)
    const tokens = new URLSearchParams(body).getAll('logout_token')
    if (tokens.length !== 1 || tokens[0] === '') invalid('The request has no single logout_token.')
    const verified = await verifier.verify(tokens[0])
    const { claims, header } = verified
    checkLogoutClaims(claims, header.typ)
    const iss = claims.iss as string
    const jti = claims.jti as string
    const key = `${iss}\u0000${jti}`
    const at = now()
    if (replay.seen(key, at)) notLogoutToken('The logout token has been used already.')
    // Remembered before the revocation, so that a copy sent meanwhile is refused too; until the
    // verifier would stop accepting it (`exp`, or `iat` + maxTokenAgeMs).
    replay.add(key, (verified.expiresAt ?? at) + tolerance, at)
    const revoked =
      typeof claims.sid === 'string' ? { sid: claims.sid, iss } : { sub: claims.sub as string }
    try {
      await guard.revoke(revoked)
    } catch (error) {
      // Not kept: the provider may send the same token again, and must be heard then.
      replay.forget(key)
      throw error
    }
    send(res, 200)
    try {
      onLogout?.({ iss, sub: claims.sub, sid: claims.sid, jti, revoked })
    } catch {
      // Ignored: the logout is done.
    }
  }

  return (req, res) => {
    let request = req as IncomingMessage
    let response = res as ServerResponse
    let parsed = (req as { body?: unknown }).body
    // A Fastify route: the raw node:http objects, and Fastify stays out of the reply.
    if ('raw' in req && 'raw' in res && typeof res.hijack === 'function') {
      res.hijack()
      request = req.raw
      response = res.raw
      parsed = req.body
    }
    handle(request, response, parsed).catch((error: unknown) => {
      if (error instanceof LogoutRequestError) {
        report(new AuthError(error.code, error.description))
        const tooLarge = error.description.includes('too large')
        send(
          response,
          400,
          { error: 'invalid_request', error_description: error.description },
          tooLarge,
        )
        return
      }
      if (isAuthError(error)) {
        report(error)
        if (error.code === 'keys_unavailable' || error.code === 'store_unavailable') {
          response.setHeader('Retry-After', '5')
          send(response, 503, {
            error: 'temporarily_unavailable',
            error_description: error.message,
          })
        } else if (error.code === 'server_error') {
          send(response, 500, { error: 'server_error', error_description: error.message })
        } else {
          send(response, 400, { error: 'invalid_request', error_description: error.message })
        }
        return
      }
      const coded = new AuthError('server_error', 'The logout could not be processed.', {
        cause: error,
      })
      report(coded)
      send(response, 500, { error: 'server_error', error_description: coded.message })
    })
  }
}
