// The signed examples of RFC 7515 Appendix A (HS256, RS256, ES256, ES512) and RFC 8037
// Appendix A.4 (Ed25519), verified at the JWS layer and, for the JWTs, through createVerifier.
import { describe, expect, it } from 'vitest'
import { createVerifier } from '../../../src/index.js'
import { localKeySource } from '../../../src/keys/key-source.js'
import { importLocalKeySet } from '../../../src/keys/local-key-set.js'
import type { Algorithm } from '../../../src/jws/algorithms.js'
import type { VerifierOptions } from '../../../src/verifier/types.js'
import { createJwsVerifier, type VerifiedJws } from '../../../src/verifier/verify-jws.js'

// The payload of A.1 to A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
const JWT_PAYLOAD =
  'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
const JWT_CLAIMS = { iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true }
/** One second before the examples' `exp` (2011-03-22T18:43:00Z). */
const BEFORE_EXP_MS = 1300819380_000 - 1000

interface RfcExample {
  readonly name: string
  readonly alg: Algorithm
  /** The public JWK as the RFC prints it, private members (`d`, `p`, ...) left out. */
  readonly jwk: Readonly<Record<string, string>> & { readonly kty: string }
  readonly jws: string
  /** The protected header as decoded text. */
  readonly header: string
  /** The payload as decoded text. */
  readonly payload: string
  /** createVerifier options (key source) for the JWT examples; absent for non-JSON payloads. */
  readonly verifier?: (now: () => number) => VerifierOptions
}

/** RFC 7515 A.1: HMAC SHA-256, the 64-byte key of A.1.1. */
const A1_KEY = {
  kty: 'oct',
  k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
}

/** RFC 7515 A.2.1: the 2048-bit RSA key, public members only. */
const A2_KEY = {
  kty: 'RSA',
  n:
    'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql' +
    'L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsL' +
    'A9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8' +
    'NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  e: 'AQAB',
}

/** RFC 7515 A.3.1: the P-256 key, public members only. */
const A3_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
}

/** RFC 7515 A.4.1: the P-521 key, public members only. */
const A4_KEY = {
  kty: 'EC',
  crv: 'P-521',
  x: 'AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk',
  y: 'ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2',
}

/** RFC 8037 A.2: the Ed25519 public key. */
const ED25519_KEY = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }

const EXAMPLES: readonly RfcExample[] = [
  {
    name: 'RFC 7515 A.1 (HS256)',
    alg: 'HS256',
    jwk: A1_KEY,
    jws:
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.' +
      JWT_PAYLOAD +
      '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    header: '{"typ":"JWT",\r\n "alg":"HS256"}',
    payload: '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
    verifier: (now) => ({
      secret: Buffer.from(A1_KEY.k, 'base64url'),
      algorithms: ['HS256'],
      now,
    }),
  },
  {
    name: 'RFC 7515 A.2 (RS256)',
    alg: 'RS256',
    jwk: A2_KEY,
    jws:
      'eyJhbGciOiJSUzI1NiJ9.' +
      JWT_PAYLOAD +
      '.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5' +
      'jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07' +
      'Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI' +
      '8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
    header: '{"alg":"RS256"}',
    payload: '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
    verifier: (now) => ({ publicKey: A2_KEY, algorithms: ['RS256'], now }),
  },
  {
    name: 'RFC 7515 A.3 (ES256)',
    alg: 'ES256',
    jwk: A3_KEY,
    jws:
      'eyJhbGciOiJFUzI1NiJ9.' +
      JWT_PAYLOAD +
      '.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
    header: '{"alg":"ES256"}',
    payload: '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
    verifier: (now) => ({ publicKey: A3_KEY, algorithms: ['ES256'], now }),
  },
  {
    // The payload is the text "Payload", not a claims set: JWS layer only.
    name: 'RFC 7515 A.4 (ES512)',
    alg: 'ES512',
    jwk: A4_KEY,
    jws:
      'eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq' +
      'wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9E' +
      'RBXukOXolLzeO_Jn',
    header: '{"alg":"ES512"}',
    payload: 'Payload',
  },
  {
    // RFC 8037 A.4 signs the text "Example of Ed25519 signing": JWS layer only.
    name: 'RFC 8037 A.4 (Ed25519)',
    alg: 'EdDSA',
    jwk: ED25519_KEY,
    jws:
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AI' +
      'bQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    header: '{"alg":"EdDSA"}',
    payload: 'Example of Ed25519 signing',
  },
]

