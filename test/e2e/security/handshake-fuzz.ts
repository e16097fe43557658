// The handshake fuzzer shared by handshake-fuzz.test.ts (a few hundred cases in `npm test`) and
// scripts/fuzz-handshake.ts (the large run): arbitrary `auth` objects, query values and
// Authorization / Cookie / Origin headers sent by a real socket.io-client to a guarded server that
// reads every token source, and the check of each outcome.
import fc from 'fast-check'
import type { Socket } from 'socket.io'
import { io as connectClient } from 'socket.io-client'
import { AUTH_ERROR_CODES, type SocketAuth } from '../../../src/index.js'
import { startServer, type TestIssuer, type TestServer } from '../../support/socket-server.js'
import { outcome, type Outcome } from './support.js'

/** The one origin allowed to authenticate with a cookie. */
export const APP_ORIGIN = 'https://app.example'

/** A token the harness signs at run time (`n` makes it unique to its case). */
interface ValidSpec {
  readonly kind: 'valid'
  readonly sub: string
  readonly ttl: number
  readonly bearer: boolean
}

/** A valid token changed in one place. */
interface MutatedSpec {
  readonly kind: 'mutated'
  readonly op: 'flip' | 'truncate' | 'append' | 'alg-none' | 'drop-signature' | 'swap-segments'
  readonly at: number
  readonly char: string
}

/** A value sent as is. */
interface RawSpec {
  readonly kind: 'raw'
  readonly value: unknown
}

/** What goes where a token could be. */
export type TokenSpec = ValidSpec | MutatedSpec | RawSpec

/** One fuzzed handshake. */
export interface HandshakeCase {
  readonly transport: 'websocket' | 'polling'
  readonly auth: { readonly token?: TokenSpec; readonly extra: Record<string, unknown> }
  readonly query: { readonly token?: TokenSpec; readonly extra: Record<string, string> }
  readonly authorization: TokenSpec | undefined
  readonly cookie: TokenSpec | undefined
  readonly origin: string | undefined
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const validSpec: fc.Arbitrary<ValidSpec> = fc.record({
  kind: fc.constant('valid' as const),
  sub: fc.constantFrom('alice', 'bob', 'carol'),
  ttl: fc.integer({ min: 60, max: 86_400 }),
  bearer: fc.boolean(),
})

const mutatedSpec: fc.Arbitrary<MutatedSpec> = fc.record({
  kind: fc.constant('mutated' as const),
  op: fc.constantFrom(
    'flip' as const,
    'truncate' as const,
    'append' as const,
    'alg-none' as const,
    'drop-signature' as const,
    'swap-segments' as const,
  ),
  at: fc.nat(),
  char: fc.constantFrom(...B64URL.split(''), '.', '=', ' ', '+', '/', '\u0000', 'é'),
})

/** Characters a header value may hold (RFC 9110 field-vchar, SP, HTAB, obs-text). */
const headerChar = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code))

/** Header-safe text up to `max` characters. */
const headerText = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: headerChar, maxLength: max })

/** Nested arrays or objects `depth` deep. */
function nested(depth: number, objects: boolean): unknown {
  let value: unknown = objects ? {} : []
  for (let i = 0; i < depth; i++) value = objects ? { a: value } : [value]
  return value
}

/** Anything JSON, strings with control characters and lone surrogates, huge and deep values. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 8_000, max: 60_000 }), fc.constantFrom('a', '.', '\u0000', 'é'))
      .map(([length, char]) => char.repeat(length)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 3_000 }), fc.boolean())
      .map(([depth, objects]) => nested(depth, objects)),
  },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.string({ unit: fc.constantFrom(...B64URL.split('')), maxLength: 60 }), {
        minLength: 1,
        maxLength: 5,
      })
      .map((segments) => segments.join('.')),
  },
)

/** Query values: well-formed strings (socket.io-client encodes them with encodeURIComponent). */
const queryText = fc.string({ unit: 'grapheme', maxLength: 200 })

const tokenSpec = (raw: fc.Arbitrary<unknown>): fc.Arbitrary<TokenSpec> =>
  fc.oneof(
    { weight: 3, arbitrary: validSpec },
    { weight: 4, arbitrary: mutatedSpec },
    { weight: 5, arbitrary: raw.map((value): RawSpec => ({ kind: 'raw', value })) },
  )

/** Keys that are not `token`, for the other members of auth and query. */
const otherKey = fc.string({ maxLength: 12 }).filter((key) => key !== 'token')

