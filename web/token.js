// @ts-check
// Tokens in the page: asked from the development issuer (POST /auth/token) or pasted from an
// external identity provider, read for display (never verified here: the server does that), and
// deliberately broken by the Developer control.
// Tokens live in memory only: never in the URL, never in localStorage.

/** A refusal with a code, as the server sends it on the wire. */
export class Refusal extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message)
    this.name = 'Refusal'
    this.code = code
  }
}

/**
 * Asks the server's development issuer for a token.
 * @param {string} username
 * @param {string} scope space-separated words from `chat admin`
 * @returns {Promise<string>} the compact JWS
 */
export async function requestToken(username, scope) {
  let response
  try {
    response = await fetch('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, scope }),
      cache: 'no-store',
    })
  } catch {
    throw new Refusal('network', 'The token request did not reach the server.')
  }
  /** @type {{ access_token?: unknown, error?: unknown, message?: unknown } | null} */
  const body = await response.json().catch(() => null)
  if (response.status === 404) throw new Refusal('no_issuer', 'No development issuer.')
  if (!response.ok || typeof body?.access_token !== 'string') {
    const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`
    const message = typeof body?.message === 'string' ? body.message : response.statusText
    throw new Refusal(code, message)
  }
  return body.access_token
}

/**
 * The claims of a compact JWS, unverified: only for showing the name, scope and lifetime. An
 * unreadable token (a bad paste) gives no claims: the server says what is wrong with it.
 * @param {string} token
 * @returns {{ sub?: unknown, scope?: unknown, exp?: unknown, iat?: unknown, rooms?: unknown }}
 */
export function readClaims(token) {
  try {
    const payload = token.split('.')[1] ?? ''
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : {}
  } catch {
    return {}
  }
}

/**
 * A pasted token without the whitespace a copy picks up, and without a `Bearer ` prefix.
 * @param {string} text
 * @returns {string}
 */
export function cleanPastedToken(text) {
  return text.replace(/^\s*bearer\s+/i, '').replace(/\s+/g, '')
}

/**
 * The same token with one signature character changed. A character in the middle is changed,
 * because the last one carries unused bits: changing those would make the token non-canonical
 * (`token_malformed`) instead of forged (`token_invalid`).
 * @param {string} token
 * @returns {string}
 */
export function tamperSignature(token) {
  const cut = token.lastIndexOf('.') + 1
  const at = cut + Math.floor((token.length - cut) / 2)
  const flipped = token[at] === 'A' ? 'B' : 'A'
  return token.slice(0, at) + flipped + token.slice(at + 1)
}
