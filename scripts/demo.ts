// `npm start` until the reference server lands: a development issuer serves its JWKS on loopback,
// a sockguard verifier fetches it, and a few tokens show what passes and what is refused.
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK } from 'jose'
import { createVerifier, isAuthError } from '../src/index.js'

const host = process.env.HOST ?? '127.0.0.1'
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const kid = randomUUID()
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }

const server = createServer((req, res) => {
  if (req.url === '/.well-known/jwks.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  } else res.writeHead(404).end()
})
await new Promise<void>((resolve) => server.listen(0, host, resolve))
const { port } = server.address() as AddressInfo
const issuer = `http://${host}:${port}`
console.log(`development issuer: ${issuer}/.well-known/jwks.json (ES256, kid ${kid.slice(0, 8)}…)`)

const verifier = createVerifier({
  jwksUri: `${issuer}/.well-known/jwks.json`,
  algorithms: ['ES256'],
  issuer,
  audience: 'chat',
})

const sign = (claims: Record<string, unknown>, ttl: string | number = '5m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(privateKey)

const good = await sign({ sub: 'alice', aud: 'chat', scope: 'chat:write' })
const cases: [string, string][] = [
  ['a valid token', good],
  ['the same token with one byte changed', good.slice(0, -2) + (good.endsWith('A') ? 'BA' : 'AA')],
  ['a token for another audience', await sign({ sub: 'alice', aud: 'billing' })],
  [
    'an expired token',
    await sign({ sub: 'alice', aud: 'chat' }, Math.floor(Date.now() / 1000) - 10),
  ],
  [
    'alg "none"',
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${good.split('.')[1] ?? ''}.`,
  ],
  ['not a token at all', 'hello'],
]
for (const [label, token] of cases) {
  try {
    const { claims, expiresAt } = await verifier.verify(token)
    const left =
      expiresAt === null ? 'no expiry' : `${Math.round((expiresAt - Date.now()) / 1000)} s left`
    console.log(`✔ ${label}: sub=${String(claims.sub)} (${left})`)
  } catch (error) {
    if (!isAuthError(error)) throw error
    console.log(`✘ ${label}: ${error.code}: ${error.message}`)
  }
}
server.close()
