// Test support for the socketio-jwt drop-in: tokens signed the way socketio-jwt apps sign them
// (jsonwebtoken, a string secret). Its servers are `startServer({ guard: false })` (the drop-in is
// the only authentication).
import jwt from 'jsonwebtoken'
import { signJwt, unsignedJwt } from '../../support/sign.js'

/** A 41-byte HS256 secret: sockguard refuses secrets shorter than 32 bytes. */
export const SECRET = 'a-socketio-jwt-secret-of-at-least-32-bytes'

/** Signs claims as a socketio-jwt app did: jsonwebtoken, HS256, `iat` added, no `exp` unless given. */
export function sign(claims: Record<string, unknown> = {}, secret: string = SECRET): string {
  const payload: Record<string, unknown> = { sub: 'alice', name: 'Alice', ...claims }
  return jwt.sign(payload, secret)
}

/** An unsigned token (`alg: none`, empty signature). */
export function unsigned(claims: Record<string, unknown> = {}): string {
  return unsignedJwt({ sub: 'alice', name: 'Alice', ...claims })
}

/** An HS256 token signed by hand, with any header. */
export function signWithHeader(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  return signJwt('HS256', SECRET, claims, header)
}
