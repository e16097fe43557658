// authorizeEvents: per-event authorization installed on each socket at `connection` (a function
// given to `socket.use` is not given the socket, and namespace middlewares are skipped for
// recovered sessions). A denied event never reaches its handler; the client is told why.
import type { DefaultEventsMap, Socket } from 'socket.io'
import { InvalidOptionError } from '../errors.js'
import type { SocketAuth } from '../guard/types.js'
import type { JwtClaims } from '../verifier/types.js'
import type { EventRule } from './rules.js'

// Socket.IO's own helpers (typed-events.ts) are not exported from its entry point; these match them.
/** An event map: event name -> listener signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventsMap = Record<string, any>
/** The event names of a map. */
export type EventNames<TMap extends EventsMap> = keyof TMap & string
/** The arguments of one event of a map. */
export type EventParams<TMap extends EventsMap, TEvent extends EventNames<TMap>> = Parameters<
  TMap[TEvent]
>

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown

/** True when `T` is an acknowledgement callback (possibly optional). */
type IsAck<T> = [T] extends [undefined]
  ? false
  : Exclude<T, undefined> extends AnyFunction
    ? true
    : false

/**
 * The arguments a rule is given: the event's parameters without a trailing acknowledgement
 * callback (required or optional), which the client sends as an ack id, not as data.
 */
export type RuleArgs<TParams extends unknown[]> =
  // Rest parameters (and untyped maps): nothing to strip reliably.
  number extends TParams['length']
    ? TParams
    : TParams extends [...infer TData, infer TLast]
      ? IsAck<TLast> extends true
        ? TData
        : TParams
      : // An optional last parameter does not match the pattern above; under
        // exactOptionalPropertyTypes its type includes `undefined`.
        TParams extends [...infer TData, (AnyFunction | undefined)?]
        ? TParams extends []
          ? TParams
          : TData
        : TParams

/**
 * A policy: event name -> rule, typed by the app's client-to-server events. Keys must be event
 * names of `TListen`; each rule gets the socket's current claims and that event's arguments.
 * Ready-made rules (`requireScope`, `requireClaim`) fit every event.
 */
export type EventPolicy<
  TListen extends EventsMap = DefaultEventsMap,
  TClaims extends JwtClaims = JwtClaims,
> = {
  readonly [TEvent in EventNames<TListen>]?: EventRule<
    TClaims,
    RuleArgs<EventParams<TListen, TEvent>>
  >
}

/** Options of {@link authorizeEvents}. */
export interface AuthorizeEventsOptions {
  /** What happens to events the policy does not list. @defaultValue 'allow' */
  readonly unlisted?: 'allow' | 'deny'
}

/** The payload of a denial: the ack's answer, and (with the event name) the `forbidden` event. */
export interface ForbiddenPayload {
  readonly ok: false
  readonly code: 'forbidden'
  readonly message: string
}

const MESSAGE = 'You are not allowed to do that.'

/**
 * Returns a `connection` listener that authorizes each incoming event of a socket.
 *
 * Rules read `socket.data.auth.claims` when the event arrives, so an in-band refresh that grants
 * more scope takes effect at once. A rule allows only by returning (or resolving) `true`; `false`,
 * anything else, a throw or a rejection denies. A denied event never reaches its handler: its ack
 * gets {@link ForbiddenPayload}, or without an ack the client gets the `forbidden` event
 * `{ event, code: 'forbidden', message }`. A socket without `socket.data.auth` is denied every
 * listed event. `authenticate` (the guard's refresh) and `auth:logout` are never blocked.
 *
 * An event whose name is not a string (Socket.IO's parser lets a number through) is always
 * refused, listed or not.
 *
 * @throws {InvalidOptionError} (`code: 'invalid_option'`) when the policy is not a plain object
 * (prototype `Object.prototype` or `null`; a Map, a class instance or `Object.create(rules)` is
 * refused, `option: 'policy'`), when one of its own rules is not a function
 * (`option: 'policy.<event>'`), or for an unknown option or an `unlisted` other than
 * `'allow'` or `'deny'`.
 *
 * @example
 * io.on('connection', authorizeEvents<ClientEvents>({ 'admin:kick': requireScope('admin') }))
 */
