// Socket.IO's server, namespace and socket whatever event maps the app chose: what sockguard's own
// modules handle. Internal (never exported from an entry): the public types are generic instead.
import type { Namespace, Server, Socket } from 'socket.io'

/** Any Socket.IO socket, whatever its event maps. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySocket = Socket<any, any, any>
/** Any Socket.IO namespace. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNamespace = Namespace<any, any, any>
/** Any Socket.IO server. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServer = Server<any, any, any>
