// The chat page (`web/index.html`) with a strict Content-Security-Policy: scripts from this
// origin only, plus the SHA-256 of each inline import map the page holds (an import map has to be
// inline, and hashing it keeps every other inline script blocked). The page learns the server's
// issuer mode from a `data-issuer` attribute on `<html>`: no inline script, no extra request.
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import type { NextFunction, Request, Response } from 'express'

/** The policy of every response; the page adds its import-map hashes to `script-src`. */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
  return [
    "default-src 'self'",
    `script-src ${["'self'", ...scriptHashes.map((h) => `'sha256-${h}'`)].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The SHA-256 (base64) of the text of each inline `<script type="importmap">` in `html`. */
export function importMapHashes(html: string): string[] {
  const hashes: string[] = []
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const attributes = match[1] ?? ''
    if (!/\btype\s*=\s*["']?importmap\b/i.test(attributes) || /\bsrc\s*=/i.test(attributes))
      continue
    hashes.push(
      createHash('sha256')
        .update(match[2] ?? '', 'utf8')
        .digest('base64'),
    )
  }
  return hashes
}

/**
 * How the page gets its tokens: `development` (the server's own issuer, a login form) or
 * `external` (an identity provider's tokens, pasted).
 */
export type PageIssuerMode = 'development' | 'external'

/**
 * `html` with `data-issuer="<mode>"` on its `<html>` element (any such attribute already there
 * replaced), so the page's script can read the mode without an inline script.
 */
export function withIssuerMode(html: string, mode: PageIssuerMode): string {
  return html.replace(/<html\b([^>]*)>/i, (_tag, attributes: string) => {
    const others = attributes.replace(/\s+data-issuer\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)/gi, '')
    return `<html data-issuer="${mode}"${others}>`
  })
}

/**
 * Creates the handler of `GET /`: the page at `file`, re-read (and re-hashed) when it changes,
 * marked with the issuer mode.
 *
 * @defaultValue `mode`: `'development'`
 * @example
 * app.get(['/', '/index.html'], servePage(join(root, 'web/index.html'), 'external'))
 */
export function servePage(
  file: string,
  mode: PageIssuerMode = 'development',
): (req: Request, res: Response, next: NextFunction) => void {
  let cached: { readonly mtimeMs: number; readonly html: string; readonly csp: string } | undefined

  const load = async (): Promise<typeof cached> => {
    const info = await stat(file).catch(() => undefined)
    if (info === undefined || !info.isFile()) return undefined
    if (cached?.mtimeMs !== info.mtimeMs) {
      const html = withIssuerMode(await readFile(file, 'utf8'), mode)
      cached = { mtimeMs: info.mtimeMs, html, csp: contentSecurityPolicy(importMapHashes(html)) }
    }
    return cached
  }

  return (_req, res, next) => {
    load().then(
      (page) => {
        if (page === undefined) {
          next()
          return
        }
        res
          .set('Content-Security-Policy', page.csp)
          .set('Cache-Control', 'no-cache')
          .type('html')
          .send(page.html)
      },
      (error: unknown) => {
        next(error)
      },
    )
  }
}