/** Generates one fuzzed handshake. */
export const handshakeCase: fc.Arbitrary<HandshakeCase> = fc.record({
  transport: fc.constantFrom('websocket' as const, 'websocket' as const, 'polling' as const),
  auth: fc.record(
    {
      token: tokenSpec(anyValue),
      extra: fc.dictionary(otherKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
    },
    { requiredKeys: ['extra'] },
  ),
  query: fc.record(
    {
      token: tokenSpec(queryText),
      extra: fc.dictionary(
        otherKey.filter((key) => !['EIO', 'transport', 'sid', 't', 'j', 'b64'].includes(key)),
        queryText,
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: ['extra'] },
  ),
  authorization: fc.option(tokenSpec(headerText(4_000)), { nil: undefined }),
  cookie: fc.option(tokenSpec(headerText(2_000)), { nil: undefined }),
  origin: fc.constantFrom(undefined, APP_ORIGIN, 'https://evil.example', 'null'),
})

/** A guarded server reading every token source, and what it saw. */
export interface FuzzServer extends TestServer {
  /** Claims `n` of every socket that connected, and whether its handshake still held a token. */
  readonly admitted: Map<string, { readonly n: unknown; readonly handshake: string }>
}

/** Starts the server the fuzzer attacks (no rate limit: every case is judged on its own). */
export async function startFuzzServer(): Promise<FuzzServer> {
  const admitted = new Map<string, { n: unknown; handshake: string }>()
  const server = await startServer({
    guard: { tokenFrom: ['auth', 'header', 'cookie', 'query'], allowedOrigins: [APP_ORIGIN] },
    setup: (io) => {
      io.on('connection', (socket: Socket) => {
        const { claims } = (socket.data as { auth: SocketAuth }).auth
        admitted.set(socket.id, { n: claims.n, handshake: JSON.stringify(socket.handshake) })
      })
    },
  })
  return Object.assign(server, { admitted })
}

let counter = 0

/** A fresh valid token and the unique `n` it carries. */
function validToken(issuer: TestIssuer, sub: string, ttl: number): { token: string; n: number } {
  const n = ++counter
  const iat = Math.floor(Date.now() / 1000)
  return { token: issuer.sign({ sub, iat, exp: iat + ttl, n }), n }
}

function mutate(token: string, spec: MutatedSpec): string {
  const at = spec.at % token.length
  const [header = '', payload = '', signature = ''] = token.split('.')
  switch (spec.op) {
    case 'flip': {
      const replacement = token[at] === spec.char ? (spec.char === 'A' ? 'B' : 'A') : spec.char
      return token.slice(0, at) + replacement + token.slice(at + 1)
    }
    case 'truncate':
      return token.slice(0, Math.max(1, at))
    case 'append':
      return token + spec.char.repeat(1 + (spec.at % 4))
    case 'alg-none':
      return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`
    case 'drop-signature':
      return `${header}.${payload}.`
    case 'swap-segments':
      return `${payload}.${header}.${signature}`
  }
}

/**
 * A token spec made concrete: the value, and the valid token it is (or was made from) with its
 * `n`. A mutation can be undone on the way (HTTP trims trailing spaces of a header), so whether
 * the value is still that token is decided once it is known how it travels.
 */
function materialize(
  spec: TokenSpec,
  issuer: TestIssuer,
): { value: unknown; token?: string; n?: number } {
  if (spec.kind === 'raw') return { value: spec.value }
  const { token, n } = validToken(issuer, spec.kind === 'valid' ? spec.sub : 'mallory', 600)
  if (spec.kind === 'valid') return { value: spec.bearer ? `Bearer ${token}` : token, token, n }
  return { value: mutate(token, spec), token, n }
}

/** What one case sent, as the checks need it. */
export interface SentCase {
  /** `n` of the valid tokens sent, per source. */
  readonly valid: { auth?: number; header?: number; cookie?: number; query?: number }
  /** Every valid token sent (for the leak check). */
  readonly tokens: string[]
}

/** The verdict on one case: `undefined` when it passed, else why it failed. */
export type Verdict = string | undefined

const CODES: ReadonlySet<string> = new Set(AUTH_ERROR_CODES)

/** Sends one case through a real client, waits (bounded) for its end and checks it. */
export async function runHandshakeCase(
  server: FuzzServer,
  fuzz: HandshakeCase,
  timeoutMs = 5_000,
): Promise<{ outcome: Outcome | undefined; verdict: Verdict }> {
  const sent: SentCase = { valid: {}, tokens: [] }
  /** Records a valid token in `source` when `received` (what the guard reads) is still it. */
  const note = (
    source: keyof SentCase['valid'],
    made: { value: unknown; token?: string; n?: number },
    received: unknown,
  ): void => {
    if (made.token === undefined || made.n === undefined) return
    sent.tokens.push(made.token)
    const stripped = typeof received === 'string' ? received.replace(/^Bearer +/i, '') : received
    if (stripped === made.token) sent.valid[source] = made.n
  }
  const auth: Record<string, unknown> = { ...fuzz.auth.extra }
  if (fuzz.auth.token !== undefined) {
    const made = materialize(fuzz.auth.token, server.issuer)
    auth.token = made.value
    note('auth', made, made.value)
  }
  const query: Record<string, string> = { ...fuzz.query.extra }
  if (fuzz.query.token !== undefined) {
    const made = materialize(fuzz.query.token, server.issuer)
    // Only strings travel in a query; socket.io-client would send String(value) anyway.
    query.token =
      typeof made.value === 'string'
        ? made.value.replace(/[\ud800-\udfff]/g, '')
        : String(made.value)
    // The guard drops a leading `Bearer ` from a token wherever it came from.
    note('query', made, query.token)
  }
  const headers: Record<string, string> = {}
  if (fuzz.authorization !== undefined) {
    const made = materialize(fuzz.authorization, server.issuer)
    const value = headerSafe(made.value)
    headers.authorization = `Bearer ${value}`
    // HTTP drops leading and trailing whitespace of a header value.
    note('header', made, value.trim())
  }
  if (fuzz.cookie !== undefined) {
    const made = materialize(fuzz.cookie, server.issuer)
    const value = headerSafe(made.value)
    headers.cookie = `theme=dark; token=${value}`
    note('cookie', made, value.split(';')[0]!.trim())
  }
  if (fuzz.origin !== undefined) headers.origin = fuzz.origin

  const client = connectClient(server.url, {
    transports: [fuzz.transport],
    reconnection: false,
    forceNew: true,
    auth,
    query,
    extraHeaders: headers,
  })
  let result: Outcome | undefined
  try {
    result = await outcome(client, timeoutMs)
  } catch (error) {
    client.close()
    return { outcome: undefined, verdict: error instanceof Error ? error.message : String(error) }
  }
  const id = client.id
  client.close()
  return { outcome: result, verdict: judge(server, sent, fuzz, result, id) }
}

/** A header value as a client could send it: `Bearer ` already stripped, text made safe. */
function headerSafe(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value.replace(/^Bearer /, '')
      : value === undefined
        ? ''
        : JSON.stringify(value)
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 6_000)
}

function judge(
  server: FuzzServer,
  sent: SentCase,
  fuzz: HandshakeCase,
  result: Outcome,
  id: string | undefined,
): Verdict {
  if (result.kind === 'disconnect') return `disconnected before connecting: ${result.reason}`
  if (result.kind === 'connect_error') {
    const data = result.data as { code?: unknown; message?: unknown } | undefined
    if (typeof data?.code !== 'string' || !CODES.has(data.code))
      return `refused without a known code: ${result.message} ${JSON.stringify(data)}`
    if (typeof data.message !== 'string') return 'refused without a message'
    // A valid token in auth.token (read first) must be accepted.
    if (sent.valid.auth !== undefined) return `a valid auth.token was refused: ${data.code}`
    return leaked(JSON.stringify(result), sent.tokens)
  }
  const seen = id === undefined ? undefined : server.admitted.get(id)
  if (id !== undefined) server.admitted.delete(id)
  if (seen === undefined) return 'connected, but the app never saw the socket'
  // The socket must be authenticated by a valid token of this very case, from a source read in
  // order: auth first, then the header, then the cookie (only under an allowed or no Origin).
  const cookieOk = fuzz.origin === undefined || fuzz.origin === APP_ORIGIN
  const candidates = [
    sent.valid.auth,
    sent.valid.header,
    cookieOk ? sent.valid.cookie : undefined,
    sent.valid.query,
  ].filter((n) => n !== undefined)
  if (!candidates.includes(seen.n as number))
    return `connected with claims n=${String(seen.n)}, not a valid token of this case`
  if (sent.valid.auth !== undefined && seen.n !== sent.valid.auth)
    return 'auth.token was not the token used'
  return leaked(seen.handshake, sent.tokens)
}

function leaked(text: string, tokens: readonly string[]): Verdict {
  for (const token of tokens) {
    const signature = token.split('.')[2] ?? token
    if (text.includes(signature)) return 'a token signature is in what the client or app sees'
  }
  return undefined
}
