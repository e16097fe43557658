// The seed document's snippets (fixtures/authenticating-socketio-with-jwt.txt, the page this
// project started from; fixtures/README.md says what it is), as functions of the globals they
// use. Their bodies are the seed's text, character for character (prettier is told to leave them
// alone), except where a comment above says otherwise; seed-snippets.test.ts checks that.
//
// The seed is untyped JavaScript: its globals are typed as loosely as it uses them.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access */
import type { Server } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import type socketioJwtModule from '../../../src/compat/socketio-jwt.js'

/** socket.io-client's `io` as the seed calls it: `io.connect(url, options)`. */
export interface SeedIo {
  connect(url: string, options?: Record<string, unknown>): ClientSocket
}

/** The browser's `sessionStorage`, holding the token. */
export interface SeedStorage {
  readonly token: string
}

/** The seed's first client: the token in the query string. Unchanged. */
// prettier-ignore
export function seedQueryClient(io: SeedIo, sessionStorage: SeedStorage): ClientSocket {
const {token} = sessionStorage;
const socket = io.connect('http://localhost:3000', {
  query: {token}
});
return socket
}

/**
 * The seed's socketio-jwt client, exactly as written. It cannot work with any socket.io-client:
 * the `connect` event is emitted with no argument (0.9 `this.emit('connect')`, 1.x-2.x
 * `this.emit("connect")`, 4.x `this.emitReserved("connect")`), so the inner `socket` parameter is
 * `undefined` and shadows the outer one; `socket.on(...)` throws a TypeError inside the listener
 * and `authenticate` is never sent. (socketio-jwt's later README dropped the parameter:
 * `socket.on('connect', () => { socket.emit('authenticate', ...) })`.)
 */
// prettier-ignore
export function seedSocketioJwtClientAsWritten(io: SeedIo, sessionStorage: SeedStorage): ClientSocket {
const {token} = sessionStorage;
const socket = io.connect('http://localhost:3000');
// @ts-expect-error socket.io-client types the 'connect' listener as `() => void`: the parameter is never given.
socket.on('connect', function (socket) {
  socket
    .on('authenticated', function () {
      //do other things
    })
    .emit('authenticate', {token}); //send the jwt
});
return socket
}

/**
 * The closest form of the seed's socketio-jwt client that can work: the same text without the
 * connect listener's parameter (`function (socket)` -> `function ()`), so `socket` is the outer
 * socket. The protocol is unchanged: `authenticate` { token } out, `authenticated` in.
 */
// prettier-ignore
export function seedSocketioJwtClient(io: SeedIo, sessionStorage: SeedStorage): ClientSocket {
const {token} = sessionStorage;
const socket = io.connect('http://localhost:3000');
socket.on('connect', function () {
  socket
    .on('authenticated', function () {
      //do other things
    })
    .emit('authenticate', {token}); //send the jwt
});
return socket
}

/**
 * The seed's socketio-jwt server, with `require('socketio-jwt')` replaced by this package's
 * drop-in (`socketioJwt`, given) and `io` given. `secret` replaces the literal 'SECRET_KEY':
 * sockguard refuses HMAC secrets shorter than 32 bytes, so the literal cannot be kept
 * (`SEED_SECRET` is the literal, to show that it is refused).
 */
// prettier-ignore
export function seedSocketioJwtServer(io: Server, socketioJwt: typeof socketioJwtModule, secret: string): void {
io.sockets
  .on('connection', socketioJwt.authorize({
    secret: secret,
    timeout: 15000 // 15 seconds to send the authentication message
  })).on('authenticated', function(socket) {
    //this socket is authenticated, we are good to handle more events from it.
    console.log(`Hello! ${socket.decoded_token.name}`);
  });
}

/** The seed's secret, 10 bytes. */
export const SEED_SECRET = 'SECRET_KEY'
