// Reads the bearer token of an HTTP request from its Authorization header only (RFC 6750 §2.1),
// telling "no credentials at all" apart from "a Bearer header that is not well formed".
import type { IncomingMessage } from 'node:http'
import { bearerToken } from '../guard/extract-token.js'

/** What the Authorization header holds. */
export type BearerHeader =
  /** No Authorization header, an empty one, or another scheme (`Basic`, ...). */
  | { readonly kind: 'missing' }
  /** The Bearer scheme, but not exactly one well-formed token; or several Authorization fields, whatever they hold. */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string }

// `credentials = auth-scheme [ 1*SP b64token ]` (RFC 6750 §2.1, RFC 7235 §2.1); the scheme is
// case-insensitive and read by the guard's `bearerToken`. b64token covers a compact JWS
// (base64url and dots); the HTTP side refuses anything else after the scheme.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

const MISSING: BearerHeader = Object.freeze({ kind: 'missing' })
const MALFORMED: BearerHeader = Object.freeze({ kind: 'malformed' })

function isAuthorization(name: unknown): boolean {
  return typeof name === 'string' && name.toLowerCase() === 'authorization'
}

/** How many Authorization fields the client sent (Node keeps only the first in `headers`). */
function authorizationFields(req: IncomingMessage): number {
  // `rawHeaders` may be absent on a request built by hand (a test, a serverless adapter).
  const raw: unknown = req.rawHeaders
  if (!Array.isArray(raw)) return 1
  let count = 0
  for (let i = 0; i < raw.length; i += 2) if (isAuthorization(raw[i])) count++
  return count
}

/** The request's bearer token, or why there is none. Never throws. */
export function readBearer(req: IncomingMessage): BearerHeader {
  // Node drops every Authorization field after the first: a second one (two tokens, or a proxy
  // and a client disagreeing on who the caller is) must not be silently ignored. Counted before
  // the first field is read, so that an empty or non-Bearer first field cannot hide a Bearer
  // one after it (attack3 F3).
  if (authorizationFields(req) > 1) return MALFORMED
  const value: unknown = req.headers.authorization
  if (typeof value !== 'string' || value.trim() === '') return MISSING
  const header = value.trim()
  // Another scheme is "no bearer credentials" (RFC 6750 §3.1: an unsupported method gets a
  // challenge without an error code), not a malformed bearer token.
  if (header.split(/[ \t]/, 1)[0]?.toLowerCase() !== 'bearer') return MISSING
  const token = bearerToken(header)
  return token !== undefined && B64TOKEN.test(token) ? { kind: 'token', token } : MALFORMED
}

/**
 * Removes every trace of the Authorization header from a refused request, so that the failure
 * hook and request loggers (which print `headers` or `rawHeaders`) never see a credential.
 */
export function stripAuthorization(req: IncomingMessage): void {
  delete req.headers.authorization
  const raw: unknown = req.rawHeaders
  if (!Array.isArray(raw)) return
  for (let i = raw.length - 2; i >= 0; i -= 2) if (isAuthorization(raw[i])) raw.splice(i, 2)
}
