// The reference chat page in a real Chromium against the real server (in-process, ephemeral
// port): logging in, chatting, presence, the in-place token refresh, an admin kick, a forbidden
// event and a tampered token, each as the user sees it. Any page error or console error (a
// Content-Security-Policy violation shows there) fails the test.
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startServer, type StartedServer } from '../../server/start-server.js'
import type { ServerConfig } from '../../server/config.js'

// The README's picture. Every run takes it; it replaces the committed one only when asked
// (`UPDATE_SCREENSHOT=1 npx vitest run --project browser`), so a test run leaves the tree clean.
const SCREENSHOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  process.env.UPDATE_SCREENSHOT === '1'
    ? '../../docs/images/reference-page.png'
    : '../../.tmp/reference-page.png',
)
const VIEWPORT = { width: 1200, height: 800 }

let browser: Browser

beforeAll(async () => {
  // Debian's Chromium (test/setup installs it), or SOCKGUARD_CHROMIUM; never a downloaded browser.
  browser = await chromium.launch({
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
})

afterAll(async () => {
  await browser.close()
})

/** A page of the chat, with the errors it logged. */
interface ChatPage {
  readonly page: Page
  /** `pageerror`s and console errors, in order. */
  readonly errors: string[]
}

/** A running server and the browser pages opened on it, closed together (pages first). */
interface Harness extends AsyncDisposable {
  readonly server: StartedServer
  open(): Promise<ChatPage>
}

async function harness(config: Partial<ServerConfig> = {}): Promise<Harness> {
  const server = await startServer({ port: 0, logLevel: 'silent', ...config })
  const contexts: BrowserContext[] = []
  return {
    server,
    async open() {
      // A context per page: separate storage, as two people on two machines.
      const context = await browser.newContext({ viewport: VIEWPORT })
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

type Scope = 'chat' | 'admin'

/** Logs in through the form and waits for the socket's handshake to succeed. */
async function logIn({ page }: ChatPage, username: string, scopes: Scope[]): Promise<string> {
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

async function socketId(page: Page): Promise<string> {
  const id = await page.locator('#connection').getAttribute('data-socket-id')
  expect(id).toMatch(/^[\w-]{8,}$/)
  return id!
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text)
  await page.getByLabel('Message', { exact: true }).press('Enter')
}

const presence = (page: Page): Promise<string[]> =>
  page.locator('#presence .person-name').allTextContents()

/** The chat's messages as `from: text` (the project has no DOM types: locators, not evaluate). */
async function messages(page: Page): Promise<string[]> {
  const from = await page.locator('#messages .message .from').allTextContents()
  const text = await page.locator('#messages .message .text').allTextContents()
  return from.map((name, i) => `${name}: ${text[i] ?? '?'}`)
}

/** Waits for the refusal notice and returns its code and sentence. */
async function refusal(page: Page): Promise<{ code: string; text: string }> {
  const notice = page.getByRole('alert')
  await notice.waitFor({ state: 'visible' })
  return {
    code: (await notice.locator('#notice-code').textContent()) ?? '',
    text: (await notice.locator('#notice-text').textContent()) ?? '',
  }
}

describe('the reference page', () => {
  it('lets two users chat and see each other online; saves the screenshot', async () => {
    await using h = await harness()
    const alice = await h.open()
    const bob = await h.open()
    await logIn(alice, 'alice', ['chat', 'admin'])
    await logIn(bob, 'bob', ['chat'])

    await expect.poll(() => presence(alice.page)).toEqual(['alice', 'bob'])
    await expect.poll(() => presence(bob.page)).toEqual(['alice', 'bob'])

    await send(alice.page, 'Hi Bob! My token refreshes itself before it expires.')
    await expect
      .poll(() => messages(bob.page))
      .toEqual(['alice: Hi Bob! My token refreshes itself before it expires.'])
    await send(bob.page, 'Nice. And the socket keeps its id when it does.')
    await send(alice.page, 'Try the Developer panel: a tampered token is refused as token_invalid.')
    const conversation = [
      'alice: Hi Bob! My token refreshes itself before it expires.',
      'bob: Nice. And the socket keeps its id when it does.',
      'alice: Try the Developer panel: a tampered token is refused as token_invalid.',
    ]
    await expect.poll(() => messages(alice.page)).toEqual(conversation)
    await expect.poll(() => messages(bob.page)).toEqual(conversation)

    // The admin panel follows the token's scope.
    await expect(alice.page.locator('#admin-panel').isVisible()).resolves.toBe(true)
    await expect(bob.page.locator('#admin-panel').isVisible()).resolves.toBe(false)
    await expect(alice.page.locator('#session-scope').textContent()).resolves.toBe('chatadmin')

    // The token stays in memory: never in the URL or in web storage.
    for (const { page } of [alice, bob]) {
      expect(page.url()).toBe(`${h.server.url}/`)
      await expect(
        page.evaluate<number>('window.localStorage.length + window.sessionStorage.length'),
      ).resolves.toBe(0)
    }

    await expect
      .poll(() => alice.page.locator('#countdown').textContent())
      .toMatch(/^[45]:\d\d left$/)
    // Checked before the screenshot, so a page broken by its CSP never replaces the image.
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
    await alice.page.getByLabel('Message', { exact: true }).blur()
    await mkdir(dirname(SCREENSHOT), { recursive: true })
    await alice.page.screenshot({ path: SCREENSHOT })
  })

  it('refreshes a short-lived token in place: same socket id, the countdown resets', async () => {
    await using h = await harness({ tokenTtlSeconds: 4 })
    const dave = await h.open()
    const id = await logIn(dave, 'dave', ['chat'])
    const countdown = dave.page.locator('#countdown')
    const firstExpiry = Number(await countdown.getAttribute('data-expires-at'))
    expect(firstExpiry).toBeGreaterThan(Date.now())

    // The guard warns at half the lifetime (2 s); the client refreshes in band, twice in a row.
    await expect
      .poll(() => dave.page.locator('#refreshes').getAttribute('data-refresh-count'), {
        timeout: 15_000,
      })
      .toBe('2')
    const expiry = Number(await countdown.getAttribute('data-expires-at'))
    expect(expiry).toBeGreaterThan(firstExpiry)
    await expect(countdown.textContent()).resolves.toMatch(/^0:0[1-4] left$/)

    // No reconnect: one handshake, the same socket id, still known to the server.
    await expect(socketId(dave.page)).resolves.toBe(id)
    expect(await dave.page.locator('#connection').getAttribute('data-connect-count')).toBe('1')
    expect(h.server.io.of('/').sockets.has(id)).toBe(true)
    await expect(dave.page.locator('#status').textContent()).resolves.toContain('refreshed')
    await expect(dave.page.getByRole('alert').isVisible()).resolves.toBe(false)

    // Still chatting on the refreshed token.
    await send(dave.page, 'still here')
    await expect.poll(() => messages(dave.page)).toEqual(['dave: still here'])
    expect(dave.errors).toEqual([])
  })

  it('shows the kicked user the revocation: token_revoked and why', async () => {
    await using h = await harness()
    const erin = await h.open()
    const frank = await h.open()
    await logIn(erin, 'erin', ['chat', 'admin'])
    await logIn(frank, 'frank', ['chat'])
    await expect.poll(() => presence(erin.page)).toEqual(['erin', 'frank'])

    await erin.page.getByLabel('Kick a user').fill('frank')
    await erin.page.getByRole('button', { name: 'Kick' }).click()

    await expect(refusal(frank.page)).resolves.toEqual({
      code: 'token_revoked',
      text: 'An administrator revoked your session. Log in again to continue.',
    })
    await expect(frank.page.locator('#status').getAttribute('data-state')).resolves.toBe('error')
    await expect(frank.page.locator('#message-input').isDisabled()).resolves.toBe(true)
    await expect.poll(() => presence(erin.page)).toEqual(['erin'])
    // The admin is told nothing went wrong.
    await expect(erin.page.getByRole('alert').isVisible()).resolves.toBe(false)

    // "Log in again" leads back to the form, the name kept.
    await frank.page.getByRole('button', { name: 'Log in again' }).click()
    await expect(frank.page.getByLabel('User name').inputValue()).resolves.toBe('frank')
    expect(erin.errors).toEqual([])
    expect(frank.errors).toEqual([])
  })

  it('shows forbidden for an event the token does not allow, and keeps the session', async () => {
    await using h = await harness()
    const grace = await h.open()
    await logIn(grace, 'grace', ['chat'])
    const { page } = grace
    await expect(page.locator('#admin-panel').isVisible()).resolves.toBe(false)

    // The Developer control shows the admin form without the admin scope.
    await page.getByText('Developer', { exact: true }).click()
    await page.getByLabel('Show admin tools without the admin scope').check()
    await page.getByLabel('Kick a user').fill('somebody')
    await page.getByRole('button', { name: 'Kick' }).click()
    await expect(refusal(page)).resolves.toEqual({
      code: 'forbidden',
      text: 'Your token does not allow that action.',
    })
    // One refused event does not end the session.
    await expect(page.getByRole('button', { name: 'Log in again' }).isVisible()).resolves.toBe(
      false,
    )
    await send(page, 'still allowed to chat')
    await expect.poll(() => messages(page)).toEqual(['grace: still allowed to chat'])

    // Without `chat`, a message is refused the same way.
    const heidi = await h.open()
    await logIn(heidi, 'heidi', [])
    await expect(heidi.page.locator('#composer-hint').isVisible()).resolves.toBe(true)
    await send(heidi.page, 'hello?')
    await expect(refusal(heidi.page)).resolves.toMatchObject({ code: 'forbidden' })
    await expect(heidi.page.getByLabel('Message', { exact: true }).inputValue()).resolves.toBe(
      'hello?',
    )
    await expect.poll(() => messages(page)).toEqual(['grace: still allowed to chat'])
    expect(grace.errors).toEqual([])
    expect(heidi.errors).toEqual([])
  })

  it('shows token_invalid for a tampered token and stops', async () => {
    await using h = await harness()
    const ivan = await h.open()
    const id = await logIn(ivan, 'ivan', ['chat'])
    const { page } = ivan

    await page.getByText('Developer', { exact: true }).click()
    await page.getByRole('button', { name: 'Tamper with the token and reconnect' }).click()
    await expect(refusal(page)).resolves.toEqual({
      code: 'token_invalid',
      text: 'The token’s signature does not verify: it was altered or issued by someone else.',
    })
    await expect(page.locator('#status').textContent()).resolves.toContain('token_invalid')
    // Refused at the handshake: no new connection, and the old one is gone from the server.
    expect(await page.locator('#connection').getAttribute('data-connect-count')).toBe('1')
    await expect.poll(() => h.server.io.of('/').sockets.has(id)).toBe(false)
    expect(h.server.io.of('/').sockets.size).toBe(0)
    expect(ivan.errors).toEqual([])
  })
})
