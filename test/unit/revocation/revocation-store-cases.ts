// The semantics every revocation store must have, on explicit times: a subject is revoked for
// tokens issued up to the revocation (same second included) until its TTL ends; a token id until
// the given instant, per issuer; a later revocation never moves one back. Run against the memory
// store here and against Redis in test/cluster.
import { describe, expect, it } from 'vitest'
import type { RevocationStore } from '../../../src/index.js'

/** A whole second, in ms, that the cases run at. */
export const T = 1_900_000_000_000
const S = T / 1000

/**
 * Defines the shared cases; `makeStore` gives a fresh, empty store for each case (its clock, if
 * it has one, may be fixed at {@link T}).
 */
export function revocationStoreCases(makeStore: () => RevocationStore): void {
  describe('subjects', () => {
    it('refuses tokens issued before or in the second of the revocation, accepts later ones', async () => {
      const store = makeStore()
      await store.revokeSubject('alice', T + 400, 60_000)
      const at = T + 1_000
      expect(await store.isRevoked({ sub: 'alice', iat: S - 3_600 }, at)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', iat: S - 1 }, at)).toBe(true)
      // iat has second precision: a token of the revocation's own second may predate it.
      expect(await store.isRevoked({ sub: 'alice', iat: S }, at)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', iat: S + 1 }, at)).toBe(false)
      // Without iat nothing proves the token is newer.
      expect(await store.isRevoked({ sub: 'alice' }, at)).toBe(true)
      expect(await store.isRevoked({ sub: 'bob', iat: S - 1 }, at)).toBe(false)
      expect(await store.isRevoked({ iat: S - 1 }, at)).toBe(false)
    })

    it('forgets the revocation when its TTL ends', async () => {
      const store = makeStore()
      await store.revokeSubject('alice', T, 60_000)
      const old = { sub: 'alice', iat: S - 10 }
      expect(await store.isRevoked(old, T)).toBe(true)
      expect(await store.isRevoked(old, T + 59_999)).toBe(true)
      expect(await store.isRevoked(old, T + 60_000)).toBe(false)
      expect(await store.isRevoked(old, T + 3_600_000)).toBe(false)
    })

    it('a second revocation moves the instant and the TTL forward, never back', async () => {
      const store = makeStore()
      await store.revokeSubject('alice', T, 10_000)
      await store.revokeSubject('alice', T + 5_000, 10_000)
      expect(await store.isRevoked({ sub: 'alice', iat: S + 4 }, T + 6_000)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', iat: S + 6 }, T + 6_000)).toBe(false)
      expect(await store.isRevoked({ sub: 'alice', iat: S }, T + 14_999)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', iat: S }, T + 15_000)).toBe(false)
      // An older revocation arriving late changes nothing.
      await store.revokeSubject('alice', T + 1_000, 1_000)
      expect(await store.isRevoked({ sub: 'alice', iat: S + 4 }, T + 6_000)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', iat: S }, T + 14_999)).toBe(true)
    })
  })

  describe('token ids', () => {
    it('refuses (iss, jti) until the given instant, whatever the iat', async () => {
      const store = makeStore()
      await store.revokeToken('https://idp.example', 'j-1', T + 60_000)
      const token = { sub: 'alice', iss: 'https://idp.example', jti: 'j-1', iat: S + 30 }
      expect(await store.isRevoked(token, T)).toBe(true)
      expect(await store.isRevoked(token, T + 59_999)).toBe(true)
      expect(await store.isRevoked(token, T + 60_000)).toBe(false)
    })

    it('keys token ids by issuer: the same jti from another issuer is not revoked', async () => {
      const store = makeStore()
      await store.revokeToken('https://idp.example', 'j-1', T + 60_000)
      expect(await store.isRevoked({ iss: 'https://other.example', jti: 'j-1' }, T)).toBe(false)
      expect(await store.isRevoked({ jti: 'j-1' }, T)).toBe(false)
      expect(await store.isRevoked({ iss: 'https://idp.example', jti: 'j-1' }, T)).toBe(true)
    })

    it('a token id revoked without an issuer is revoked for every issuer', async () => {
      const store = makeStore()
      await store.revokeToken(undefined, 'j-2', T + 60_000)
      expect(await store.isRevoked({ jti: 'j-2' }, T)).toBe(true)
      expect(await store.isRevoked({ iss: 'https://idp.example', jti: 'j-2' }, T)).toBe(true)
      expect(
        await store.isRevokedMany?.([{ iss: 'https://a', jti: 'j-2' }, { jti: 'j-3' }], T),
      ).toEqual(store.isRevokedMany === undefined ? undefined : [true, false])
      expect(await store.isRevoked({ iss: 'https://idp.example', jti: 'j-2' }, T + 60_000)).toBe(
        false,
      )
    })

    it('a later revocation of the same token extends it, an earlier one does not shorten it', async () => {
      const store = makeStore()
      await store.revokeToken(undefined, 'j', T + 10_000)
      await store.revokeToken(undefined, 'j', T + 5_000)
      expect(await store.isRevoked({ jti: 'j' }, T + 9_000)).toBe(true)
      await store.revokeToken(undefined, 'j', T + 20_000)
      expect(await store.isRevoked({ jti: 'j' }, T + 19_000)).toBe(true)
      expect(await store.isRevoked({ jti: 'j' }, T + 20_000)).toBe(false)
    })

    it('a subject and a token id revoke independently', async () => {
      const store = makeStore()
      await store.revokeToken(undefined, 'j', T + 60_000)
      expect(await store.isRevoked({ sub: 'alice', jti: 'j', iat: S + 10 }, T)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', jti: 'k', iat: S + 10 }, T)).toBe(false)
      await store.revokeSubject('alice', T, 60_000)
      expect(await store.isRevoked({ sub: 'alice', jti: 'k', iat: S }, T)).toBe(true)
      expect(await store.isRevoked({ sub: 'alice', jti: 'k', iat: S + 10 }, T)).toBe(false)
    })
  })

  describe('provider sessions', () => {
    it('refuses every token of (iss, sid) until the given instant, only that issuer', async () => {
      const store = makeStore()
      if (store.revokeSession === undefined) throw new Error('the store has no revokeSession')
      await store.revokeSession('https://idp.example', 's-1', T + 60_000)
      const token = { sub: 'alice', iss: 'https://idp.example', sid: 's-1', iat: S + 30 }
      expect(await store.isRevoked(token, T)).toBe(true)
      expect(await store.isRevoked({ ...token, jti: 'any' }, T + 59_999)).toBe(true)
      expect(await store.isRevoked(token, T + 60_000)).toBe(false)
      expect(await store.isRevoked({ ...token, iss: 'https://other.example' }, T)).toBe(false)
      expect(await store.isRevoked({ ...token, sid: 's-2' }, T)).toBe(false)
      // A session id is no token id, nor a subject.
      expect(await store.isRevoked({ iss: 'https://idp.example', jti: 's-1' }, T)).toBe(false)
      expect(
        await store.isRevokedMany?.(
          [token, { ...token, sid: 's-2' }, { sub: 'alice', iss: 'https://idp.example' }],
          T,
        ),
      ).toEqual(store.isRevokedMany === undefined ? undefined : [true, false, false])
    })

    it('a session id revoked without an issuer is revoked for every issuer', async () => {
      const store = makeStore()
      await store.revokeSession?.(undefined, 's-3', T + 60_000)
      expect(await store.isRevoked({ sid: 's-3' }, T)).toBe(true)
      expect(await store.isRevoked({ iss: 'https://a', sid: 's-3' }, T)).toBe(true)
      expect(await store.isRevoked({ iss: 'https://a', sid: 's-4' }, T)).toBe(false)
    })

    it('a later revocation extends it, an earlier one does not shorten it', async () => {
      const store = makeStore()
      await store.revokeSession?.('https://a', 's', T + 10_000)
      await store.revokeSession?.('https://a', 's', T + 5_000)
      const token = { iss: 'https://a', sid: 's' }
      expect(await store.isRevoked(token, T + 9_000)).toBe(true)
      await store.revokeSession?.('https://a', 's', T + 20_000)
      expect(await store.isRevoked(token, T + 19_000)).toBe(true)
      expect(await store.isRevoked(token, T + 20_000)).toBe(false)
    })
  })
}
