// Fetches a small JSON document for a key source or an introspection endpoint: https only (plain
// http for loopback hosts), no redirects, a timeout, and a cap on the body read before parsing.

/** Limits of one fetch. */
export interface FetchJsonOptions {
  readonly timeoutMs: number
  readonly maxResponseBytes: number
  readonly fetch: typeof globalThis.fetch
}

/**
 * A request other than the default `GET` with `accept: application/json`: the introspection
 * endpoint's form POST (RFC 7662 §2.1). Headers are added to `accept`.
 */
export interface FetchJsonRequest {
  readonly method: 'POST'
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Why a fetch failed, in words safe for logs (no response body). */
export class FetchJsonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FetchJsonError'
  }
}

/** True for hosts that never leave this machine, where plain http is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\.(?:\d{1,3})\.(?:\d{1,3})\.(?:\d{1,3})$/.test(host)
  )
}

/** True when `url` may be fetched for key material. */
export function isAllowedKeyUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

/**
 * Fetches `url` and parses its body as JSON.
 * @throws {FetchJsonError} on a network error, timeout, redirect, non-200 status, oversized or
 * non-JSON body.
 */
export async function fetchJson(
  url: URL,
  options: FetchJsonOptions,
  request?: FetchJsonRequest,
): Promise<unknown> {
  let response: Response
  try {
    response = await options.fetch(url, {
      method: request?.method ?? 'GET',
      headers: { accept: 'application/json', ...request?.headers },
      ...(request === undefined ? {} : { body: request.body }),
      // A redirect could lead a key lookup to a host the configuration never named.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError'
    throw new FetchJsonError(
      timedOut ? `timed out after ${options.timeoutMs} ms` : 'request failed',
      { cause },
    )
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel()
    throw new FetchJsonError(`redirect (${response.status}) refused`)
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new FetchJsonError(`unexpected status ${response.status}`)
  }
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > options.maxResponseBytes) {
    await response.body?.cancel()
    throw new FetchJsonError(`response larger than ${options.maxResponseBytes} bytes`)
  }
  const text = await readCapped(response, options.maxResponseBytes)
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new FetchJsonError('response is not JSON', { cause })
  }
}

async function readCapped(response: Response, max: number): Promise<string> {
  if (response.body === null) return ''
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > max) {
        await reader.cancel()
        throw new FetchJsonError(`response larger than ${max} bytes`)
      }
      chunks.push(value)
    }
  } catch (cause) {
    if (cause instanceof FetchJsonError) throw cause
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError'
    throw new FetchJsonError(
      timedOut ? 'timed out reading the response' : 'reading the response failed',
      { cause },
    )
  }
  return Buffer.concat(chunks).toString('utf8')
}
