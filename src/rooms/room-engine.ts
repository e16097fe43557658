// The room authorization engine of one guard: every join of a namespace's sockets passes through
// `adapter.addAll` (socket-io-private.ts, interceptJoins), where a guarded room is joined only once
// its rules allowed it with the socket's current claims; the client's `room:join` / `room:leave`;
// and the re-check that keeps memberships true after a refresh or `guard.recheck`.
import { AuthError } from '../errors.js'
import type { AnyNamespace, AnySocket } from '../internal/any-socket-io.js'
import { isThenable } from '../internal/is-thenable.js'
import { interceptJoins, type RoomBookkeeping } from '../internal/socket-io-private.js'
import { within } from '../internal/within.js'
import type { JwtClaims } from '../verifier/types.js'
import type { NormalizedRooms } from './normalize-rooms.js'
import { isGranted } from './patterns.js'
import type { RoomAck, RoomRemoved, RoomRule } from './types.js'

/** Where a join comes from: the client's `room:join`, the server, or a re-check of a member. */
type Source = 'client' | 'server' | 'recheck'

/** What the engine needs from its guard. */
export interface RoomEngineOptions {
  readonly rooms: NormalizedRooms
  readonly now: () => number
  /**
   * The socket's current `socket.data.auth` (its identity changes with each refresh), `null` for
   * a guest, undefined before it authenticated.
   */
  readonly authOf: (socket: AnySocket) => { readonly claims: JwtClaims } | null | undefined
  /** Reports a refusal (onFailure hook). */
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** How long an async rule may take before it counts as a failure (a denial). */
  readonly hookTimeoutMs: number
  /**
   * Called each time a socket enters a room through the engine or leaves one (recovery replays
   * nothing sent before: the packet may have gone to, or excluded, a room it was not yet, or
   * still, in).
   */
  readonly onRoomsChanged?: (socket: AnySocket) => void
}

/** The room authorization of one guard. */
export interface RoomEngine {
  /** Intercepts the joins of a namespace's adapter (once per adapter). */
  guard(nsp: AnyNamespace): void
  /** Joins, checked, the rooms held back for a socket before it authenticated (recovery). */
  restore(socket: AnySocket): void
  /**
   * Hands over (and forgets) the rooms held back for a socket before it connected, for a flow
   * that holds the socket's joins itself (the post-connect quarantine).
   */
  takeHeld(socket: AnySocket): string[]
  /**
   * The rooms of a session about to be restored by connection-state recovery, checked with the
   * claims it keeps: those still allowed, and whether any was refused (its missed packets, which
   * may have been sent to that room, must then not be replayed).
   */
  allowedRooms(
    rooms: readonly string[],
    sid: string,
    claims: JwtClaims | undefined,
  ): Promise<{ rooms: string[]; refused: boolean }>
  /** Answers the socket's `room:join` and `room:leave`. */
  listen(socket: AnySocket): void
  /** Re-checks every room the socket is in with its current claims; resolves when settled. */
  recheck(socket: AnySocket): Promise<void>
}

const JOIN_EVENT = 'room:join'
const LEAVE_EVENT = 'room:leave'
const REMOVED_EVENT = 'room:removed'
/** The longest room name a client may ask for, in UTF-16 code units. */
export const MAX_ROOM_NAME = 1024
// Rooms held for a socket not yet connected are forgotten after this (a refused handshake).
const HELD_TTL_MS = 60_000

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze(
  Object.create(null) as Record<string, string>,
)
const DENIED = 'You are not allowed in that room.'
const FULL = 'Too many rooms.'
const BAD = 'A room name is a non-empty string of at most 1024 characters.'
const REMOVED = 'Your access to this room was withdrawn.'
const NOT_YOURS = 'That room is not yours to leave.'

// The shape of a Socket.IO socket id (`base64id`: 15 random bytes, base64 with `-` and `_`). Such
// a room is a socket's private channel (`io.to(id)`), and its session keeps the id across
// connection-state recovery and may live on another node, where this node cannot see it: no
// socket joins one by any path (a pattern such as `{topic}` or `*`, a grant, an app handler that
// joins what it is asked). A socket's own id is let through before this is asked.
const SOCKET_ID = /^[A-Za-z0-9_-]{20}$/

/**
 * True for a name that is, or may be, another socket's id. Besides the shape above: with
 * `allowEIO3`, a v2 client's socket is `<namespace>#<engine id>` outside the main namespace (a
 * name no app room has: a namespace path, then `#`), and the engine id itself in the main one,
 * whose shape is the app's when it sets `io.engine.generateId`: those are known on their own node
 * (the adapter's socket ids).
 */
