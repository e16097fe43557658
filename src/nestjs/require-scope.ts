// @RequireScope: sockguard's scope rule on a gateway handler or a controller.
import { requireScope as scopeRule } from '../authorize/rules.js'
import { requireScope as scopeMiddleware } from '../express/require-scope.js'
import { requirementDecorator, type ClassOrMethodDecorator } from './requirement-decorator.js'

/**
 * Requires a token that grants every one of `scopes` (`scope`, space-separated, or `scp`), read
 * from the socket's current claims when the message arrives (an in-band refresh counts at once).
 * A gateway handler refused answers the message's ack with `{ ok: false, code: 'forbidden',
 * message }`, or without an ack emits `forbidden` `{ event, code, message }`, as authorizeEvents
 * does; a controller route answers 401 (no or bad token) or 403 `insufficient_scope` with the
 * scopes in the challenge, as sockguard/express does. On a class it applies to every handler.
 *
 * @throws {InvalidOptionError} (`scopes`) when no scope is given or one is not a scope token.
 *
 * @example
 * @SubscribeMessage('kick') @RequireScope('admin')
 * kick(@Claims('sub') sub: string, @MessageBody() target: string) { ... }
 */
export function RequireScope(...scopes: [string, ...string[]]): ClassOrMethodDecorator {
  return requirementDecorator({
    kind: 'scope',
    rule: scopeRule(...scopes),
    http: scopeMiddleware(...scopes),
  })
}
