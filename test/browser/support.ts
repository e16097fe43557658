// Shared by the browser tests: Debian's Chromium, the reference server with pages opened on it,
// and the steps a user takes on the page. Assertions read what the user sees.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect, inject } from 'vitest'
import { startServer, type StartedServer } from '../../server/start-server.js'
import type { ServerConfig } from '../../server/config.js'
import { signJwt } from '../support/sign.js'

/** The viewport of the existing tests (and of the README's picture). */
export const DEFAULT_VIEWPORT = { width: 1200, height: 800 }

/**
 * Launches Debian's Chromium (test/setup installs it when missing), or `SOCKGUARD_CHROMIUM`;
 * playwright-core never downloads a browser.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** A page of the chat, with the errors it logged. */
export interface ChatPage {
  readonly page: Page
  /** `pageerror`s and console errors, in order. */
  readonly errors: string[]
}

/** A running server and the browser pages opened on it, closed together (pages first). */
export interface Harness extends AsyncDisposable {
  readonly server: StartedServer
  open(viewport?: { width: number; height: number }): Promise<ChatPage>
}

/** Starts the reference server (ephemeral port, silent) for pages of `browser`. */
export async function harness(
  browser: Browser,
  config: Partial<ServerConfig> = {},
): Promise<Harness> {
  const server = await startServer({ port: 0, logLevel: 'silent', ...config })
  const contexts: BrowserContext[] = []
  return {
    server,
    async open(viewport = DEFAULT_VIEWPORT) {
      // A context per page: separate storage, as two people on two machines.
      const context = await browser.newContext({ viewport })
      contexts.push(context)
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`)
      })
      const response = await page.goto(server.url)
      expect(response?.status()).toBe(200)
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
      // Set by app.js as its last line: the modules (and the import map) loaded under the CSP.
      await page.waitForSelector('html[data-ready="true"]')
      return { page, errors }
    },
    async [Symbol.asyncDispose]() {
      // Pages before the server, so no page sees its server vanish and logs about it.
      for (const context of contexts) await context.close()
      await server.close()
    },
  }
}

export type Scope = 'chat' | 'admin'

/** Logs in through the form and waits for the socket's handshake to succeed. */
export async function logIn(
  { page }: ChatPage,
  username: string,
  scopes: Scope[],
): Promise<string> {
  await page.getByLabel('User name').fill(username)
  for (const scope of ['chat', 'admin'] as const) {
    await page.locator(`input[name="scope"][value="${scope}"]`).setChecked(scopes.includes(scope))
  }
  // From the keyboard: Enter in the name field submits the form.
  await page.getByLabel('User name').press('Enter')
  await page.waitForSelector('#connection[data-connect-count="1"]')
  // The page connects over WebSocket first (long-polling is its fallback).
  await page.waitForSelector('#transport[data-transport="websocket"]')
  return socketId(page)
}

/** The socket id the page shows. */
export async function socketId(page: Page): Promise<string> {
  const id = await page.locator('#connection').getAttribute('data-socket-id')
  expect(id).toMatch(/^[\w-]{8,}$/)
  return id!
}

/** Sends a chat message from the keyboard. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text)
  await page.getByLabel('Message', { exact: true }).press('Enter')
}

/** The names in the Online list. */
export const presence = (page: Page): Promise<string[]> =>
  page.locator('#presence .person-name').allTextContents()

/** The chat's messages as `from: text` (the project has no DOM types: locators, not evaluate). */
export async function messages(page: Page): Promise<string[]> {
  const from = await page.locator('#messages .message .from').allTextContents()
  const text = await page.locator('#messages .message .text').allTextContents()
  return from.map((name, i) => `${name}: ${text[i] ?? '?'}`)
}

/** Waits for the refusal notice and returns its code and sentence. */
export async function refusal(page: Page): Promise<{ code: string; text: string }> {
  const notice = page.getByRole('alert')
  await notice.waitFor({ state: 'visible' })
  return {
    code: (await notice.locator('#notice-code').textContent()) ?? '',
    text: (await notice.locator('#notice-text').textContent()) ?? '',
  }
}

/** The HMAC secret of the external issuer the tests play (`JWT_SECRET`). */
export const EXTERNAL_SECRET = 'an-external-issuers-secret-of-48-bytes-for-hs256'

/** A token as the identity provider would issue it: HS256, `sub`, `scope`, `exp`. */
export function mint(
  sub: string,
  lifetimeSeconds: number,
  { secret = EXTERNAL_SECRET, scope = 'chat' }: { secret?: string; scope?: string } = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000)
  return Promise.resolve(signJwt('HS256', secret, { scope, sub, iat, exp: iat + lifetimeSeconds }))
}

/** Pastes a token into the sign-in field and connects. */
export async function paste(page: Page, token: string): Promise<void> {
  // With the surrounding whitespace (and line break) a copy from a terminal brings along.
  await page.getByLabel('Access token').fill(`  ${token}\n`)
  await page.getByRole('button', { name: 'Connect' }).click()
}
