// Type tests: checked by `npm run typecheck` (tsc), importing the package by name.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { expectTypeOf } from 'vitest'
import { requireAuth } from 'sockguard/express'
import {
  createGuard,
  createIntrospectionVerifier,
  createVerifier,
  presets,
  type IntrospectionClaims,
  type AuthError,
  type AuthErrorCode,
  type JwtClaims,
  type VerifiedToken,
  type JwtVerifier,
  type VerifiedClaims,
  type Verifier,
} from 'sockguard'

declare const key: KeyObject
declare const token: string

const hmac = createVerifier({ secret: 'x'.repeat(32), algorithms: ['HS256'] })
expectTypeOf(hmac).toEqualTypeOf<JwtVerifier>()
// A JWT verifier is a Verifier (what the guard and requireAuth take); its results add the header.
expectTypeOf(hmac).toExtend<Verifier>()
expectTypeOf<VerifiedToken>().toExtend<VerifiedClaims>()
expectTypeOf(hmac.verify(token)).resolves.toEqualTypeOf<VerifiedToken>()
expectTypeOf<VerifiedToken['expiresAt']>().toEqualTypeOf<number | null>()

interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly scope: string
}
const typed = createVerifier<AppClaims>({ publicKey: key, algorithms: ['ES256'], audience: 'app' })
expectTypeOf(typed.verify(token)).resolves.toHaveProperty('claims').toEqualTypeOf<AppClaims>()

createVerifier({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: '', y: '', alg: 'ES256' }] } })
createVerifier({ jwksUri: 'https://idp.example/jwks', algorithms: ['RS256'], cooldownMs: 10_000 })
createVerifier({ issuerUrl: new URL('https://idp.example'), algorithms: ['RS256', 'ES256'] })
createVerifier({ getKey: () => createPublicKey(key), algorithms: ['EdDSA'] })

// @ts-expect-error an HMAC secret needs its algorithms
createVerifier({ secret: 'x'.repeat(32) })
// @ts-expect-error public-key algorithms do not go with a secret
createVerifier({ secret: 'x'.repeat(32), algorithms: ['RS256'] })
// @ts-expect-error HMAC algorithms do not go with a public key
createVerifier({ publicKey: key, algorithms: ['HS256'] })
// @ts-expect-error `none` is not an algorithm
createVerifier({ secret: 'x'.repeat(32), algorithms: ['none'] })
// @ts-expect-error one key source per verifier
createVerifier({ secret: 'x'.repeat(32), publicKey: key, algorithms: ['HS256'] })
// @ts-expect-error a remote key set needs its algorithms
createVerifier({ jwksUri: 'https://idp.example/jwks' })
// @ts-expect-error remote-set options belong to remote sets
createVerifier({ secret: 'x'.repeat(32), algorithms: ['HS256'], cooldownMs: 1 })

declare const error: AuthError
expectTypeOf(error.code).toEqualTypeOf<AuthErrorCode>()
expectTypeOf<'token_expired'>().toExtend<AuthErrorCode>()

// A secret KeyObject is an HMAC secret too (public and private ones are refused at run time).
createVerifier({ secret: key, algorithms: ['HS256'] })

// An introspection verifier is a Verifier: the guard and requireAuth take it unchanged.
const opaque = createIntrospectionVerifier({
  url: 'https://idp.example/introspect',
  clientId: 'api',
  clientSecret: 'secret',
})
expectTypeOf(opaque).toExtend<Verifier<IntrospectionClaims>>()
expectTypeOf(opaque.verify(token)).resolves.toEqualTypeOf<VerifiedClaims<IntrospectionClaims>>()
createGuard({ verifier: opaque })
requireAuth({ verifier: opaque })
// @ts-expect-error: typ is a JWS header; opaque tokens have none
createIntrospectionVerifier({ url: 'https://i', clientId: 'a', clientSecret: 'b', typ: 'at+jwt' })

// A preset's result spreads into createVerifier and createGuard.
createVerifier(presets.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_A1', clientId: 'c' }))
createGuard({ ...presets.supabase({ url: 'https://x.supabase.co', jwtSecret: 'x'.repeat(32) }) })
createGuard({ ...presets.entra({ tenantId: 'common', clientId: 'c' }), clockToleranceMs: 5_000 })
