// A drop-in for socket.io-client's `io` (and `io.connect`) whose `connect` listeners receive the
// socket, as the socketio-jwt client code of the seed document expects:
// `socket.on('connect', function (socket) { socket.emit('authenticate', { token }) })`.
import { io as lookup, type Socket } from 'socket.io-client'
import { wrapEmitReserved } from './emit-reserved.js'
import type { DefaultEventsMap, EventsMap, SocketIoOptions } from './types.js'

/** A socket.io-client socket whose `connect` listeners are given the socket itself. */
export type CompatSocket<
  TListen extends EventsMap = DefaultEventsMap,
  TEmit extends EventsMap = TListen,
> = {
  on(
    event: 'connect',
    listener: (socket: CompatSocket<TListen, TEmit>) => void,
  ): CompatSocket<TListen, TEmit>
  once(
    event: 'connect',
    listener: (socket: CompatSocket<TListen, TEmit>) => void,
  ): CompatSocket<TListen, TEmit>
} & Socket<TListen, TEmit>

/** The call signatures of socket.io-client's `io`, returning {@link CompatSocket}s. */
export interface CompatLookup {
  <TListen extends EventsMap = DefaultEventsMap, TEmit extends EventsMap = TListen>(
    url?: string,
    options?: SocketIoOptions,
  ): CompatSocket<TListen, TEmit>
  <TListen extends EventsMap = DefaultEventsMap, TEmit extends EventsMap = TListen>(
    options?: SocketIoOptions,
  ): CompatSocket<TListen, TEmit>
}

/** socket.io-client's `io`, with `io.connect` as its alias. */
export interface CompatIo extends CompatLookup {
  /** The same function, as `io.connect(url, options)`. */
  readonly connect: CompatLookup
}

// Defensive: should `io()` ever hand back a socket it made before, it is not wrapped twice.
const patched = new WeakSet<object>()

function withSocketArgument(socket: Socket): void {
  if (patched.has(socket)) return
  patched.add(socket)
  // socket.io-client emits `connect` with no argument (`emitReserved("connect")`), as every
  // version since 0.9 did; socketio-jwt's README nevertheless read the socket from it.
  wrapEmitReserved(
    socket,
    (emitReserved) =>
      function (this: Socket, event, ...args) {
        return event === 'connect' && args.length === 0
          ? emitReserved.call(this, event, this)
          : emitReserved.call(this, event, ...args)
      },
  )
}

const compatLookup = ((first?: string | SocketIoOptions, options?: SocketIoOptions): Socket => {
  const socket = typeof first === 'string' ? lookup(first, options) : lookup(first)
  withSocketArgument(socket)
  return socket
}) as CompatLookup

/**
 * socket.io-client's `io(url, options)` and `io.connect(url, options)`, except that `connect`
 * listeners receive the socket as their first argument. For code written against socketio-jwt's
 * client examples; new code should use {@link connect}.
 *
 * @example
 * import { io } from 'sockguard/client'
 * const socket = io.connect('https://chat.example')
 * socket.on('connect', function (socket) {
 *   socket.on('authenticated', () => console.log('in')).emit('authenticate', { token })
 * })
 */
export const io: CompatIo = Object.freeze(Object.assign(compatLookup, { connect: compatLookup }))
