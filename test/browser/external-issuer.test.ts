// The reference page when the server trusts an external issuer (here `JWT_SECRET`, with tokens
// minted by the test as an identity provider would): no login form, a field to paste a token,
// the countdown, a refresh by pasting a new token on the same socket, and every refusal's code.
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  harness,
  EXTERNAL_SECRET as SECRET,
  launchBrowser,
  messages,
  mint,
  paste,
  presence,
  refusal,
  send,
  socketId,
  type ChatPage,
} from './support.js'

const OTHER_SECRET = 'somebody-elses-secret-that-is-long-enough-too!!!'

// Photographs to look at (not compared): the sign-in field and the session with its refresh field.
const SHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../.tmp')

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

afterAll(async () => {
  await browser.close()
})

/** Pastes a new token into the session's refresh field and sends it. */
async function pasteRefresh(page: Page, token: string): Promise<void> {
  await page.getByLabel('Refresh with a new token').fill(token)
  await page.getByRole('button', { name: 'Use this token' }).click()
}

async function connected({ page }: ChatPage): Promise<string> {
  await page.waitForSelector('#connection[data-connect-count="1"]')
  return socketId(page)
}

const refreshCount = (page: Page): Promise<string | null> =>
  page.locator('#refreshes').getAttribute('data-refresh-count')

const expiresAt = async (page: Page): Promise<number> =>
  Number(await page.locator('#countdown').getAttribute('data-expires-at'))

