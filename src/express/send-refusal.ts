// Writes the refusals of `sockguard/express` per RFC 6750 §3: the status, a `WWW-Authenticate`
// Bearer challenge, and a JSON body `{ error, message }`; nothing in them comes from the token.
import type { ServerResponse } from 'node:http'
import type { HttpAuthErrorBody } from './types.js'

/** The attributes of a Bearer challenge (RFC 6750 §3), in the order they are written. */
export interface Challenge {
  readonly realm?: string | undefined
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
  readonly errorDescription?: string
  readonly scope?: string
}

/** A refusal: status, body, and the optional challenge and `Retry-After` (seconds). */
export interface Refusal {
  readonly status: 400 | 401 | 403 | 503
  readonly body: HttpAuthErrorBody
  readonly challenge?: Challenge
  readonly retryAfterSeconds?: number
}

/** `value` as an RFC 7230 quoted-string. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

// RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`,
// nothing outside printable ASCII), so a message is folded into that set rather than escaped.
function descriptionOf(message: string): string {
  return message
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?')
}

/** The `WWW-Authenticate` value of `challenge`: `Bearer` alone when it has no attributes. */
export function formatChallenge(challenge: Challenge): string {
  const params: string[] = []
  if (challenge.realm !== undefined) params.push(`realm=${quote(challenge.realm)}`)
  if (challenge.error !== undefined) params.push(`error=${quote(challenge.error)}`)
  if (challenge.errorDescription !== undefined)
    params.push(`error_description=${quote(descriptionOf(challenge.errorDescription))}`)
  if (challenge.scope !== undefined) params.push(`scope=${quote(challenge.scope)}`)
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
}

/**
 * Sends `refusal` and ends the response. When another middleware already sent the headers, it
 * only ends the response: the request is refused either way, never passed on.
 */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end()
    return
  }
  const body = JSON.stringify({ error: refusal.body.error, message: refusal.body.message })
  res.statusCode = refusal.status
  // A refusal depends on the credentials sent: no shared cache may replay it to someone else.
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  if (refusal.challenge !== undefined)
    res.setHeader('WWW-Authenticate', formatChallenge(refusal.challenge))
  if (refusal.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(refusal.retryAfterSeconds))
  res.end(body)
}
