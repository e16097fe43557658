// Every member of Socket.IO's private (or undocumented) server API that sockguard relies on, in
// one place, each behind a typed accessor that says why it is needed. A Socket.IO release that
// removes or changes one fails test/unit/socket-io-private.test.ts by the member's name; where a
// public fallback exists the accessor uses it, so a change degrades instead of crashing.
// (The client's `emitReserved` has its own seam, src/client/emit-reserved.ts: the client must
// stay browser-safe and cannot import this module.)
import type { AnyNamespace, AnyServer, AnySocket } from './any-socket-io.js'

/** A Socket.IO middleware, as `nsp.use()` takes it. */
export type NamespaceMiddleware = (socket: never, next: (error?: Error) => void) => void

/**
 * `Server#_nsps`: the namespaces that exist now. Socket.IO has no public list (`io.of(name)`
 * creates the one it names), and child namespaces of a dynamic namespace come and go
 * (`cleanupEmptyChildNamespaces`), so the guard walks this map instead of keeping its own.
 */
export function namespacesOf(server: AnyServer): Iterable<AnyNamespace> {
  return server._nsps.values()
}

/**
 * `Namespace#_fns`: its middlewares, in order. Socket.IO has no public way to put a middleware
 * first, and authentication must run before the app's own middlewares whenever they were added.
 * Adds `fn` at the front (once: a middleware already there stays where it is); falls back to
 * `nsp.use(fn)` (last) should the array ever go.
 */
export function prependMiddleware(nsp: AnyNamespace, fn: NamespaceMiddleware): void {
  const fns = (nsp as unknown as { _fns?: unknown })._fns
  if (Array.isArray(fns)) {
    if (!fns.includes(fn)) fns.unshift(fn)
  } else nsp.use(fn as Parameters<AnyNamespace['use']>[0])
}

/** A session stored for connection-state recovery, as the adapter hands it back. */
export interface StoredSession {
  /** The socket id the session restores. */
  readonly sid?: unknown
  /** The rooms the Socket constructor joins again (its own id among them). */
  readonly rooms?: unknown
  readonly data?: unknown
  /** The packets to replay, each an event's arguments with its offset last. */
  readonly missedPackets?: unknown
}

/**
 * `Adapter#restoreSession(pid, offset)`: how Socket.IO gets back a session stored for
 * connection-state recovery. It replays the packets a socket missed as soon as it restores the
 * session, before any middleware or `connection` listener runs, so the only place to refuse a
 * session whose token was revoked (or expired) meanwhile is here. Wraps the adapter's own
 * method so that a session `admit` refuses (`null`) is not found (the client then makes a plain
 * handshake); `admit` may also hand back the session with fewer packets to replay. False when
 * the adapter has no such method (recovery is then not possible).
 */
export function filterRestoredSessions(
  adapter: object,
  admit: (session: StoredSession, offset: string) => Promise<StoredSession | null>,
): boolean {
  const target = adapter as {
    restoreSession?: (pid: string, offset: string) => Promise<StoredSession | null | undefined>
  }
  const restore = target.restoreSession
  if (typeof restore !== 'function') return false
  target.restoreSession = async function (this: unknown, pid: string, offset: string) {
    const session = await restore.call(this, pid, offset)
    if (session === null || session === undefined) return null
    return admit(session, offset)
  }
  return true
}

/**
 * `Server#_opts.connectionStateRecovery`: whether the server keeps sessions for recovery (the
 * guard then marks when each session began to receive broadcasts). `_opts` is Socket.IO's getter
 * for the options it normalised; the public `opts` field is private in its types.
 */
export function recoveryEnabled(server: object): boolean {
  const opts = (server as { _opts?: { connectionStateRecovery?: unknown } })._opts
  return Boolean(opts?.connectionStateRecovery)
}

// socket.io-parser's EVENT packet type.
const EVENT_PACKET = 2

/**
 * `Socket#packet(packet)`: writes a packet straight to the socket's connection. With
 * connection-state recovery on, `socket.emit()` goes through the adapter (to keep the packet
 * for replay), and a cluster adapter delivers it only after a round trip to Redis: a disconnect
 * that follows would overtake it. Emits `event` with `args` that way; false when the method is
 * gone (the caller then falls back to `emit`).
 */
export function sendDirect(socket: AnySocket, event: string, ...args: unknown[]): boolean {
  const packet = (socket as unknown as { packet?: unknown }).packet
  if (typeof packet !== 'function') return false
  ;(packet as (packet: { type: number; data: unknown[] }) => void).call(socket, {
    type: EVENT_PACKET,
    data: [event, ...args],
  })
  return true
}

/**
 * `Client#sockets`: the namespaces open on the socket's connection. Refusing one namespace must
 * not close the others (each holds its own token), but a refused client must not keep the
 * connection open with no namespace. Undefined when Socket.IO no longer exposes the map.
 */
export function namespaceCountOf(socket: AnySocket): number | undefined {
  const sockets = (socket.client as unknown as { sockets?: unknown }).sockets
  return sockets instanceof Map ? sockets.size : undefined
}

type OnEvent = (this: AnySocket, packet: { data?: unknown }) => void

/** `Socket.prototype.onevent` of this socket's class, or undefined when it is gone. */
function prototypeOnevent(socket: AnySocket): OnEvent | undefined {
  const onevent = (Object.getPrototypeOf(socket) as { onevent?: unknown }).onevent
  return typeof onevent === 'function' ? (onevent as OnEvent) : undefined
}

function setOnevent(socket: AnySocket, onevent: OnEvent): void {
  Object.defineProperty(socket, 'onevent', { value: onevent, configurable: true, writable: true })
}