describe('the reference page with an external issuer (JWT_SECRET)', () => {
  it('offers a token field instead of the login form; the development server keeps its form', async () => {
    await using external = await harness(browser, { jwtSecret: SECRET })
    const { page, errors } = await external.open()
    await expect(page.locator('html').getAttribute('data-issuer')).resolves.toBe('external')
    await expect(page.getByLabel('Access token').isVisible()).resolves.toBe(true)
    await expect(page.getByLabel('User name').isVisible()).resolves.toBe(false)
    // The session's refresh field belongs to this mode only.
    expect(await page.locator('#refresh-form').count()).toBe(1)
    expect(errors).toEqual([])
    await page.screenshot({ path: resolve(SHOTS, 'external-sign-in.png') })

    await using development = await harness(browser)
    const dev = await development.open()
    await expect(dev.page.locator('html').getAttribute('data-issuer')).resolves.toBe('development')
    await expect(dev.page.getByLabel('User name').isVisible()).resolves.toBe(true)
    await expect(dev.page.getByLabel('Access token').isVisible()).resolves.toBe(false)
    expect(dev.errors).toEqual([])
  })

  it('connects with a pasted token, chats, counts down, and refreshes on the same socket', async () => {
    await using h = await harness(browser, { jwtSecret: SECRET })
    const alice = await h.open()
    const { page } = alice
    await paste(page, await mint('alice', 60))
    const id = await connected(alice)
    // The token is out of the field once used: it lives in the page's memory only.
    await expect(page.getByLabel('Access token').inputValue()).resolves.toBe('')

    await expect.poll(() => presence(page)).toEqual(['alice'])
    await expect(page.locator('#session-user').textContent()).resolves.toBe('alice')
    await send(page, 'hello from a pasted token')
    await expect.poll(() => messages(page)).toEqual(['alice: hello from a pasted token'])
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^(1:00|0:5\d) left$/)
    const firstExpiry = await expiresAt(page)

    await pasteRefresh(page, await mint('alice', 120))
    await expect.poll(() => refreshCount(page)).toBe('1')
    expect(await expiresAt(page)).toBeGreaterThan(firstExpiry + 30_000)
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^(2:00|1:5\d) left$/)
    // In band: the same socket, one handshake, still known to the server.
    await expect(socketId(page)).resolves.toBe(id)
    expect(await page.locator('#connection').getAttribute('data-connect-count')).toBe('1')
    expect(h.server.io.of('/').sockets.has(id)).toBe(true)
    await expect(page.getByLabel('Refresh with a new token').inputValue()).resolves.toBe('')
    await send(page, 'still here')
    await expect
      .poll(() => messages(page))
      .toEqual(['alice: hello from a pasted token', 'alice: still here'])
    expect(alice.errors).toEqual([])
    await page.getByLabel('Message', { exact: true }).blur()
    await page.screenshot({ path: resolve(SHOTS, 'external-session.png') })
  })

  it('asks for a new token when the server warns of expiry, and the paste refreshes in place', async () => {
    await using h = await harness(browser, { jwtSecret: SECRET })
    const bob = await h.open()
    const { page } = bob
    // Warned at half its lifetime (5 s): the page cannot get a token itself, so it asks.
    await paste(page, await mint('bob', 10))
    const id = await connected(bob)
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 15_000 })
      .toContain('paste a new one')
    // Nothing was sent meanwhile (the same token again would be no refresh): a round trip later,
    // still no refresh.
    await send(page, 'before the paste')
    await expect.poll(() => messages(page)).toEqual(['bob: before the paste'])
    expect(await refreshCount(page)).toBe('0')
    await pasteRefresh(page, await mint('bob', 300))
    await expect.poll(() => refreshCount(page)).toBe('1')
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^[45]:\d\d left$/)
    await expect(socketId(page)).resolves.toBe(id)
    expect(h.server.io.of('/').sockets.has(id)).toBe(true)
    await send(page, 'after the warning')
    await expect
      .poll(() => messages(page))
      .toEqual(['bob: before the paste', 'bob: after the warning'])
    expect(await refreshCount(page)).toBe('1')
    expect(bob.errors).toEqual([])
  })

  it('shows the code of a bad token: at sign-in, and for a refresh', async () => {
    await using h = await harness(browser, { jwtSecret: SECRET })
    const carol = await h.open()
    const { page } = carol

    // Signed by somebody else: refused at the handshake.
    await paste(page, await mint('carol', 60, { secret: OTHER_SECRET }))
    await expect(refusal(page)).resolves.toMatchObject({ code: 'token_invalid' })
    expect(h.server.io.of('/').sockets.size).toBe(0)
    await page.getByRole('button', { name: 'Log in again' }).click()
    await expect(page.getByLabel('Access token').isVisible()).resolves.toBe(true)

    // Not a JWT at all.
    await paste(page, 'this is not a token')
    await expect(refusal(page)).resolves.toMatchObject({ code: 'token_malformed' })
    await page.getByRole('button', { name: 'Log in again' }).click()

    // Expired before it was pasted.
    await paste(page, await mint('carol', -60))
    await expect(refusal(page)).resolves.toMatchObject({ code: 'token_expired' })
    await page.getByRole('button', { name: 'Log in again' }).click()

    // A good one, then refreshes that cannot be right.
    await paste(page, await mint('carol', 60))
    const id = await connected(carol)
    // Another user's token is caught on the page: nothing sent, the session kept.
    await pasteRefresh(page, await mint('mallory', 60))
    await expect(refusal(page)).resolves.toMatchObject({ code: 'claim_invalid' })
    await page.getByRole('button', { name: 'Dismiss' }).click()
    await send(page, 'still connected')
    await expect.poll(() => messages(page)).toEqual(['carol: still connected'])
    expect(h.server.io.of('/').sockets.has(id)).toBe(true)

    // A forged one reaches the server, which refuses it and ends the session.
    await pasteRefresh(page, await mint('carol', 60, { secret: OTHER_SECRET }))
    await expect(refusal(page)).resolves.toMatchObject({ code: 'token_invalid' })
    await expect(page.getByRole('button', { name: 'Log in again' }).isVisible()).resolves.toBe(true)
    await expect.poll(() => h.server.io.of('/').sockets.has(id)).toBe(false)
    expect(carol.errors).toEqual([])
  })
})
