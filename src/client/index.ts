// sockguard/client: the socket.io-client side of sockguard, for browsers and Node. Explicit
// named exports, no logic. Everything under src/client imports at run time only socket.io-client
// and its own files, so a browser can load these modules one by one.
export { connect } from './connect.js'
export { io } from './io.js'
export { logout } from './logout.js'
export type { LogoutAck, LogoutOptions } from './logout.js'
export { joinRoom, leaveRoom } from './rooms.js'
export type { RoomAck, RoomRemoved, RoomRequestOptions } from './rooms.js'
export { AUTH_ERROR_CODES, isAuthErrorCode } from './auth-error-codes.js'
export type { AuthErrorCode, AuthErrorData } from './auth-error-codes.js'
export type { RetryOptions } from './backoff.js'
export type { ClientOptionError } from './invalid-option.js'
export type { CompatIo, CompatLookup, CompatSocket } from './io.js'
export type {
  ConnectOptions,
  DefaultEventsMap,
  EventsMap,
  GetToken,
  GetTokenContext,
  SocketIoOptions,
} from './types.js'
