// The server's structured logger (pino). Handlers log `sub`, `code` and socket ids, never a
// token or a whole handshake; the redaction list is a second line of defence if one slips in.
import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.js'

/**
 * Paths pino replaces with `[redacted]`: where a bearer token or a session cookie would sit in an
 * HTTP request, a Socket.IO handshake or an issuer response.
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'token',
  'access_token',
  'auth.token',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'handshake.auth.token',
  'handshake.headers.authorization',
  'handshake.headers.cookie',
  'handshake.query.token',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.access_token',
] as const

/**
 * A JWT (JWS compact form) inside a path segment: a header that starts `ey` (base64url of `{"` or
 * `{ `), then the payload and a signature (empty for `alg: none`), base64url, dot-separated.
 * Requiring the `ey` header keeps file names such as `socket.io.js` as they are.
 */
const JWT_IN_SEGMENT = /ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/

/**
 * A URL path with every segment that holds a JWT replaced by `[redacted]`, so a token a client
 * put in the path (`/api/<token>`) is not logged. A segment is checked percent-decoded too
 * (`%2E` for the dots).
 *
 * @example
 * redactPath('/x/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln/y') // '/x/[redacted]/y'
 */
export function redactPath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      JWT_IN_SEGMENT.test(segment) || JWT_IN_SEGMENT.test(decoded(segment))
        ? '[redacted]'
        : segment,
    )
    .join('/')
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    // Malformed percent-encoding: checked as it is.
    return segment
  }
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The minimum level written. */
  readonly level: LogLevel
  /** Where lines go. @defaultValue stdout */
  readonly stream?: DestinationStream | undefined
}

/**
 * Creates the server's logger.
 *
 * @example
 * const logger = createLogger({ level: 'info' })
 * logger.info({ sub: 'alice', socketId }, 'connected')
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { service: 'sockguard-chat' },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    // Every `path` logged (the request log's, at debug level) loses the tokens it holds.
    serializers: {
      path: (path: unknown) => (typeof path === 'string' ? redactPath(path) : path),
    },
  }
  return options.stream === undefined ? pino(settings) : pino(settings, options.stream)
}
