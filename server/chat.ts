// The chat itself: `message` broadcast, `presence`, and `admin:kick` (a subject revocation).
// Authorization is the library's: `authorizeEvents` with `requireScope`, installed first.
import type { Logger } from 'pino'
import { authorizeEvents, requireScope, type Guard } from '../src/index.js'
import type { ChatAck, ChatClaims, ChatServer, ChatSocket, ClientToServer } from './events.js'
import type { ServerMetrics } from './metrics.js'

/** Longest chat message, in UTF-16 code units after trimming (as an input's `maxlength`). */
export const MAX_MESSAGE_LENGTH = 500
/** Longest `sub` an `admin:kick` may name. */
const MAX_SUB_LENGTH = 256

/** What {@link registerChat} needs. */
export interface ChatDependencies {
  readonly guard: Guard<ChatClaims>
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Clock for `at`, in ms since the epoch. */
  readonly now: () => number
  /** Called first for each connected socket (logs and metrics). */
  readonly onConnection?: (socket: ChatSocket) => void
}

/** An ack callback, only when the client asked for one (anything else it sent is ignored). */
function replyOf(ack: unknown): ((response: ChatAck) => void) | undefined {
  return typeof ack === 'function' ? (ack as (response: ChatAck) => void) : undefined
}

/**
 * Registers the chat's handlers on the default namespace of a guarded server.
 *
 * @example
 * guard.attach(io)
 * registerChat(io, { guard, logger, metrics, now: Date.now })
 */
export function registerChat(io: ChatServer, deps: ChatDependencies): void {
  const { guard, logger, metrics, now } = deps
  const nsp = io.of('/')
  let published = ''

  const users = (): string[] =>
    [...new Set([...nsp.sockets.values()].map((socket) => socket.data.auth.claims.sub))].sort()

  // To everyone when the list changed, else only to the socket that just connected.
  const publishPresence = (joined?: ChatSocket): void => {
    const list = users()
    const key = JSON.stringify(list)
    if (key !== published) {
      published = key
      nsp.emit('presence', { users: list })
    } else joined?.emit('presence', { users: list })
  }

  nsp.on(
    'connection',
    authorizeEvents<ClientToServer, ChatClaims>({
      message: requireScope('chat'),
      'admin:kick': requireScope('admin'),
    }),
  )

  nsp.on('connection', (socket) => {
    // The guard refuses a restored session that was revoked before this listener runs.
    if (!socket.connected) return
    deps.onConnection?.(socket)
    publishPresence(socket)

    socket.on('message', (text, ack) => {
      const reply = replyOf(ack)
      const trimmed = typeof text === 'string' ? text.trim() : ''
      if (trimmed.length === 0 || trimmed.length > MAX_MESSAGE_LENGTH) {
        reply?.({
          ok: false,
          code: 'invalid_message',
          message: `A message is text of 1 to ${MAX_MESSAGE_LENGTH} characters.`,
        })
        return
      }
      const from = socket.data.auth.claims.sub
      nsp.emit('message', { from, text: trimmed, at: now() })
      metrics.message()
      logger.debug({ sub: from, socketId: socket.id, length: trimmed.length }, 'message')
      reply?.({ ok: true })
    })

    socket.on('admin:kick', (target, ack) => {
      const reply = replyOf(ack)
      const sub: unknown =
        typeof target === 'object' && target !== null
          ? (target as { sub?: unknown }).sub
          : undefined
      if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH) {
        reply?.({ ok: false, code: 'invalid_request', message: 'Name the user to kick: { sub }.' })
        return
      }
      const by = socket.data.auth.claims.sub
      guard.revoke({ sub }).then(
        () => {
          metrics.revocation()
          logger.info({ sub, by, socketId: socket.id }, 'user kicked')
          reply?.({ ok: true })
        },
        (error: unknown) => {
          logger.error({ sub, by, err: error }, 'revocation failed')
          reply?.({ ok: false, code: 'internal_error', message: 'The user could not be kicked.' })
        },
      )
    })

    socket.on('disconnect', () => {
      publishPresence()
    })
  })
}
