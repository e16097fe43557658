// Helpers of the rooms suites: a guarded server with a room policy, users connected with their
// server-side sockets, and the round-trip proof that a broadcast to a room did not reach a socket.
import type { Server, Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { expect } from 'vitest'
import type { AuthError, RoomsOptions } from '../../../src/index.js'
import { connected, nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import {
  nextEvent,
  startServer,
  type StartServerOptions,
  type TestServer,
} from '../../support/socket-server.js'

/** One refusal reported to onFailure. */
export interface Failure {
  readonly code: string
  readonly room: string | undefined
  readonly socketId: string
}

/** A guarded server with `rooms`, recording every onFailure. */
export async function roomServer(
  rooms: Record<string, unknown>,
  options: StartServerOptions & { guardOptions?: Record<string, unknown> } = {},
): Promise<TestServer & { failures: Failure[] }> {
  const failures: Failure[] = []
  const server = await startServer({
    ...options,
    guard: {
      onFailure: (error: AuthError, socket) =>
        failures.push({ code: error.code, room: error.room, socketId: socket.id }),
      ...options.guardOptions,
      rooms: rooms as unknown as RoomsOptions,
    },
  })
  return Object.assign(server, { failures })
}

/** Connects a user with `claims` and returns the client and its server-side socket. */
export async function user(
  server: TestServer,
  claims: Record<string, unknown> = {},
  namespace = '/',
): Promise<{ client: ClientSocket; socket: Socket }> {
  const connection = nextEvent<Socket>(server.io.of(namespace), 'connection')
  const client = server.connect({ auth: { token: server.issuer.sign(claims) } }, namespace)
  await connected(client)
  const socket = await connection
  return { client, socket }
}

let sequence = 0

/**
 * Broadcasts `msg` to `room` and proves delivery: `control` receives it, and `outsider` had not
 * received it by the time a probe sent after the broadcast reached it.
 */
export async function provesAbsent(
  io: Server,
  room: string,
  control: ClientSocket,
  outsider: ClientSocket,
  namespace = '/',
): Promise<void> {
  const n = ++sequence
  const got = nextEvent<number>(control, 'msg')
  io.of(namespace).to(room).emit('msg', n)
  expect(await got).toBe(n)
  await nothingBeforeRoundTrip(io, outsider, 'msg', namespace)
}

/** Broadcasts `msg` to `room` and awaits it on `member`. */
export async function provesPresent(
  io: Server,
  room: string,
  member: ClientSocket,
  namespace = '/',
): Promise<void> {
  const n = ++sequence
  const got = nextEvent<number>(member, 'msg')
  io.of(namespace).to(room).emit('msg', n)
  expect(await got).toBe(n)
}

/** A promise with its resolve function, for rules that wait on the test. */
export function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}