/** The gate of a released socket: the prototype's `onevent`, for string event names only. */
function stringEventsOnly(this: AnySocket, packet: { data?: unknown }): void {
  if (Array.isArray(packet.data) && typeof packet.data[0] === 'string')
    prototypeOnevent(this)?.call(this, packet)
}

/**
 * `Socket#onevent(packet)`: where an incoming event enters a socket. `socket.onAny` listeners
 * run there before any `socket.use` middleware, so the only way to drop an event before every
 * handler sees it is a socket's own `onevent` in front of the prototype's. Installs one that
 * passes only the packets whose event name `passes`; false when the method is gone (the caller
 * then relies on a `socket.use` middleware alone).
 */
export function gateIncomingEvents(
  socket: AnySocket,
  passes: (event: unknown) => boolean,
): boolean {
  const onevent = prototypeOnevent(socket)
  if (onevent === undefined) return false
  setOnevent(socket, (packet) => {
    if (passes(Array.isArray(packet.data) ? packet.data[0] : undefined))
      onevent.call(socket, packet)
  })
  return true
}

/**
 * Replaces a gate installed by {@link gateIncomingEvents} by one shared by every socket that
 * passes every event whose name is a string (a name that is not, `42[2,{}]`, is never an event
 * of the app's, and rules keyed by name cannot see it). Nothing when no gate was installed.
 */
export function gateStringEventsOnly(socket: AnySocket): void {
  if (Object.hasOwn(socket, 'onevent')) setOnevent(socket, stringEventsOnly)
}

/**
 * The `name` of the dynamic namespace (`io.of(/regex/)` or `io.of(fn)`) that created `nsp`, from
 * `Server#parentNsps` and `ParentNamespace#children`: a child namespace keeps no link to its
 * parent, and the guard's `namespaces` rules may be keyed by the parent's name. Undefined for a
 * namespace that is no child, or should those members ever go.
 */
export function parentNameOf(nsp: AnyNamespace): string | undefined {
  const parents = (nsp.server as unknown as { parentNsps?: unknown }).parentNsps
  if (!(parents instanceof Map)) return undefined
  for (const parent of parents.values() as Iterable<{ name?: unknown; children?: unknown }>) {
    if (
      parent.children instanceof Set &&
      parent.children.has(nsp) &&
      typeof parent.name === 'string'
    )
      return parent.name
  }
  return undefined
}

/** An adapter's own room bookkeeping, unchecked (what the wrappers of `interceptJoins` call). */
export interface RoomBookkeeping {
  /** The adapter's original `addAll(id, rooms)`. */
  add(id: string, rooms: ReadonlySet<string>): void
  /** The adapter's original `del(id, room)`. */
  del(id: string, room: string): void
}

/** What `interceptJoins` calls instead of the adapter's methods. */
export interface JoinHooks {
  /** Every join: `socket.join`, `socketsJoin` (local and from other nodes), recovery. */
  addAll(id: string, rooms: ReadonlySet<string>): void | Promise<void>
  /** A socket leaves one room (after the adapter did). */
  left(id: string, room: string): void
  /** A socket leaves every room (after the adapter did). */
  leftAll(id: string): void
}

/**
 * `Adapter#addAll(id, rooms)`, `del` and `delAll`: the one point every room change of a socket
 * passes through. `socket.join` calls `adapter.addAll` (and so do `io.in().socketsJoin()`,
 * `RemoteSocket#join` and the messages of a cluster adapter's other nodes, through
 * `addSockets` -> `socket.join`), and the Socket constructor of a session restored by
 * connection-state recovery calls `join` for each of its previous rooms before any middleware
 * runs. Replaces `addAll` with `hooks.addAll` and follows `del` / `delAll`; returns the original
 * bookkeeping, or undefined when the adapter lacks one of the methods (room authorization then
 * cannot be enforced and the guard refuses to start).
 */
export function interceptJoins(adapter: object, hooks: JoinHooks): RoomBookkeeping | undefined {
  const target = adapter as {
    addAll?: (id: string, rooms: ReadonlySet<string>) => void | Promise<void>
    del?: (id: string, room: string) => void
    delAll?: (id: string) => void
  }
  const { addAll, del, delAll } = target
  if (typeof addAll !== 'function' || typeof del !== 'function' || typeof delAll !== 'function')
    return undefined
  const bookkeeping: RoomBookkeeping = {
    add: (id, rooms) => {
      // The in-memory bookkeeping is synchronous (a sharded adapter's subscription may not be:
      // its own errors are its own, as with a plain `socket.join`).
      void addAll.call(adapter, id, rooms)
    },
    del: (id, room) => {
      del.call(adapter, id, room)
    },
  }
  target.addAll = (id, rooms) => hooks.addAll(id, rooms)
  target.del = function (this: unknown, id, room) {
    del.call(this, id, room)
    hooks.left(id, room)
  }
  target.delAll = function (this: unknown, id) {
    delAll.call(this, id)
    hooks.leftAll(id)
  }
  return bookkeeping
}

/**
 * `Namespace#_initAdapter()`: how `io.adapter(...)` gives every existing namespace a new adapter
 * (a Redis adapter set after `guard.attach(io)`, as the adapter's own README orders it). The
 * guard's checks live on the adapter object (`addAll`, `restoreSession`), so they must be put on
 * the new one before any socket uses it: calls `then(nsp)` after each re-initialisation. False
 * when the method is gone (the guard then checks the adapter at each handshake instead).
 */
export function onAdapterReplaced(nsp: AnyNamespace, then: (nsp: AnyNamespace) => void): boolean {
  const target = nsp as unknown as { _initAdapter?: unknown }
  const init = target._initAdapter
  if (typeof init !== 'function') return false
  target._initAdapter = function (this: unknown): void {
    ;(init as () => void).call(this)
    then(nsp)
  }
  return true
}
