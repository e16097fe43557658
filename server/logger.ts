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
  }
  return options.stream === undefined ? pino(settings) : pino(settings, options.stream)
}