export function authorizeEvents<
  TListen extends EventsMap = DefaultEventsMap,
  TClaims extends JwtClaims = JwtClaims,
>(
  policy: EventPolicy<TListen, TClaims>,
  options: AuthorizeEventsOptions = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): (socket: Socket<TListen, any, any>) => void {
  const { rules, deny } = normalize(policy, options)
  return (socket) => {
    const refuse = (packet: unknown[]): void => {
      const ack = packet[packet.length - 1]
      if (typeof ack === 'function')
        (ack as (payload: ForbiddenPayload) => void)({
          ok: false,
          code: 'forbidden',
          message: MESSAGE,
        })
      else
        socket.emit('forbidden' as never, {
          event: String(packet[0]),
          code: 'forbidden',
          message: MESSAGE,
        })
    }
    socket.use((packet, next) => {
      const event: unknown = packet[0]
      // Socket.IO's parser also accepts a number as the event name (`42[2,{}]`), and the
      // EventEmitter then runs the listeners of "2": looked up by the number, the rule for "2"
      // would be missed. An app never names events with numbers, so such an event is refused.
      if (typeof event !== 'string') {
        refuse(packet)
        return
      }
      const rule = rules.get(event)
      if (rule === undefined) {
        // `authenticate` (refresh) and `auth:logout` are the guard's own events, never blocked
        // here: a deny-by-default policy must not keep a user from logging out.
        if (!deny || event === 'authenticate' || event === 'auth:logout') next()
        else refuse(packet)
        return
      }
      const auth = (socket.data as { auth?: SocketAuth } | undefined)?.auth
      if (auth === undefined) {
        refuse(packet)
        return
      }
      const args: unknown[] = packet.slice(1)
      if (typeof args[args.length - 1] === 'function') args.pop()
      // Rules are app code: whatever they return, only `true` allows.
      let verdict: unknown
      try {
        // The socket as `this`: what `requireMember` reads (other rules ignore it).
        verdict = rule.call(socket, auth.claims, ...args)
      } catch {
        refuse(packet)
        return
      }
      if (verdict === true) next()
      else if (isThenable(verdict)) {
        verdict.then(
          (allowed) => {
            if (allowed === true) next()
            else refuse(packet)
          },
          () => {
            refuse(packet)
          },
        )
      } else refuse(packet)
    })
  }
}

const OPTIONS = new Set(['unlisted'])

function normalize(
  policy: unknown,
  options: unknown,
): { rules: ReadonlyMap<string, EventRule>; deny: boolean } {
  // Only a plain object's own enumerable string keys are read as rules: a Map, a class instance
  // (rules as prototype methods) or Object.create(rules) would otherwise yield no rules at all and
  // silently allow every event, so anything but a plain (or null-prototype) object is refused.
  const proto: unknown =
    typeof policy === 'object' && policy !== null ? Object.getPrototypeOf(policy) : undefined
  if (
    typeof policy !== 'object' ||
    policy === null ||
    (proto !== Object.prototype && proto !== null)
  )
    throw new InvalidOptionError(
      'policy',
      'must be a plain object of event name -> rule function (not a Map, class instance or prototype chain)',
    )
  const rules = new Map<string, EventRule>()
  for (const [event, rule] of Object.entries(policy)) {
    if (typeof rule !== 'function')
      throw new InvalidOptionError(`policy.${event}`, 'must be a rule function')
    rules.set(event, rule as EventRule)
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidOptionError('options', 'must be an object')
  for (const name of Object.keys(options)) {
    // A typo (`unlistd`) must not silently leave every unlisted event allowed.
    if (!OPTIONS.has(name))
      throw new InvalidOptionError(name, 'is not an option of authorizeEvents')
  }
  const unlisted: unknown = (options as { unlisted?: unknown }).unlisted ?? 'allow'
  if (unlisted !== 'allow' && unlisted !== 'deny')
    throw new InvalidOptionError('unlisted', 'must be "allow" or "deny"')
  return { rules, deny: unlisted === 'deny' }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
