// @RequireClaim: sockguard's claim rule on a gateway handler or a controller.
import { requireClaim } from '../authorize/rules.js'
import type { JwtClaims } from '../verifier/types.js'
import { requirementDecorator, type ClassOrMethodDecorator } from './requirement-decorator.js'

/**
 * Requires claim `name` to equal `value` (or, for an array claim, to contain it). Typed by the
 * app's claims type when given: `@RequireClaim<AppClaims>('role', 'admin')` accepts only its
 * claim names. Refusals as {@link RequireScope}'s; on HTTP a 403 `insufficient_scope` without a
 * `scope` attribute (RFC 6750 names no other 403 error).
 *
 * @throws {InvalidOptionError} (`name`, `value`) as sockguard's `requireClaim`.
 *
 * @example
 * @SubscribeMessage('refund') @RequireClaim<AppClaims>('role', 'finance')
 * refund(@MessageBody() order: string) { ... }
 */
export function RequireClaim<TClaims extends JwtClaims = JwtClaims>(
  name: Extract<keyof TClaims, string>,
  value: string | number | boolean,
): ClassOrMethodDecorator {
  return requirementDecorator({ kind: 'claim', rule: requireClaim(name, value) })
}
