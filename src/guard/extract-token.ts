// Finds the token in a Socket.IO handshake, in the configured order, and removes it afterwards
// so it does not travel on (fetchSockets() ships handshakes through cluster adapters).
import { parse as parseCookie } from 'cookie'
import { AuthError } from '../errors.js'

/** Where a handshake token may come from. */
export type TokenSource = 'auth' | 'header' | 'cookie' | 'query'

/** The parts of a Socket.IO handshake the guard reads. */
export interface HandshakeLike {
  auth: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
  query: Record<string, unknown>
  /** The request URL, query string included. */
  url?: string
}

/** Normalised extraction settings. */
export interface ExtractOptions {
  readonly tokenFrom: readonly TokenSource[]
  readonly cookieName: string
  /** Lower-case origins allowed to authenticate with a cookie. */
  readonly allowedOrigins: ReadonlySet<string>
}

/** A token and where it came from. */
export interface FoundToken {
  readonly token: string
  readonly source: TokenSource
}

// RFC 6750 §2.1: the scheme, case-insensitive, then one or more spaces. The Bearer pattern of
// src/: the HTTP middleware and the compat layer read the prefix through `bearerToken` too.
const BEARER = /^Bearer +/i

/**
 * What follows `Bearer ` in `value` (an Authorization header, or an `auth.token` sent with the
 * prefix), or `undefined` when `value` does not start with the Bearer scheme and a space.
 */
export function bearerToken(value: string): string | undefined {
  const prefix = BEARER.exec(value)
  return prefix === null ? undefined : value.slice(prefix[0].length)
}

/**
 * True when the handshake may authenticate with the cookie. Under an `Origin`, only an allowed
 * one. Without one: a same-origin polling GET (browsers send no `Origin` there) or a client that
 * is no browser, but not Engine.IO's JSONP polling (`j` in the query: a `<script>` on another
 * page of the same site reads the session id from its answer, then posts the CONNECT from a
 * form), nor a request its browser marks as not same-origin (`Sec-Fetch-Site`) or as one whose
 * answer the page cannot read anyway (`Sec-Fetch-Mode: no-cors`, `navigate`).
 */
function cookieUsable(handshake: HandshakeLike, options: ExtractOptions): boolean {
  const { origin } = handshake.headers
  if (origin !== undefined)
    return typeof origin === 'string' && options.allowedOrigins.has(origin.toLowerCase())
  if (handshake.query.j !== undefined) return false
  const site = handshake.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const mode = handshake.headers['sec-fetch-mode']
  return mode !== 'no-cors' && mode !== 'navigate'
}

function notString(where: string): AuthError {
  return new AuthError('token_malformed', `The token in ${where} must be a string.`)
}

/** The value of cookie `name` in a Cookie header, or `undefined`. */
function readCookie(header: string, name: string): string | undefined {
  const cookies = parseCookie(header)
  // `parse` returns a plain object: a cookie name such as `constructor` would otherwise read
  // Object.prototype's member when the header lacks the cookie.
  return Object.hasOwn(cookies, name) ? cookies[name] : undefined
}

function fromSource(
  handshake: HandshakeLike,
  source: TokenSource,
  options: ExtractOptions,
): string | undefined {
  switch (source) {
    case 'auth': {
      const value = handshake.auth.token
      if (value === undefined || value === null) return undefined
      if (typeof value !== 'string') throw notString('auth.token')
      return bearerToken(value) ?? value
    }
    case 'header': {
      const value = handshake.headers.authorization
      if (value === undefined) return undefined
      if (typeof value !== 'string') throw notString('the Authorization header')
      return bearerToken(value)
    }
    case 'cookie': {
      const header = handshake.headers.cookie
      if (typeof header !== 'string') return undefined
      // Cross-site WebSocket hijacking: a page on another origin can open a socket that carries
      // the user's cookie (see cookieUsable).
      if (!cookieUsable(handshake, options)) return undefined
      return readCookie(header, options.cookieName)
    }
    case 'query': {
      const value = handshake.query.token
      if (value === undefined) return undefined
      if (typeof value !== 'string') throw notString('the token query parameter')
      return value
    }
  }
}

/**
 * The first token found in `options.tokenFrom` order.
 * @throws {AuthError} `token_missing` when none is there, `token_malformed` when one is not a string.
 */
export function extractToken(handshake: HandshakeLike, options: ExtractOptions): FoundToken {
  for (const source of options.tokenFrom) {
    const token = fromSource(handshake, source, options)
    if (token !== undefined && token !== '') return { token, source }
  }
  throw new AuthError('token_missing', 'No token was sent.')
}

/**
 * True when the handshake carries anything in a token's place (an empty `auth.token`, an
 * Authorization header of another scheme, a `token` query parameter, the cookie), even if
 * {@link extractToken} found no token in it: such a socket is refused, never let in as a guest.
 * A cookie a foreign page's socket carries is ignored (cross-site WebSocket hijacking), as
 * {@link extractToken} ignores it.
 */
export function credentialSent(handshake: HandshakeLike, options: ExtractOptions): boolean {
  return options.tokenFrom.some((source) => {
    switch (source) {
      case 'auth':
        return handshake.auth.token !== undefined && handshake.auth.token !== null
      case 'header':
        return handshake.headers.authorization !== undefined
      case 'query':
        return handshake.query.token !== undefined
      case 'cookie': {
        const header = handshake.headers.cookie
        if (typeof header !== 'string' || !cookieUsable(handshake, options)) return false
        return readCookie(header, options.cookieName) !== undefined
      }
    }
  })
}

/** `url` without its `token` query parameter(s), other parameters untouched. */
function withoutQueryToken(url: string): string {
  const start = url.indexOf('?')
  if (start === -1) return url
  const kept = url
    .slice(start + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=')
      const name = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' ')
      try {
        return decodeURIComponent(name) !== 'token'
      } catch {
        return name !== 'token'
      }
    })
  return kept.length === 0 ? url.slice(0, start) : `${url.slice(0, start)}?${kept.join('&')}`
}

/**
 * Removes the token from the handshake once it has been read (or refused). Socket.IO hands every
 * socket of one connection the same `headers` and `query` objects (those of the engine's HTTP
 * request), so they are replaced by copies rather than changed: another namespace multiplexed on
 * the connection still finds its token. `url` repeats the query string, so it is rewritten too.
 */
export function stripToken(handshake: HandshakeLike, options: ExtractOptions): void {
  for (const source of options.tokenFrom) {
    if (source === 'auth') {
      // A copy without the token, rather than `delete`, which turns the object into a slower,
      // larger dictionary that every socket keeps.
      const { token, ...rest } = handshake.auth
      handshake.auth = rest
    } else if (
      source === 'header' &&
      bearerToken(String(handshake.headers.authorization)) !== undefined
    ) {
      const headers = { ...handshake.headers }
      delete headers.authorization
      handshake.headers = headers
    } else if (source === 'query') {
      if (handshake.query.token !== undefined) {
        const query = { ...handshake.query }
        delete query.token
        handshake.query = query
      }
      if (typeof handshake.url === 'string') handshake.url = withoutQueryToken(handshake.url)
    } else if (source === 'cookie' && typeof handshake.headers.cookie === 'string') {
      const { cookie, ...headers } = handshake.headers
      const rest = cookie
        .split(';')
        .filter((part) => part.slice(0, part.indexOf('=')).trim() !== options.cookieName)
        .join(';')
      handshake.headers = rest.trim() === '' ? headers : { ...headers, cookie: rest }
    }
  }
}
