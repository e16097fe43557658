// What `sockguard verify` says when a token is refused: the code, the claim or kid the error
// carries, and one plain sentence of what to fix. Never the token; claim values only when short.
import { TokenExpiredError, type AuthError, type AuthErrorCode } from '../errors.js'
import { instantForText } from './format-instant.js'

/** What the explanation may draw on, besides the error. */
export interface ExplainContext {
  /** The clock of the verification, in ms since the epoch. */
  readonly nowMs: number
  /** The token's header and payload, decoded without trust, for hints; `undefined` if unreadable. */
  readonly header: Readonly<Record<string, unknown>> | undefined
  readonly claims: Readonly<Record<string, unknown>> | undefined
  /** The key flag used (`--secret`, `--jwks-uri`...) and what it names (a file or URL). */
  readonly keyFlag: string
  readonly keyLocation: string | undefined
  /** The verifier's policy as given on the command line. */
  readonly algorithms: readonly string[] | undefined
  readonly issuer: readonly string[] | undefined
  readonly audience: readonly string[] | undefined
  readonly subject: string | undefined
  readonly typ: string | undefined
  /** True when the token was read from stdin. */
  readonly fromStdin: boolean
}

const list = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ')

/** A claim value fit to print: JSON, cut short so a hostile token cannot flood the terminal. */
function show(value: unknown): string {
  if (value === undefined) return 'absent'
  const text = JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** A span of time for a sentence: seconds up to two minutes, then minutes, hours, days. */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000)
  if (s <= 120) return `${s} s`
  if (s <= 7_200) return `${Math.round(s / 60)} min`
  if (s <= 172_800) return `${Math.round(s / 3_600)} h`
  return `${Math.round(s / 86_400)} days`
}

function explainClaim(error: AuthError, ctx: ExplainContext): string {
  const claim = error.claim ?? ''
  const value = ctx.claims?.[claim]
  if (claim === 'iss' && ctx.issuer !== undefined) {
    const flag = ctx.keyFlag === '--issuer-url' && ctx.issuer.length === 1 ? ctx.keyFlag : '--iss'
    return `The token's issuer is ${show(value)}, and ${flag} accepts ${list(ctx.issuer)}. Mint it with that issuer (sockguard token --iss), or verify with the issuer it names.`
  }
  if (claim === 'aud' && ctx.audience !== undefined) {
    return `The token's audience is ${show(value)}, and --aud accepts ${list(ctx.audience)}. Mint it for this audience (sockguard token --aud), or verify with the audience it names.`
  }
  if (claim === 'sub' && ctx.subject !== undefined) {
    return `The token's subject is ${show(value)}, and --sub requires ${JSON.stringify(ctx.subject)}. Mint it for that subject, or drop --sub.`
  }
  if (claim === 'exp' && value === undefined) {
    return 'The token has no "exp" claim, and sockguard refuses tokens that never expire. Mint it with an expiry (sockguard token always sets one from --ttl).'
  }
  if (claim === 'iat' && value === undefined) {
    return 'The token has no "iat" claim, which --max-age needs to tell its age. Mint it with "iat", or drop --max-age.'
  }
  if (value === undefined) {
    return `${error.message} Mint it with that claim (sockguard token --claim ${claim}=...), or drop --require ${claim}.`
  }
  return `${error.message} It is ${show(value)}: fix how the token is minted.`
}

function explainInvalid(error: AuthError, ctx: ExplainContext): string {
  const alg = ctx.header?.alg
  if (
    typeof alg === 'string' &&
    ctx.algorithms !== undefined &&
    !ctx.algorithms.includes(alg) &&
    error.message.includes('algorithm')
  ) {
    return `The token is signed with ${show(alg)}, which --alg does not accept (${ctx.algorithms.join(', ')}). Add it to --alg if that is intended, or mint the token with an accepted algorithm.`
  }
  if (error.message.includes('"typ"') && ctx.typ !== undefined) {
    return `The token's typ is ${show(ctx.header?.typ)}, and --typ requires ${JSON.stringify(ctx.typ)}. Mint it with --typ ${ctx.typ}, or drop --typ.`
  }
  const key = ctx.keyLocation === undefined ? ctx.keyFlag : `${ctx.keyFlag} ${ctx.keyLocation}`
  const what = ctx.keyFlag.startsWith('--secret')
    ? 'the secret the token was signed with'
    : 'the public half of the key that signed the token'
  return `${error.message} Check that ${key} holds ${what}, and that --alg names its algorithm${typeof alg === 'string' ? ` (${show(alg)})` : ''}.`
}

