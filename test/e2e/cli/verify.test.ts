// `sockguard verify`: round trips with tokens minted by `sockguard token` (HS256 secret, a
// generated ES256 key, an RS256 PEM key file, a served JWK set), each refusal the CLI can
// produce with its exit code and explanation, and usage errors naming the flag.
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { JWKS_PATH, startKeyServer } from '../../support/key-server.js'
import { signJwt } from '../../support/sign.js'
import { SECRET, cli, expectRefused, mint, printedJwk, tempDir } from './support.js'

const NOW = 1_900_000_000_000
const at = (ms: number) => (): number => ms
const env = { JWT_SECRET: SECRET }

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  return port
}

describe('sockguard verify: round trips', () => {
  it('HS256 with a secret: prints header, claims and expiresAt as JSON', async () => {
    const token = await mint(
      ['--secret-env', 'JWT_SECRET', '--sub', 'alice', '--scope', 'chat admin', '--aud', 'api'],
      { env, now: at(NOW) },
    )
    const result = await cli(
      ['verify', '--secret-env', 'JWT_SECRET', '--alg', 'HS256', '--aud', 'api', token],
      { env, now: at(NOW + 1000) },
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      claims: {
        sub: 'alice',
        aud: 'api',
        scope: 'chat admin',
        iat: NOW / 1000,
        exp: NOW / 1000 + 300,
        jti: expect.any(String) as unknown,
      },
      expiresAt: new Date(NOW + 300_000).toISOString(),
    })
  })

  it('accepts HS256 alone, and says so, when a secret comes without --alg', async () => {
    const token = await mint(['--secret', SECRET])
    const ok = await cli(['verify', '--secret', SECRET, token])
    expect(ok.code).toBe(0)
    expect(ok.stderr).toBe('note: no --alg given; accepting HS256 only\n')
    const hs512 = await mint(['--secret', SECRET + SECRET, '--alg', 'HS512'])
    const stderr = expectRefused(
      await cli(['verify', '--secret', SECRET + SECRET, hs512]),
      'token_invalid',
      hs512,
    )
    expect(stderr).toContain('"HS512", which --alg does not accept (HS256)')
  })

  it('ES256 with a generated key: verifies with the public JWK printed on stderr', async () => {
    await using dir = await tempDir()
    const minted = await cli(['token', '--sub', 'bob', '--iss', 'https://dev.example'])
    expect(minted.code).toBe(0)
    const token = minted.stdout.trim()
    const jwk = printedJwk(minted.stderr)
    const file = await dir.write('key.json', JSON.stringify(jwk))
    const result = await cli([
      'verify',
      '--public-key',
      file,
      '--iss',
      'https://dev.example',
      token,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as { header: unknown; claims: { sub: string } }
    expect(out.header).toEqual({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })
    expect(out.claims.sub).toBe('bob')

    // The PEM it prints works too, with --alg.
    const pem = /-----BEGIN PUBLIC KEY-----[^]*?-----END PUBLIC KEY-----/.exec(minted.stderr)![0]
    const pemFile = await dir.write('key.pem', pem)
    expect((await cli(['verify', '--public-key', pemFile, '--alg', 'ES256', token])).code).toBe(0)
  })

  it('RS256 with a PEM key file made at test time, and its public PEM', async () => {
    await using dir = await tempDir()
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const keyFile = await dir.write('key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const pubFile = await dir.write('pub.pem', publicKey.export({ type: 'spki', format: 'pem' }))
    const token = await mint(['--key', keyFile, '--sub', 'carol', '--kid', 'rsa-1'])
    const result = await cli([
      'verify',
      '--public-key',
      pubFile,
      '--alg',
      'RS256',
      '--sub',
      'carol',
      token,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      header: { alg: 'RS256', kid: 'rsa-1' },
      claims: { sub: 'carol' },
    })
  })

  it('reads the token from stdin with -, surrounding whitespace and all', async () => {
    const token = await mint(['--secret', SECRET])
    const result = await cli(['verify', '--secret', SECRET, '--alg', 'HS256', '-'], {
      stdin: `  ${token}\n`,
    })
    expect(result.code).toBe(0)
  })

  it('--jwks-uri: verifies against a served JWK set, and knows a missing kid', async () => {
    const minted = await cli(['token', '--alg', 'EdDSA'])
    const token = minted.stdout.trim()
    await using server = await startKeyServer({ jwks: { keys: [printedJwk(minted.stderr)] } })
    const argv = ['verify', '--jwks-uri', server.url(JWKS_PATH), '--alg', 'EdDSA']
    expect((await cli([...argv, token])).code).toBe(0)

    const other = await mint(['--alg', 'EdDSA', '--kid', 'rotated-away'])
    const stderr = expectRefused(await cli([...argv, other]), 'key_not_found', other)
    expect(stderr).toContain('kid: "rotated-away"')
    expect(stderr).toContain(server.url(JWKS_PATH))
  })
})

// attack3 F6: the verifier accepts an `exp` beyond the Date range (it never expires), but
// printing it as an ISO date threw, and the CLI reported that as token_invalid, exit 12.
describe('sockguard verify: dates beyond the Date range (attack3 F6)', () => {
  const verifyHs = (token: string) =>
    cli(['verify', '--secret-env', 'JWT_SECRET', '--alg', 'HS256', token], {
      env,
      now: at(NOW),
    })
  const signed = (claims: Record<string, unknown>): string =>
    signJwt('HS256', SECRET, { sub: 'alice', iat: NOW / 1000, ...claims })

  it.each([
    ['exp 1e300', 1e300, 1e303],
    ['exp 8.64e12 + 1 s', 8.64e12 + 1, (8.64e12 + 1) * 1000],
  ])('%s: valid, as the verifier says; expiresAt is the number of ms', async (_, exp, ms) => {
    const result = await verifyHs(signed({ exp }))
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ claims: { exp }, expiresAt: ms })
  })

  it('exp whose ms overflow to Infinity: valid, expiresAt "Infinity" (JSON has no Infinity)', async () => {
    const result = await verifyHs(signed({ exp: 1e306 }))
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ expiresAt: 'Infinity' })
  })

  it('the last instant a Date holds is still an ISO time', async () => {
    const result = await verifyHs(signed({ exp: 8.64e12 }))
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ expiresAt: '+275760-09-13T00:00:00.000Z' })
  })

  it('nbf beyond the Date range: token_not_active, explained without an ISO date', async () => {
    const token = signed({ exp: NOW / 1000 + 60, nbf: 1e300 })
    const stderr = expectRefused(await verifyHs(token), 'token_not_active', token)
    expect(stderr).toContain('not valid before 1e+303 ms after 1970 (beyond the dates')
  })
})