function isSocketId(room: string, socket: AnySocket | undefined): boolean {
  if (SOCKET_ID.test(room)) return true
  if (room.startsWith('/') && room.includes('#')) return true
  const sids = (socket?.nsp.adapter as { sids?: unknown } | undefined)?.sids
  return sids instanceof Map && sids.has(room)
}

function forbidden(room: string, message = DENIED): AuthError {
  return new AuthError('forbidden', message, { room })
}

/** Makes the room engine of one guard. */
export function createRoomEngine(options: RoomEngineOptions): RoomEngine {
  const { rooms: config, now, authOf, reportFailure, hookTimeoutMs, onRoomsChanged } = options
  const { literal, patterns, grantsClaim, unlistedRooms, maxRoomsPerSocket } = config
  const bookkeepingOf = new WeakMap<object, RoomBookkeeping>()
  // Joins waiting for an async rule: socket -> room -> ticket. A leave or a newer check of the
  // room takes its ticket away; only the holder of the current ticket may join.
  const pending = new WeakMap<AnySocket, Map<string, number>>()
  // The sockets of each namespace that may have a join waiting for an async rule (a first join,
  // or a room held out while a re-check asks again), pruned when found with none, or gone: a
  // room-wide operation looks at those, not at every socket of the namespace.
  const waitingIn = new WeakMap<AnyNamespace, Set<AnySocket>>()
  // Bumped by every re-check of a socket: an async verdict asked before it is asked again (the
  // permissions it was asked under may have changed, even with the same token).
  const generations = new WeakMap<AnySocket, number>()
  const generationOf = (socket: AnySocket): number => generations.get(socket) ?? 0
  let tickets = 0
  // Rooms a socket holds only because its grants claim named them (no pattern matched): a
  // re-check must find them granted again, as they are not the app's unlisted rooms.
  const grantedOnly = new WeakMap<AnySocket, Set<string>>()
  // Unlisted rooms a socket was let into (server-side joins under `unlistedRooms: 'allow'`).
  const unlistedOf = new WeakMap<AnySocket, Set<string>>()
  // Rooms of sockets not yet connected (connection-state recovery joins them in the Socket
  // constructor, before the middlewares): by namespace and id, with when they were held.
  const held = new WeakMap<AnyNamespace, Map<string, { rooms: Set<string>; at: number }>>()

  const report = (socket: AnySocket, error: AuthError): void => {
    reportFailure(error, socket)
  }

  /** Runs one rule; a throw or rejection is a denial reported as `server_error`. */
  const runRule = (
    socket: AnySocket | undefined,
    rule: RoomRule,
    claims: JwtClaims | null,
    room: string,
    params: Readonly<Record<string, string>>,
  ): boolean | Promise<boolean> => {
    const failed = (cause: unknown): false => {
      if (socket !== undefined)
        report(socket, new AuthError('server_error', 'A room rule failed.', { cause, room }))
      return false
    }
    let verdict: unknown
    try {
      verdict = rule(claims as JwtClaims, room, params)
    } catch (error) {
      return failed(error)
    }
    // Bounded: a rule whose database never answers must not hold a join (or a re-check) open.
    if (isThenable(verdict))
      return within(verdict, hookTimeoutMs, () => {
        throw new Error('A room rule did not settle within hookTimeoutMs.')
      }).then((allowed) => allowed === true, failed)
    return verdict === true
  }

  /** The grants claim's value in `claims` (an own member only), or undefined. */
  const grantsOf = (claims: JwtClaims | null | undefined): unknown =>
    grantsClaim !== undefined && claims !== undefined && claims !== null
      ? Object.hasOwn(claims, grantsClaim)
        ? claims[grantsClaim]
        : undefined
      : undefined

  /**
   * Whether `claims` (undefined: not authenticated; null: a guest) allow `room`: sync when every
   * rule answers sync. With a socket, a room admitted by grant alone is noted (`grantedOnly`) and
   * a failing rule reported.
   */
  const decideFor = (
    claims: JwtClaims | null | undefined,
    room: string,
    source: Source,
    socket?: AnySocket,
  ): boolean | Promise<boolean> => {
    // Socket.IO joins any value; patterns and grants name strings, so anything else (a number, a
    // missing field an app handler joined) is the app's own unlisted room, as without the guard.
    if (typeof room !== 'string') return source !== 'client' && unlistedRooms === 'allow'
    // On every path, not only `room:join`: an app handler may join what it is sent (up to
    // Socket.IO's 1 MB message limit), and matching patterns costs time in the name's length.
    if (room.length > MAX_ROOM_NAME) return false
    const grants = grantsOf(claims)
    // Another socket's id (or a name shaped like one): never, by any path.
    if (isSocketId(room, socket)) return false
    const exact = literal.get(room)
    const matched: { rule: RoomRule; params: Readonly<Record<string, string>> }[] = []
    if (exact !== undefined) matched.push({ rule: exact, params: NO_PARAMS })
    for (const { pattern, rule } of patterns) {
      const params = pattern.match(room)
      if (params !== undefined) matched.push({ rule, params })
    }
    if (grants !== undefined && isGranted(grants, room)) {
      if (matched.length === 0 && socket !== undefined) {
        let set = grantedOnly.get(socket)
        if (set === undefined) grantedOnly.set(socket, (set = new Set()))
        set.add(room)
      }
      return true
    }
    if (matched.length === 0) {
      // Unlisted: the app's own rooms, never the client's to pick; one a grant let in before
      // (and no longer names) is no unlisted room.
      if (source === 'client') return false
      if (
        source === 'recheck' &&
        socket !== undefined &&
        grantedOnly.get(socket)?.has(room) === true
      )
        return false
      if (unlistedRooms !== 'allow') return false
      // Remembered, so that a re-check does not match it against every pattern again.
      if (socket !== undefined) {
        let set = unlistedOf.get(socket)
        if (set === undefined) unlistedOf.set(socket, (set = new Set()))
        set.add(room)
      }
      return true
    }
    // Not authenticated yet: no rule is asked (a guest's claims are `null`, and rules are asked).
    if (claims === undefined) return false
    // Every pattern the room matches must allow it.
    const waits: Promise<boolean>[] = []
    for (const { rule, params } of matched) {
      const verdict = runRule(socket, rule, claims, room, params)
      if (verdict === false) return false
      if (verdict !== true) waits.push(verdict)
    }
    if (waits.length === 0) return true
    return Promise.all(waits).then((all) => all.every(Boolean))
  }

  const decide = (socket: AnySocket, room: string, source: Source): boolean | Promise<boolean> => {
    const auth = authOf(socket)
    return decideFor(
      auth === undefined ? undefined : auth === null ? null : auth.claims,
      room,
      source,
      socket,
    )
  }

  /** Puts the socket in a room it was allowed in. */
  const enter = (socket: AnySocket, room: string, book: RoomBookkeeping): void => {
    book.add(socket.id, new Set([room]))
    onRoomsChanged?.(socket)
  }

  const take = (socket: AnySocket, room: string): number => {
    let map = pending.get(socket)
    if (map === undefined) pending.set(socket, (map = new Map<string, number>()))
    // Room-wide operations must reach it while it waits (coverHeldOut).
    let sockets = waitingIn.get(socket.nsp)
    if (sockets === undefined) waitingIn.set(socket.nsp, (sockets = new Set()))
    sockets.add(socket)
    const ticket = ++tickets
    map.set(room, ticket)
    return ticket
  }
  const settle = (socket: AnySocket, room: string, ticket: number): boolean => {
    const map = pending.get(socket)
    if (map?.get(room) !== ticket) return false
    map.delete(room)
    return true
  }
  const pendingCount = (socket: AnySocket): number => pending.get(socket)?.size ?? 0
  // A client's joins waiting for an async rule, by socket and room.
  const clientJoins = new WeakMap<AnySocket, Map<string, Promise<boolean>>>()

  /**
   * Joins `room` once allowed; true/false at once when the rules answer sync, else a promise. An
   * async verdict applies only if the socket is still connected, still holds the same token, and
   * no leave (or newer check) of the room came meanwhile; a changed token is asked again.
   */
  const admit = (
    socket: AnySocket,
    room: string,
    source: Source,
    book: RoomBookkeeping,
  ): boolean | Promise<boolean> => {
    const auth = authOf(socket)
    const generation = generationOf(socket)
    const verdict = decide(socket, room, source)
    if (verdict === true) {
      enter(socket, room, book)
      return true
    }
    if (verdict === false) return false
    const ticket = take(socket, room)
    return verdict.then((allowed) => {
      if (!settle(socket, room, ticket) || !socket.connected) return false
      // A newer token, or a re-check meanwhile (`guard.recheck`: the app's permissions changed):
      // the rules are asked again, now.
      if (authOf(socket) !== auth || generationOf(socket) !== generation)
        return admit(socket, room, source, book)
      if (allowed) enter(socket, room, book)
      return allowed
    })
  }

  const deniedServerJoin = (socket: AnySocket, room: string): void => {
    report(socket, forbidden(room))
  }

  const holdFor = (nsp: AnyNamespace, id: string, rooms: ReadonlySet<string>): void => {
    let map = held.get(nsp)
    if (map === undefined)
      held.set(nsp, (map = new Map<string, { rooms: Set<string>; at: number }>()))
    const at = now()
    // Oldest first (insertion order): forget those whose socket never connected.
    for (const [key, entry] of map) {
      if (at - entry.at < HELD_TTL_MS) break
      map.delete(key)
    }
    const others = [...rooms].filter((room) => room !== id)
    if (others.length === 0) return
    const entry = map.get(id) ?? { rooms: new Set<string>(), at }
    for (const room of others) entry.rooms.add(room)
    map.set(id, entry)
  }

  const joinChecked = (
    nsp: AnyNamespace,
    book: RoomBookkeeping,
    id: string,
    rooms: ReadonlySet<string>,
  ): void | Promise<void> => {
    const socket = nsp.sockets.get(id) as AnySocket | undefined
    if (socket === undefined) {
      // Not connected yet (a recovered session's rooms, a middleware's join): only its own room
      // now, the others once it has authenticated (restore).
      if (rooms.has(id)) book.add(id, new Set([id]))
      holdFor(nsp, id, rooms)
      return
    }
    const waits: Promise<unknown>[] = []
    for (const room of rooms) {
      if (room === id) {
        book.add(id, new Set([id]))
        continue
      }
      const outcome = admit(socket, room, 'server', book)
      if (outcome === false) deniedServerJoin(socket, room)
      else if (outcome !== true)
        waits.push(
          outcome.then((allowed) => {
            if (!allowed && socket.connected) deniedServerJoin(socket, room)
          }),
        )
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined)
  }

  const bookOf = (socket: AnySocket): RoomBookkeeping | undefined =>
    bookkeepingOf.get(socket.nsp.adapter)

  // Shared by every socket (the emitter calls them with the socket as `this`).
  function onJoin(this: AnySocket, payload: unknown, ack?: unknown): void {
    answer(this, JOIN_EVENT, payload, ack, (socket, room) => {
      if (socket.rooms.has(room)) return true
      // Its own room and those of others' ids are never a client's to pick.
      if (room === socket.id) return true
      // The same room asked again while its rule runs: the same answer (a second check would
      // take the first one's ticket and refuse it).
      const asking = clientJoins.get(socket)?.get(room)
      if (asking !== undefined) return asking
      if (socket.rooms.size - 1 + pendingCount(socket) >= maxRoomsPerSocket) return FULL
      const book = bookOf(socket)
      if (book === undefined) return false
      const result = admit(socket, room, 'client', book)
      if (typeof result === 'boolean') return result
      let joins = clientJoins.get(socket)
      if (joins === undefined)
        clientJoins.set(socket, (joins = new Map<string, Promise<boolean>>()))
      joins.set(room, result)
      const done = (): void => {
        if (joins.get(room) === result) joins.delete(room)
      }
      result.then(done, done)
      return result
    })
  }
  /**
   * True when `room` is one the policy speaks of for this socket: a literal or a pattern of the
   * policy, or named by its grants. Any other room is the app's own (unlisted).
   */
  const isListed = (socket: AnySocket, room: string): boolean => {
    if (literal.has(room) || patterns.some(({ pattern }) => pattern.match(room) !== undefined))
      return true
    const grants = grantsOf(authOf(socket)?.claims)
    return grants !== undefined && isGranted(grants, room)
  }

  function onLeave(this: AnySocket, payload: unknown, ack?: unknown): void {
    answer(this, LEAVE_EVENT, payload, ack, (socket, room) => {
      if (room === socket.id) return true
      // An unlisted room is the app's (a `muted` room it excludes with): never the client's to
      // leave, as it is never the client's to join.
      if (socket.rooms.has(room) && !isListed(socket, room)) return NOT_YOURS
      // Also when not (yet) in it: a join waiting for its rule, or a room held out during a
      // re-check, is then not given.
      void socket.leave(room)
      return true
    })
  }

  const answer = (
    socket: AnySocket,
    event: string,
    payload: unknown,
    ack: unknown,
    act: (socket: AnySocket, room: string) => boolean | string | Promise<boolean>,
  ): void => {
    const reply = (result: boolean | string): void => {
      const response: RoomAck =
        result === true
          ? { ok: true }
          : { ok: false, code: 'forbidden', message: result === false ? DENIED : result }
      // Every refused room reaches onFailure (guessing room names must leave a trace in the
      // logs); a join's only (a refused leave took nothing), and not a payload that names no room.
      if (!response.ok && event === JOIN_EVENT && result !== BAD && typeof room === 'string')
        report(socket, forbidden(room, response.message))
      if (typeof ack === 'function') (ack as (response: RoomAck) => void)(response)
      else if (!response.ok)
        // The shape authorizeEvents sends: `{ event, code, message }`.
        socket.emit('forbidden', { event, code: response.code, message: response.message })
    }
    const room: unknown =
      typeof payload === 'object' && payload !== null && !Array.isArray(payload)
        ? Object.hasOwn(payload, 'room')
          ? (payload as { room?: unknown }).room
          : undefined
        : undefined
    if (typeof room !== 'string' || room === '' || room.length > MAX_ROOM_NAME) {
      reply(BAD)
      return
    }
    let result: boolean | string | Promise<boolean>
    try {
      result = act(socket, room)
    } catch {
      result = false
    }
    if (typeof result === 'boolean' || typeof result === 'string') reply(result)
    else
      result.then(reply, () => {
        reply(false)
      })
  }

  // Re-checks in flight: the rooms taken out while their async rule runs, so that a newer
  // re-check still knows them.
  const paused = new WeakMap<AnySocket, Set<string>>()

  /**
   * The sockets of `nsp` held out of one of `opts.rooms` by an async re-check, that a room-wide
   * operation with these options would have reached as members (`except` honoured).
   */
  const heldOutFor = (nsp: AnyNamespace, opts: unknown): AnySocket[] => {
    const { rooms, except } = (opts ?? {}) as { rooms?: unknown; except?: unknown }
    if (!(rooms instanceof Set) || rooms.size === 0) return []
    const found: AnySocket[] = []
    const candidates = waitingIn.get(nsp)
    if (candidates === undefined || candidates.size === 0) return []
    for (const socket of candidates) {
      // Rooms held out by a re-check, and rooms whose join waits for its rule.
      const out = new Set([...(paused.get(socket) ?? []), ...(pending.get(socket)?.keys() ?? [])])
      if (out.size === 0 || !socket.connected) {
        // Nothing waiting any more (added again at its next wait), or gone.
        candidates.delete(socket)
        continue
      }
      if (![...out].some((room) => rooms.has(room))) continue
      if (except instanceof Set && [...socket.rooms, ...out].some((room) => except.has(room)))
        continue
      found.push(socket)
    }
    return found
  }

  /**
   * Room-wide operations of this node (`io.in(room).socketsJoin/socketsLeave/disconnectSockets/
   * fetchSockets`) reach a socket held out of the room while its rule is re-asked, as a member:
   * otherwise a kick or a room reset would miss it, and the re-check give the room back after.
   * (The same operations arriving from another node call the adapter's base methods: rooms.md.)
   */
  const coverHeldOut = (nsp: AnyNamespace): void => {
    const adapter = nsp.adapter as unknown as Record<string, unknown>
    const around = (name: string, after: (held: AnySocket[], args: unknown[]) => void): void => {
      const original = adapter[name]
      if (typeof original !== 'function') return
      adapter[name] = function (this: unknown, ...args: unknown[]): unknown {
        const held = heldOutFor(nsp, args[0])
        const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args)
        if (held.length > 0) after(held, args)
        return result
      }
    }
    around('addSockets', (held, [, rooms]) => {
      for (const socket of held) void socket.join(rooms as string[])
    })
    around('delSockets', (held, [, rooms]) => {
      for (const socket of held)
        for (const room of rooms as string[]) {
          // A held-out room is left by not being given back (its re-check's ticket goes, as
          // with a leave); any other, at once.
          if (paused.get(socket)?.delete(room) === true) pending.get(socket)?.delete(room)
          else void socket.leave(room)
        }
    })
    around('disconnectSockets', (held, [, close]) => {
      for (const socket of held) socket.disconnect(close === true)
    })
    const fetch = adapter.fetchSockets
    if (typeof fetch === 'function')
      adapter.fetchSockets = function (this: unknown, opts: unknown): Promise<unknown[]> {
        const held = heldOutFor(nsp, opts)
        return Promise.resolve(
          (fetch as (opts: unknown) => Promise<unknown[]>).call(this, opts),
        ).then((found) => [...found, ...held.filter((socket) => !found.includes(socket))])
      }
  }

  const remove = (socket: AnySocket, room: string): void => {
    const payload: RoomRemoved = { room, code: 'forbidden', message: REMOVED }
    socket.emit(REMOVED_EVENT, payload)
    report(socket, forbidden(room, REMOVED))
  }

  return {
    guard(nsp) {
      const { adapter } = nsp
      if (bookkeepingOf.has(adapter)) return
      let book: RoomBookkeeping | undefined = undefined
      book = interceptJoins(adapter, {
        addAll: (id, rooms) => joinChecked(nsp, book as RoomBookkeeping, id, rooms),
        left(id, room) {
          const socket = nsp.sockets.get(id) as AnySocket | undefined
          if (socket === undefined) return
          pending.get(socket)?.delete(room)
          grantedOnly.get(socket)?.delete(room)
          paused.get(socket)?.delete(room)
          unlistedOf.get(socket)?.delete(room)
          onRoomsChanged?.(socket)
        },
        leftAll(id) {
          held.get(nsp)?.delete(id)
          const socket = nsp.sockets.get(id) as AnySocket | undefined
          if (socket === undefined) return
          pending.delete(socket)
          grantedOnly.delete(socket)
          paused.delete(socket)
          unlistedOf.delete(socket)
          waitingIn.get(nsp)?.delete(socket)
        },
      })
      if (book === undefined)
        throw new Error('sockguard: this Socket.IO adapter cannot be guarded (no addAll/del)')
      bookkeepingOf.set(adapter, book)
      coverHeldOut(nsp)
    },

    async allowedRooms(rooms, sid, claims) {
      const verdicts = await Promise.all(
        rooms.map(async (room) => (room === sid ? true : decideFor(claims, room, 'server'))),
      )
      const kept = rooms.filter((_, index) => verdicts[index] === true)
      return { rooms: kept, refused: kept.length !== rooms.length }
    },

    restore(socket) {
      const map = held.get(socket.nsp)
      const entry = map?.get(socket.id)
      if (entry === undefined) return
      map?.delete(socket.id)
      if (entry.rooms.size > 0) void socket.join([...entry.rooms])
    },

    takeHeld(socket) {
      const map = held.get(socket.nsp)
      const entry = map?.get(socket.id)
      if (entry === undefined) return []
      map?.delete(socket.id)
      return [...entry.rooms]
    },

    listen(socket) {
      socket.on(JOIN_EVENT, onJoin)
      socket.on(LEAVE_EVENT, onLeave)
    },

    async recheck(socket) {
      const book = bookOf(socket)
      if (book === undefined || !socket.connected) return
      const generation = generationOf(socket) + 1
      generations.set(socket, generation)
      let stopped = paused.get(socket)
      const rooms = new Set([...socket.rooms, ...(stopped ?? [])])
      rooms.delete(socket.id)
      const waits: Promise<void>[] = []
      const unlisted = unlistedOf.get(socket)
      for (const room of rooms) {
        // The app's own room (no pattern, no grant): patterns do not change, so it stays unlisted.
        if (unlisted?.has(room) === true) continue
        const verdict = decide(socket, room, 'recheck')
        if (verdict === true) {
          if (stopped?.delete(room) === true) enter(socket, room, book)
          continue
        }
        if (verdict === false) {
          stopped?.delete(room)
          book.del(socket.id, room)
          grantedOnly.get(socket)?.delete(room)
          remove(socket, room)
          continue
        }
        // An async rule: out of the room (no broadcast reaches it) until the rule answers.
        if (stopped === undefined) paused.set(socket, (stopped = new Set()))
        stopped.add(room)
        book.del(socket.id, room)
        const ticket = take(socket, room)
        const auth = authOf(socket)
        waits.push(
          verdict.then((allowed) => {
            if (!settle(socket, room, ticket) || !socket.connected) return
            // A newer token (or re-check) decides instead.
            if (authOf(socket) !== auth || generationOf(socket) !== generation) return
            paused.get(socket)?.delete(room)
            if (allowed) enter(socket, room, book)
            else remove(socket, room)
          }),
        )
      }
      await Promise.all(waits)
    },
  }
}