/** The messages of an error's cause chain, for `keys_unavailable`: "request failed: connect ECONNREFUSED". */
function causeOf(error: AuthError): string | undefined {
  const messages: string[] = []
  let cause: unknown = error.cause
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    if (!messages.includes(cause.message)) messages.push(cause.message)
    cause = cause.cause
  }
  return messages.length === 0 ? undefined : messages.join(': ')
}

type Explain = (error: AuthError, ctx: ExplainContext) => string

// A Record over every code: adding a code to AUTH_ERROR_CODES fails the build until it is explained.
const EXPLAIN: Readonly<Record<AuthErrorCode, Explain>> = {
  token_missing: (_, ctx) =>
    `No token was given${ctx.fromStdin ? ' on stdin' : ''}. Pass the token as the argument, or pipe it in with "sockguard verify -".`,
  token_malformed: (error) =>
    `${error.message} A JWT is three base64url parts joined by dots (header.payload.signature): check that it was copied whole, without quotes, spaces or a "Bearer " prefix.`,
  token_invalid: explainInvalid,
  token_expired: (error, ctx) => {
    const at = error instanceof TokenExpiredError ? error.expiredAt : undefined
    const when = at === undefined ? '' : ` at ${instantForText(at)} (${span(ctx.nowMs - at)} ago)`
    if (error.claim === 'iat') {
      return `The token is older than --max-age allows: it reached that age${when}. Mint a new one, or raise --max-age.`
    }
    return `The token expired${when}. Mint a new one, or raise --clock-tolerance if the clocks disagree.`
  },
  token_not_active: (error, ctx) => {
    const claim = error.claim === 'iat' ? 'iat' : 'nbf'
    const value = ctx.claims?.[claim]
    const at = typeof value === 'number' ? value * 1000 : undefined
    const when = at === undefined ? '' : ` ${instantForText(at)} (in ${span(at - ctx.nowMs)})`
    if (claim === 'iat') {
      return `The token was issued in the future,${when}: the clock of whoever minted it is ahead. Fix that clock, or raise --clock-tolerance (at most 60 s).`
    }
    return `The token is not valid before${when}. Wait until then, mint it without --nbf, or raise --clock-tolerance if the clocks disagree.`
  },
  claim_invalid: explainClaim,
  token_revoked: () =>
    'The token was revoked (by its subject or its jti). Log in again to get a new one.',
  key_not_found: (error, ctx) => {
    const where = ctx.keyLocation === undefined ? ctx.keyFlag : `${ctx.keyFlag} ${ctx.keyLocation}`
    if (error.kid !== undefined) {
      return `No key in ${where} has the kid ${show(error.kid)}. Check that ${ctx.keyFlag} holds the keys of the issuer that signed the token, and that this key was not rotated out.`
    }
    return `${error.message} Give the token a kid (sockguard token --kid) that a key in ${where} has, or make sure exactly one key accepts its algorithm.`
  },
  keys_unavailable: (error, ctx) => {
    const cause = causeOf(error)
    return `The keys at ${ctx.keyLocation ?? ctx.keyFlag} could not be fetched${cause === undefined ? '' : ` (${cause})`}. Check the URL and that the server is up and reachable from here, then retry; --timeout sets how long to wait.`
  },
  auth_timeout: () =>
    'No "authenticate" event arrived in time. Send the token right after connecting, or raise the server\'s timeout.',
  logged_out: () => 'The session was ended by a logout (auth:logout). Log in again.',
  forbidden: () =>
    "The server's per-event policy denied the event. Mint a token with the scope or claim the event needs (--scope, --claim).",
  store_unavailable: () =>
    'The revocation store (Redis) did not answer in time, so the server could not tell whether the token was revoked. Retry later, and check the store.',
  server_error: () =>
    'The server failed while checking the token (it was shutting down, or one of its hooks threw): the token itself was not judged. Retry with a backoff.',
  rate_limited: () =>
    'Too many failed handshakes came from this address. Wait, and fix the token before retrying.',
  reauth_required: () =>
    'The server asked for a fresh token (guard.recheck) and none came in time. Get a fresh token and reconnect.',
}

/**
 * The text `sockguard verify` prints for a refused token: `error: <code>` (with the claim or kid
 * it names), then what to fix. Never the token itself.
 */
export function explainError(error: AuthError, ctx: ExplainContext): string {
  const details = [
    error.claim === undefined ? undefined : `claim: ${error.claim}`,
    error.kid === undefined ? undefined : `kid: ${show(error.kid)}`,
  ].filter((d) => d !== undefined)
  const head = `error: ${error.code}${details.length === 0 ? '' : ` (${details.join(', ')})`}`
  return `${head}\n${EXPLAIN[error.code](error, ctx)}\n`
}