describe('sockguard verify: --issuer-url', () => {
  it('discovers the key set and checks iss against the issuer', async () => {
    const minted = await cli(['token', '--iss', 'placeholder'])
    await using server = await startKeyServer({ jwks: { keys: [printedJwk(minted.stderr)] } })
    const argv = ['verify', '--issuer-url', server.origin, '--alg', 'ES256']

    const mintedHere = await cli(['token', '--iss', server.origin, '--kid', 'here'])
    server.setJwks({ keys: [printedJwk(minted.stderr), printedJwk(mintedHere.stderr)] })
    const ok = await cli([...argv, mintedHere.stdout.trim()])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)

    const token = minted.stdout.trim()
    const stderr = expectRefused(await cli([...argv, token]), 'claim_invalid', token)
    expect(stderr).toContain(
      `The token's issuer is "placeholder", and --issuer-url accepts ${JSON.stringify(server.origin)}.`,
    )
  })
})

describe('sockguard verify: refusals, one exit code each', () => {
  const verifyHs = (token: string, extra: readonly string[] = [], nowMs?: number) =>
    cli(['verify', '--secret-env', 'JWT_SECRET', '--alg', 'HS256', ...extra, token], {
      env,
      ...(nowMs === undefined ? {} : { now: at(nowMs) }),
    })

  it('token_missing: empty stdin', async () => {
    const result = await cli(['verify', '--secret', SECRET, '--alg', 'HS256', '-'], { stdin: '\n' })
    expect(expectRefused(result, 'token_missing', '')).toContain('No token was given on stdin.')
  })

  it('token_malformed: not three base64url segments', async () => {
    for (const token of ['not-a-jwt', 'eyJhbGciOiJIUzI1NiJ9.%%%.abc', 'a'.repeat(9000)]) {
      const stderr = expectRefused(await verifyHs(token), 'token_malformed', token)
      expect(stderr).toContain('copied whole')
    }
  })

  it('token_invalid: signed with another secret', async () => {
    const token = await mint(['--secret', 'another secret, just as long as the first.'])
    const stderr = expectRefused(await verifyHs(token), 'token_invalid', token)
    expect(stderr).toContain('The token signature is not valid.')
    expect(stderr).toContain('--secret-env (JWT_SECRET)')
  })

  it('token_invalid: a typ other than --typ', async () => {
    const token = await mint(['--secret', SECRET])
    const stderr = expectRefused(await verifyHs(token, ['--typ', 'at+jwt']), 'token_invalid', token)
    expect(stderr).toContain('typ is "JWT", and --typ requires "at+jwt"')
  })

  it('token_expired: says when, and how long ago', async () => {
    const token = await mint(['--secret', SECRET, '--ttl', '1m'], { now: at(NOW) })
    const result = await verifyHs(token, [], NOW + 90_000)
    const stderr = expectRefused(result, 'token_expired', token)
    expect(stderr).toContain('(claim: exp)')
    expect(stderr).toContain(
      `The token expired at ${new Date(NOW + 60_000).toISOString()} (30 s ago). Mint a new one, or raise --clock-tolerance`,
    )
    // Inside the tolerance it passes: the flag reaches the verifier.
    expect((await verifyHs(token, ['--clock-tolerance', '45s'], NOW + 90_000)).code).toBe(0)
  })

  it('token_expired: older than --max-age', async () => {
    const token = await mint(['--secret', SECRET, '--ttl', '1h'], { now: at(NOW) })
    const stderr = expectRefused(
      await verifyHs(token, ['--max-age', '10m'], NOW + 700_000),
      'token_expired',
      token,
    )
    expect(stderr).toContain('(claim: iat)')
    expect(stderr).toContain('older than --max-age')
  })

  it('token_not_active: nbf in the future', async () => {
    const token = await mint(['--secret', SECRET, '--nbf', '2m'], { now: at(NOW) })
    const stderr = expectRefused(await verifyHs(token, [], NOW), 'token_not_active', token)
    expect(stderr).toContain('(claim: nbf)')
    expect(stderr).toContain(`not valid before ${new Date(NOW + 120_000).toISOString()} (in 120 s)`)
    expect((await verifyHs(token, [], NOW + 120_000)).code).toBe(0)
  })

  it('token_not_active: issued in the future', async () => {
    const token = await mint(['--secret', SECRET], { now: at(NOW + 300_000) })
    const stderr = expectRefused(await verifyHs(token, [], NOW), 'token_not_active', token)
    expect(stderr).toContain('(claim: iat)')
  })

  it('claim_invalid: names aud, iss, sub or a required claim', async () => {
    const token = await mint(['--secret', SECRET, '--aud', 'api', '--iss', 'https://a.example'])
    const aud = expectRefused(await verifyHs(token, ['--aud', 'chat']), 'claim_invalid', token)
    expect(aud.split('\n')[0]).toBe('error: claim_invalid (claim: aud)')
    expect(aud).toContain('audience is "api", and --aud accepts "chat"')

    const iss = expectRefused(
      await verifyHs(token, ['--iss', 'https://b.example', '--iss', 'https://c.example']),
      'claim_invalid',
      token,
    )
    expect(iss.split('\n')[0]).toBe('error: claim_invalid (claim: iss)')
    expect(iss).toContain('--iss accepts "https://b.example", "https://c.example"')

    const sub = expectRefused(await verifyHs(token, ['--sub', 'root']), 'claim_invalid', token)
    expect(sub).toContain('(claim: sub)')
    expect(sub).toContain('--sub requires "root"')

    const req = expectRefused(
      await verifyHs(token, ['--require', 'tenant']),
      'claim_invalid',
      token,
    )
    expect(req).toContain('(claim: tenant)')
    expect(req).toContain('--claim tenant=')
  })

  it("key_not_found: a local JWK set without the token's kid", async () => {
    await using dir = await tempDir()
    const minted = await cli(['token', '--kid', 'k-2'])
    const token = minted.stdout.trim()
    const other = await cli(['token', '--kid', 'k-1'])
    const jwks = await dir.write('jwks.json', JSON.stringify({ keys: [printedJwk(other.stderr)] }))
    const stderr = expectRefused(
      await cli(['verify', '--jwks', jwks, token]),
      'key_not_found',
      token,
    )
    expect(stderr.split('\n')[0]).toBe('error: key_not_found (kid: "k-2")')
    // The right key set verifies it (the keys pin their alg, so no --alg is needed).
    const good = await dir.write('good.json', JSON.stringify({ keys: [printedJwk(minted.stderr)] }))
    expect((await cli(['verify', '--jwks', good, token])).code).toBe(0)
  })

  it('keys_unavailable: --jwks-uri on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/jwks.json`
    const token = await mint([])
    const result = await cli([
      'verify',
      '--jwks-uri',
      url,
      '--alg',
      'ES256',
      '--timeout',
      '2s',
      token,
    ])
    const stderr = expectRefused(result, 'keys_unavailable', token)
    expect(stderr).toContain(`The keys at ${url} could not be fetched (`)
    expect(stderr).toContain('ECONNREFUSED')
  })
})

