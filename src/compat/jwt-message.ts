// The text of a drop-in refusal: the message jsonwebtoken (under socketio-jwt 4.x) gave for the
// same cause, so that client code comparing `err.message` keeps working. sockguard's verifier
// decides; this only words its decision, reading the token's structure in jsonwebtoken's order
// where the cause is in the token's shape (segments, header, missing signature).
import type { AuthError } from '../errors.js'
import { parseJsonObject } from '../internal/parse-json-object.js'

/** What a refusal is worded against: the token sent and the values the policy expected. */
export interface RefusalContext {
  readonly token: string
  /** Policy values jsonwebtoken named in its messages; absent when a `verifier` holds them. */
  readonly expected?: {
    readonly audience?: string | readonly string[] | undefined
    readonly issuer?: string | readonly string[] | undefined
    readonly subject?: string | undefined
    readonly jwtid?: string | undefined
    readonly maxAge?: boolean
  }
}

// jws.decode's test (jsonwebtoken decodes with it): anything else is 'invalid token'.
const JWS_SHAPE = /^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$/
// The messages of the verifier's algorithm refusals (check-header.ts, key-source.ts...).
const ALGORITHM = /algorithm/i

/** jsonwebtoken's message for what the token's shape alone decides, or `undefined`. */
function shapeMessage(token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return 'jwt malformed'
  if (!JWS_SHAPE.test(token)) return 'invalid token'
  const header = parseJsonObject(Buffer.from(parts[0] ?? '', 'base64url'))
  if (header === undefined) return 'invalid token'
  // Checked before the algorithm: an `alg: none` token is "unsigned", not "of a wrong algorithm".
  if ((parts[2] ?? '').trim() === '') return 'jwt signature is required'
  // jsonwebtoken looked `alg` up in its list: a header without one is of no allowed algorithm.
  if (typeof header.alg !== 'string') return 'invalid algorithm'
  return undefined
}

function payloadOf(token: string): Readonly<Record<string, unknown>> | undefined {
  const segment = token.split('.')[1]
  return segment === undefined ? undefined : parseJsonObject(Buffer.from(segment, 'base64url'))
}

function expected(prefix: string, value: string | undefined): string {
  return value === undefined ? prefix : `${prefix}. expected: ${value}`
}

function claimMessage(error: AuthError, context: RefusalContext | undefined): string {
  const want = context?.expected
  const present = context === undefined ? undefined : payloadOf(context.token)?.[error.claim ?? '']
  switch (error.claim) {
    case 'aud': {
      const list = want?.audience
      return expected(
        'jwt audience invalid',
        list === undefined ? undefined : (typeof list === 'string' ? [list] : list).join(' or '),
      )
    }
    case 'iss':
      // jsonwebtoken concatenated the option: an array reads "a,b".
      return expected(
        'jwt issuer invalid',
        want?.issuer === undefined ? undefined : String(want.issuer),
      )
    case 'sub':
      return expected('jwt subject invalid', want?.subject)
    case 'jti':
      return expected('jwt jwtid invalid', want?.jwtid)
    case 'exp':
    case 'nbf':
      // A missing `exp` under `requireExp` has no jsonwebtoken message; a mistyped one does.
      return present === undefined ? error.message : `invalid ${error.claim} value`
    case 'iat':
      return want?.maxAge === true && typeof present !== 'number'
        ? 'iat required when maxAge is specified'
        : 'invalid iat value'
    default:
      return error.message
  }
}

/**
 * jsonwebtoken's wording of a sockguard refusal. With the token, the causes jsonwebtoken found in
 * its shape come first, in its order (`jwt malformed`, `invalid token`, `jwt signature is
 * required`), then the verifier's code decides.
 */
export function jwtMessage(error: AuthError, context?: RefusalContext): string {
  if (error.code === 'token_missing') return 'jwt must be provided'
  const shape = context === undefined ? undefined : shapeMessage(context.token)
  if (shape !== undefined) return shape
  switch (error.code) {
    case 'token_malformed':
      return 'jwt malformed'
    case 'token_invalid':
      return ALGORITHM.test(error.message) ? 'invalid algorithm' : 'invalid signature'
    case 'token_expired':
      return error.claim === 'iat' ? 'maxAge exceeded' : 'jwt expired'
    case 'token_not_active':
      return 'jwt not active'
    case 'claim_invalid':
      return claimMessage(error, context)
    default:
      return error.message
  }
}