/** The JWS layer over a one-key set; the RFC keys carry no `alg`, so the example's is given. */
function jwsVerifier(example: RfcExample): (token: string) => VerifiedJws {
  const { index, keys } = importLocalKeySet({ keys: [example.jwk] }, [example.alg])
  const verify = createJwsVerifier(
    {
      algorithms: new Set(keys.flatMap((key) => [...key.algorithms])),
      typ: undefined,
      refuseNonAccess: true,
    },
    localKeySource(index),
  )
  return (token) => {
    const result = verify(token)
    if (result instanceof Promise) throw new Error('a local key set must verify synchronously')
    return result
  }
}

/** The token with one byte of its signature changed, still canonical base64url. */
function withFlippedSignatureByte(jws: string): string {
  const dot = jws.lastIndexOf('.')
  const signature = Buffer.from(jws.slice(dot + 1), 'base64url')
  const at = signature.length >> 1
  signature[at] = (signature[at] ?? 0) ^ 0x01
  return `${jws.slice(0, dot + 1)}${signature.toString('base64url')}`
}

// `[name, example]` rows, so that `%s` prints the name unquoted and whole.
const JWS_ROWS = EXAMPLES.map((example) => [example.name, example] as const)
const JWT_ROWS = EXAMPLES.filter((example) => example.verifier !== undefined).map(
  (example) => [`${example.name} through createVerifier`, example] as const,
)

describe.each(JWS_ROWS)('%s', (_name, example) => {
  it('holds the header and payload the RFC prints', () => {
    const [header, payload] = example.jws.split('.')
    expect(Buffer.from(header ?? '', 'base64url').toString('utf8')).toBe(example.header)
    expect(Buffer.from(payload ?? '', 'base64url').toString('utf8')).toBe(example.payload)
  })

  it('verifies at the JWS layer', () => {
    const { checked, payload } = jwsVerifier(example)(example.jws)
    expect(checked.spec.name).toBe(example.alg)
    expect(payload.toString('utf8')).toBe(example.payload)
  })

  it('rejects the token with one signature byte flipped as token_invalid', () => {
    const tampered = withFlippedSignatureByte(example.jws)
    expect(tampered).not.toBe(example.jws)
    expect(() => jwsVerifier(example)(tampered)).toThrow(
      expect.objectContaining({ code: 'token_invalid' }) as Error,
    )
  })
})

describe.each(JWT_ROWS)('%s', (_name, example) => {
  const options = (nowMs: number): VerifierOptions => {
    if (example.verifier === undefined) throw new Error('not a JWT example')
    return example.verifier(() => nowMs)
  }

  it('returns the claims while the token is current', async () => {
    const verified = await createVerifier(options(BEFORE_EXP_MS)).verify(example.jws)
    expect(verified.claims).toEqual(JWT_CLAIMS)
    expect(verified.claims['http://example.com/is_root']).toBe(true)
    expect(verified.header.alg).toBe(example.alg)
    expect(verified.expiresAt).toBe(JWT_CLAIMS.exp * 1000)
  })

  it('reports token_expired once exp has passed', async () => {
    await expect(
      createVerifier(options(JWT_CLAIMS.exp * 1000 + 1000)).verify(example.jws),
    ).rejects.toMatchObject({ code: 'token_expired' })
  })

  it('reports token_invalid for a flipped signature byte', async () => {
    await expect(
      createVerifier(options(BEFORE_EXP_MS)).verify(withFlippedSignatureByte(example.jws)),
    ).rejects.toMatchObject({ code: 'token_invalid' })
  })
})
