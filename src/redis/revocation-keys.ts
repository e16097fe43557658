// Where the Redis revocation store keeps things: one key per revoked subject and per revoked
// token id, named by a hash, and one stream (the change feed).
import { createHash } from 'node:crypto'
import { tokenKey } from '../revocation/revocation-store.js'

/** The key names of one store. */
export interface RevocationKeys {
  /** The key of a revoked subject. */
  subject(sub: string): string
  /** The key of a revoked token `(iss, jti)`. */
  token(iss: string | undefined, jti: string): string
  /** The key of a revoked provider session `(iss, sid)`. */
  session(iss: string | undefined, sid: string): string
  /** The stream every revocation is appended to. */
  readonly feed: string
}

// Hashed names: a fixed size whatever the claims' length, no separator an issuer or a token id
// could forge, and no e-mail address (a common `sub`) in key listings.
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** The key names under `prefix`. */
export function revocationKeys(prefix: string): RevocationKeys {
  return {
    subject: (sub) => `${prefix}sub:${digest(sub)}`,
    token: (iss, jti) => `${prefix}jti:${digest(tokenKey(iss, jti))}`,
    session: (iss, sid) => `${prefix}sid:${digest(tokenKey(iss, sid))}`,
    feed: `${prefix}feed`,
  }
}

/** A subject entry: `"<revokedAt>:<until>"`, both ms since the epoch. */
export interface SubjectEntry {
  readonly at: number
  readonly until: number
}

const SUBJECT_ENTRY = /^(\d+):(\d+)$/

/** Reads a subject key's value; undefined for an absent or foreign value. */
export function parseSubjectEntry(value: unknown): SubjectEntry | undefined {
  if (typeof value !== 'string') return undefined
  const match = SUBJECT_ENTRY.exec(value)
  return match === null ? undefined : { at: Number(match[1]), until: Number(match[2]) }
}

/** Reads a token key's value (`"<until>"`, ms since the epoch); undefined when absent. */
export function parseTokenEntry(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined
}

// Writes are scripts, so that "never move a revocation back" holds when two nodes revoke the
// same subject at once, and the feed entry is appended in the same atomic step as the key.
// KEYS[1] the entry, KEYS[2] the feed. Values are compared as numbers, stored as given.

/** ARGV: at, until, px, sub, feed length. */
export const REVOKE_SUBJECT_SCRIPT = `
local at, untl, px = ARGV[1], ARGV[2], tonumber(ARGV[3])
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, ':', 1, true)
  if sep then
    local oldAt, oldUntil = string.sub(current, 1, sep - 1), string.sub(current, sep + 1)
    if tonumber(oldAt) and tonumber(oldAt) > tonumber(at) then at = oldAt end
    if tonumber(oldUntil) and tonumber(oldUntil) > tonumber(untl) then untl = oldUntil end
  end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > px then px = ttl end
end
redis.call('SET', KEYS[1], at .. ':' .. untl, 'PX', px)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'sub', ARGV[4], 'at', at)
return 1
`

/**
 * The write script of an id revoked until an instant, per issuer (`jti` for a token, `sid` for a
 * provider session): the feed entry names the id by `field`.
 */
function revokeIdScript(field: 'jti' | 'sid'): string {
  return `
local untl, px = ARGV[1], tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  if tonumber(current) and tonumber(current) > tonumber(untl) then untl = current end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > px then px = ttl end
end
redis.call('SET', KEYS[1], untl, 'PX', px)
if ARGV[5] == '1' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', '${field}', ARGV[3], 'iss', ARGV[4], 'until', untl, 'at', ARGV[6])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', '${field}', ARGV[3], 'until', untl, 'at', ARGV[6])
end
return 1
`
}

/** ARGV: until, px, jti, iss ('' when absent), has iss ('1' or '0'), at, feed length. */
export const REVOKE_TOKEN_SCRIPT = revokeIdScript('jti')

/** ARGV: until, px, sid, iss ('' when absent), has iss ('1' or '0'), at, feed length. */
export const REVOKE_SESSION_SCRIPT = revokeIdScript('sid')
