// Parses and checks a protected header segment: the algorithm allow-list, `crit`, `b64`, `kid`
// and `typ`. The result depends only on the segment and the policy, so it is memoised.
import { AuthError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { parseJsonObject } from '../internal/parse-json-object.js'
import { algorithmSpec, type Algorithm, type AlgorithmSpec } from '../jws/algorithms.js'
import type { JwsHeader } from '../jws/types.js'

/** A checked header, ready for key lookup. */
export interface CheckedHeader {
  readonly header: JwsHeader
  readonly spec: AlgorithmSpec
  readonly kid: string | undefined
}

/** The header policy of one verifier. */
export interface HeaderPolicy {
  readonly algorithms: ReadonlySet<Algorithm>
  /** Normalised `typ` (lower case, with `application/` when it has no `/`), or `undefined`. */
  readonly typ: string | undefined
  /** Without `typ`: refuse the types of tokens that are never access tokens (the default). */
  readonly refuseNonAccess: boolean
}

/**
 * An option key only sockguard's own verifiers set (a symbol: `Object.keys` and the option
 * checks never see it): the back-channel logout verifier verifies exactly the tokens the access
 * verifiers refuse by their `typ`.
 */
export const NON_ACCESS_TOKENS: unique symbol = Symbol('sockguard.nonAccessTokens')

const MAX_KID_LENGTH = 256
const MEMO_MAX = 512

// `typ` values of tokens that are never access tokens: OpenID Connect back-channel logout tokens
// and RFC 8417 security event tokens.
const NEVER_ACCESS: ReadonlySet<string> = new Set([
  'application/logout+jwt',
  'application/secevent+jwt',
])

/**
 * Normalises a media type for `typ` comparison (RFC 7515 §4.1.9): `application/` is implied only
 * when the value has no `/`, so `application/x/y` is not the media type `x/y`.
 */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.includes('/') ? lower : `application/${lower}`
}

/**
 * Makes the header checker of one verifier, with its memo. It takes the whole token and the
 * index of its first dot, so that the common case (the same header as last time) costs one
 * prefix comparison instead of a slice and a hash.
 */
export function createHeaderChecker(
  policy: HeaderPolicy,
): (token: string, dot1: number) => CheckedHeader {
  const memo = new Map<string, CheckedHeader>()
  let lastSegment = ''
  let last: CheckedHeader | undefined
  return (token, dot1) => {
    if (last !== undefined && dot1 === lastSegment.length && token.startsWith(lastSegment))
      return last
    const segment = token.slice(0, dot1)
    let checked = memo.get(segment)
    if (checked === undefined) {
      checked = checkHeader(segment, policy)
      // Bounded: a client sending ever-new headers only empties the memo.
      if (memo.size >= MEMO_MAX) memo.clear()
      memo.set(segment, checked)
    }
    lastSegment = segment
    last = checked
    return checked
  }
}

function malformed(message: string): AuthError {
  return new AuthError('token_malformed', message)
}

function invalid(message: string): AuthError {
  return new AuthError('token_invalid', message)
}

function checkHeader(segment: string, policy: HeaderPolicy): CheckedHeader {
  const bytes = decodeBase64url(segment)
  if (bytes === undefined) throw malformed('The token header is not canonical base64url.')
  const header = parseJsonObject(bytes)
  if (header === undefined)
    throw malformed('The token header is not a JSON object with unique members.')
  const { alg, kid, crit, b64, typ } = header
  if (typeof alg !== 'string') throw malformed('The token header has no "alg".')
  const spec = algorithmSpec(alg)
  // `none` in any casing, unknown names and algorithms outside the allow-list all stop here.
  if (spec === undefined || !policy.algorithms.has(spec.name)) {
    throw invalid("The token's algorithm is not allowed.")
  }
  if (
    kid !== undefined &&
    (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)
  ) {
    throw malformed(`The token's "kid" must be a string of 1 to ${MAX_KID_LENGTH} characters.`)
  }
  // RFC 7515 §4.1.11: extensions listed in `crit` must be understood; sockguard implements none.
  if (crit !== undefined)
    throw invalid('The token lists critical header extensions that are not supported.')
  // RFC 7797: an unencoded payload changes what is signed; refuse it rather than misread it.
  if (b64 !== undefined && b64 !== true)
    throw invalid('Unencoded payloads ("b64": false) are not supported.')
  if (typ !== undefined && typeof typ !== 'string')
    throw malformed('The token\'s "typ" must be a string.')
  if (policy.typ !== undefined && (typ === undefined || normalizeTyp(typ) !== policy.typ)) {
    throw invalid('The token\'s "typ" is not the expected one.')
  }
  // Without a typ policy, tokens typed as what is never an access token are still refused
  // (RFC 8725 §3.11): a back-channel logout token carries the provider's iss and the client's aud.
  if (
    policy.refuseNonAccess &&
    policy.typ === undefined &&
    typ !== undefined &&
    NEVER_ACCESS.has(normalizeTyp(typ))
  )
    throw invalid('The token\'s "typ" says it is not an access token.')
  return Object.freeze({ header: Object.freeze(header) as JwsHeader, spec, kid })
}