describe('sockguard verify: usage errors', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldC10b2tlbg'

  async function usage(argv: readonly string[], flag: string, world = {}) {
    const result = await cli(['verify', ...argv], world)
    expect(result.stdout).toBe('')
    const first = result.stderr.split('\n')[0] ?? ''
    expect(first).toMatch(/^sockguard verify: /)
    expect(first).toContain(flag)
    expect(result.code).toBe(2)
    for (const part of token.split('.')) expect(result.stderr).not.toContain(part)
    return first
  }

  it('refuses unknown flags, missing values and a wrong number of arguments', async () => {
    await usage(['--secret', SECRET, '--audience', 'x', token], '--audience')
    await usage(['--secret', SECRET, token, '--aud'], '--aud')
    await usage(['--secret', SECRET], 'one token')
    await usage(['--secret', SECRET, token, token], 'one token')
  })

  it('needs exactly one key source', async () => {
    await usage([token], '--secret, --secret-env, --public-key, --jwks, --jwks-uri or --issuer-url')
    await usage(['--secret', SECRET, '--jwks', 'x.json', token], '--jwks')
  })

  it('passes on what the verifier refuses, named by flag', async () => {
    expect(await usage(['--secret', 'short', token], '--secret')).toContain('needs at least 32')
    await usage(['--secret-env', 'S', token], '--secret-env', { env: { S: 'short' } })
    await usage(['--secret-env', 'UNSET', token], '--secret-env')
    expect(await usage(['--secret', SECRET, '--alg', 'none', token], '--alg')).toContain('none')
    await usage(['--secret', SECRET, '--alg', 'HS256,RS256', token], '--alg')
    await usage(['--jwks-uri', 'https://id.example/jwks.json', token], '--alg')
    await usage(
      ['--jwks-uri', 'http://id.example/jwks.json', '--alg', 'RS256', token],
      '--jwks-uri',
    )
    await usage(['--issuer-url', 'not a url', '--alg', 'RS256', token], '--issuer-url')
    await usage(['--secret', SECRET, '--aud', '', token], '--aud')
  })

  it('refuses bad durations and flags that do not apply', async () => {
    await usage(['--secret', SECRET, '--clock-tolerance', '2m', token], '--clock-tolerance')
    await usage(['--secret', SECRET, '--max-age', '0', token], '--max-age')
    await usage(['--secret', SECRET, '--timeout', '1s', token], '--timeout')
  })

  it('refuses unreadable or wrong key files', async () => {
    await using dir = await tempDir()
    await usage(['--public-key', `${dir.path}/missing.pem`, token], '--public-key')
    const notJson = await dir.write('bad.json', '{ nope')
    await usage(['--jwks', notJson, token], '--jwks')
    const set = await dir.write('set.json', JSON.stringify({ keys: [] }))
    expect(await usage(['--public-key', set, token], '--public-key')).toContain('use --jwks')
    expect(await usage(['--jwks', set, token], '--jwks')).toContain('keys')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const priv = await dir.write('priv.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }))
    expect(await usage(['--public-key', priv, '--alg', 'ES256', token], '--public-key')).toContain(
      'private key',
    )
    const ec = JSON.stringify({
      ...privateKey.export({ format: 'jwk' }),
      d: undefined,
      alg: 'ES384',
    })
    const pinned = await dir.write('pinned.json', ec)
    expect(await usage(['--public-key', pinned, token], '--public-key (alg)')).toContain('ES384')
  })

  it('prints its help on --help and -h', async () => {
    for (const argv of [['--help'], ['-h'], ['--secret', 'x', '--help', token]]) {
      const result = await cli(['verify', ...argv])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Usage: sockguard verify/)
      for (const flag of ['--jwks-uri', '--issuer-url', '--clock-tolerance', '--max-age']) {
        expect(result.stdout).toContain(flag)
      }
    }
  })
})
