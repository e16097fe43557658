// The chat itself: messages to rooms (`lobby`, granted `team:<name>` rooms, `admin`) and direct
// messages (`user:<sub>`), `presence`, and `admin:kick` (a subject revocation). Authorization is
// the library's: the guard's room policy ({@link chatRooms}) decides who may be in which room,
// `authorizeEvents` with `requireScope` and `requireMember` who may send what, installed first.
// With several nodes, messages go through the adapter and presence is read from every node.
import type { Logger } from 'pino'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import {
  authorizeEvents,
  isAuthError,
  requireMember,
  requireScope,
  type Guard,
  type RoomsOptions,
} from '../src/index.js'
import type {
  ChatAck,
  ChatClaims,
  ChatServer,
  ChatSocket,
  ClientToServer,
  SocketData,
} from './events.js'
import type { ServerMetrics } from './metrics.js'

/** Longest chat message, in UTF-16 code units after trimming (as an input's `maxlength`). */
export const MAX_MESSAGE_LENGTH = 500
/**
 * Longest `sub` an `admin:kick` may name by default (every kick is kept for the tokens' lifetime,
 * so a long one costs memory): the development issuer's user names are 1-32 characters.
 */
export const DEFAULT_MAX_KICK_SUB_LENGTH = 32
/** Kicks one admin may make per minute on one node, by default. */
export const DEFAULT_KICKS_PER_MINUTE = 30
/** How long presence waits for the other nodes' sockets. */
const PRESENCE_TIMEOUT_MS = 2_000

/** The public room: every socket is put in it when it connects (and may leave and join again). */
export const LOBBY = 'lobby'
/** The room of admins (scope `admin`). */
export const ADMIN_ROOM = 'admin'
/** The room of a user's own sockets, where direct messages to them go. */
export const userRoom = (sub: string): string => `user:${sub}`

/** True when a list of grants (`team:<name>`, `team:*`) names the team room `room`. */
function namesTeamRoom(grants: unknown, room: string): boolean {
  return Array.isArray(grants) && grants.some((grant) => grant === room || grant === 'team:*')
}

/**
 * The chat's room policy, the guard's `rooms` option. `lobby`: every authenticated socket (the
 * server admits no guests). `team:{name}`: only by grant. `user:{sub}`: the user's own only.
 * `admin`: scope `admin`. Any other room is refused, on every path (`unlistedRooms: 'deny'`).
 *
 * Grants: with an external issuer, the token's `rooms` claim (`grantsClaim`: a granted room is
 * allowed, the issuer signed it). With the development issuer, `currentGrants` (its grants as of
 * now) must name the room too: a token issued before an admin narrowed them still names the room,
 * and must not bring it back (the re-check at `POST /auth/grants` removes it at once, refresh or
 * not, and a reconnect with the old token is refused the room).
 */
export function chatRooms(
  currentGrants?: (sub: string) => readonly string[],
): RoomsOptions<ChatClaims> {
  const policy = {
    [LOBBY]: () => true,
    'user:{sub}': (claims: ChatClaims, _room: string, params: Readonly<Record<string, string>>) =>
      claims.sub === params.sub,
    [ADMIN_ROOM]: requireScope('admin'),
  }
  if (currentGrants === undefined)
    return {
      policy: { ...policy, 'team:{name}': () => false },
      grantsClaim: 'rooms',
      unlistedRooms: 'deny',
    }
  return {
    policy: {
      ...policy,
      'team:{name}': (claims, room) =>
        typeof claims.sub === 'string' &&
        namesTeamRoom(claims.rooms, room) &&
        namesTeamRoom(currentGrants(claims.sub), room),
    },
    unlistedRooms: 'deny',
  }
}

/** A room a `post` names: its `room`, when it is a string. */
function roomOf(message: unknown): unknown {
  return typeof message === 'object' && message !== null
    ? (message as { room?: unknown }).room
    : undefined
}

/** The text of a message, trimmed, or undefined when it is not 1-500 characters of text. */
function textOf(text: unknown): string | undefined {
  const trimmed = typeof text === 'string' ? text.trim() : ''
  return trimmed.length === 0 || trimmed.length > MAX_MESSAGE_LENGTH ? undefined : trimmed
}

const INVALID_MESSAGE: ChatAck = {
  ok: false,
  code: 'invalid_message',
  message: `A message is text of 1 to ${MAX_MESSAGE_LENGTH} characters.`,
}

/** What {@link registerChat} needs. */
export interface ChatDependencies {
  readonly guard: Guard<ChatClaims>
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Clock for `at`, in ms since the epoch. */
  readonly now: () => number
  /** Called first for each connected socket (logs and metrics). */
  readonly onConnection?: (socket: ChatSocket) => void
  /**
   * `local`: presence lists this node's sockets. `cluster`: every node's, through the adapter
   * (`fetchSockets()`); a node alone cannot see who is connected elsewhere.
   * @defaultValue 'local'
   */
  readonly presence?: 'local' | 'cluster'
  /**
   * Longest `sub` a kick may name; a longer one is refused `invalid_request`. An external
   * issuer's subjects may be longer than the development issuer's (a UUID is 36).
   * @defaultValue {@link DEFAULT_MAX_KICK_SUB_LENGTH}
   */
  readonly maxKickSubLength?: number
  /**
   * Kicks per admin (`sub`) per minute, in this node's memory; more are refused `rate_limited`
   * with `retryAfterMs`. Each kick is a revocation kept for the tokens' lifetime: unbounded, an
   * admin token (or a stolen one) could fill the store.
   * @defaultValue {@link DEFAULT_KICKS_PER_MINUTE}
   */
  readonly kicksPerMinute?: number
}

/** What {@link registerChat} gives back. */
export interface Chat {
  /** Sends everyone the presence list again (after Redis came back: changes may have been lost). */
  refreshPresence(): void
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
export function registerChat(io: ChatServer, deps: ChatDependencies): Chat {
  const { guard, logger, metrics, now } = deps
  const nsp = io.of('/')
  const publishPresence =
    deps.presence === 'cluster' ? clusterPresence(io, logger) : localPresence(io)
  const maxSubLength = deps.maxKickSubLength ?? DEFAULT_MAX_KICK_SUB_LENGTH
  const kickPoints = deps.kicksPerMinute ?? DEFAULT_KICKS_PER_MINUTE
  const kicks = new RateLimiterMemory({
    points: kickPoints,
    duration: 60,
    keyPrefix: 'admin-kick',
  })

  // First the scopes, then (a second middleware, run only for what the first let through) the
  // membership: a socket publishes only to a room it is in, so a guessed room name gets nowhere.
  nsp.on(
    'connection',
    authorizeEvents<ClientToServer, ChatClaims>({
      message: requireScope('chat'),
      post: requireScope('chat'),
      dm: requireScope('chat'),
      'admin:kick': requireScope('admin'),
    }),
  )
  nsp.on(
    'connection',
    authorizeEvents<ClientToServer, ChatClaims>({
      message: requireMember(() => LOBBY),
      post: requireMember(roomOf),
    }),
  )

  nsp.on('connection', (socket) => {
    // The guard refuses a restored session that was revoked before this listener runs.
    if (!socket.connected) return
    deps.onConnection?.(socket)
    // Through the guard's room policy, as every join: allowed for every user, and their own room.
    void socket.join([LOBBY, userRoom(socket.data.auth.claims.sub)])
    publishPresence(socket)

    const send = (room: string, text: string, to?: string): void => {
      const from = socket.data.auth.claims.sub
      const message = { room, from, ...(to === undefined ? {} : { to }), text, at: now() }
      // A direct message goes to the recipient's sockets and, as a copy, to the sender's.
      nsp.to(to === undefined ? room : [room, userRoom(from)]).emit('message', message)
      metrics.message()
      logger.debug({ sub: from, socketId: socket.id, room, length: text.length }, 'message')
    }

    socket.on('message', (text, ack) => {
      const reply = replyOf(ack)
      const trimmed = textOf(text)
      if (trimmed === undefined) {
        reply?.(INVALID_MESSAGE)
        return
      }
      send(LOBBY, trimmed)
      reply?.({ ok: true })
    })

    socket.on('post', (message, ack) => {
      const reply = replyOf(ack)
      // requireMember let it through: `room` is a room this socket is in.
      const room = roomOf(message)
      const trimmed =
        typeof room === 'string' ? textOf((message as { text?: unknown }).text) : undefined
      if (typeof room !== 'string' || trimmed === undefined) {
        reply?.(INVALID_MESSAGE)
        return
      }
      send(room, trimmed)
      reply?.({ ok: true })
    })

    socket.on('dm', (message, ack) => {
      const reply = replyOf(ack)
      const to: unknown =
        typeof message === 'object' && message !== null
          ? (message as { to?: unknown }).to
          : undefined
      // A name with ':' would name another kind of room; no user room has one.
      if (typeof to !== 'string' || to === '' || to.length > maxSubLength || to.includes(':')) {
        reply?.({
          ok: false,
          code: 'invalid_request',
          message: `Name the recipient: { to } of 1 to ${maxSubLength} characters, no ':'.`,
        })
        return
      }
      const trimmed = textOf((message as { text?: unknown }).text)
      if (trimmed === undefined) {
        reply?.(INVALID_MESSAGE)
        return
      }
      send(userRoom(to), trimmed, to)
      reply?.({ ok: true })
    })

    socket.on('admin:kick', (target, ack) => {
      const reply = replyOf(ack)
      const sub: unknown =
        typeof target === 'object' && target !== null
          ? (target as { sub?: unknown }).sub
          : undefined
      if (typeof sub !== 'string' || sub === '' || sub.length > maxSubLength) {
        reply?.({
          ok: false,
          code: 'invalid_request',
          message: `Name the user to kick: { sub } of 1 to ${maxSubLength} characters.`,
        })
        return
      }
      const by = socket.data.auth.claims.sub
      const revoke = (): void => {
        guard.revoke({ sub }).then(
          () => {
            metrics.revocation()
            logger.info({ sub, by, socketId: socket.id }, 'user kicked')
            reply?.({ ok: true })
          },
          (error: unknown) => {
            logger.error({ sub, by, err: error }, 'revocation failed')
            // The guard ended the user's sockets on this node first; only the store write failed.
            reply?.(
              isAuthError(error) && error.code === 'store_unavailable'
                ? {
                    ok: false,
                    code: 'store_unavailable',
                    message:
                      'The user was disconnected from this node, but the kick could not be stored ' +
                      'for the others; try again.',
                  }
                : { ok: false, code: 'internal_error', message: 'The user could not be kicked.' },
            )
          },
        )
      }
      // Only well-formed kicks are counted: a refused one stores nothing. Keyed by the admin, not
      // the socket: opening more sockets gives no more kicks.
      kicks.consume(by).then(revoke, (refusal: unknown) => {
        const retryAfterMs =
          refusal instanceof RateLimiterRes ? Math.max(1, refusal.msBeforeNext) : 60_000
        // Once per window, not once per refused kick: a flood must not become a log flood.
        if (refusal instanceof RateLimiterRes && refusal.consumedPoints === kickPoints + 1)
          logger.warn({ by, socketId: socket.id, retryAfterMs }, 'kicks rate limited')
        reply?.({
          ok: false,
          code: 'rate_limited',
          message: 'Too many kicks; try again later.',
          retryAfterMs,
        })
      })
    })

    socket.on('disconnect', () => {
      publishPresence()
    })
  })

  return {
    refreshPresence() {
      publishPresence()
    },
  }
}

/** Publishes presence, or sends it to a socket that just connected. */
type PublishPresence = (joined?: ChatSocket) => void

const distinctSorted = (subs: Iterable<unknown>): string[] =>
  [...new Set([...subs].filter((sub): sub is string => typeof sub === 'string'))].sort()

/** One node: the list, to everyone when it changed, else only to the socket that just connected. */
function localPresence(io: ChatServer): PublishPresence {
  const nsp = io.of('/')
  let published = ''
  return (joined) => {
    const list = distinctSorted([...nsp.sockets.values()].map((s) => s.data.auth.claims.sub))
    const key = JSON.stringify(list)
    if (key !== published) {
      published = key
      nsp.emit('presence', { users: list })
    } else joined?.emit('presence', { users: list })
  }
}

/**
 * Several nodes: the list of every node's sockets, to everyone at each change. No "unchanged"
 * shortcut: a node cannot know what another node last sent. One read at a time per node; changes
 * made during a read are coalesced into the next one.
 */
function clusterPresence(io: ChatServer, logger: Logger): PublishPresence {
  const nsp = io.of('/')
  let running = false
  let again = false
  // A call, so that the check after an `await` is not narrowed away by the assignment before it.
  const changedMeanwhile = (): boolean => again

  const run = async (): Promise<void> => {
    do {
      again = false
      try {
        const sockets = await nsp.timeout(PRESENCE_TIMEOUT_MS).fetchSockets()
        nsp.emit('presence', {
          // Another node's data, as it sent it.
          users: distinctSorted(
            sockets.map((s) => (s.data as Partial<SocketData>).auth?.claims.sub),
          ),
        })
      } catch (error) {
        // Redis away or a node not answering: no list beats a wrong one. The next change, or
        // Redis coming back, publishes it again.
        logger.debug({ error: String(error) }, 'presence not published')
      }
    } while (changedMeanwhile())
  }

  // A socket that just connected is in the next list sent to everyone.
  return () => {
    if (running) {
      again = true
      return
    }
    running = true
    void run().finally(() => {
      running = false
    })
  }
}
