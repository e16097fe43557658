// The reference page at a phone's, a laptop's and a desktop's size: nothing wider than the
// screen, the refusal notice and its buttons on screen when it appears (wherever the control
// that caused it sits), and the Developer panel's content in view once opened. Each step is
// photographed to .tmp/layout-<size>-<step>.png, to be looked at, not compared.
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EXTERNAL_SECRET,
  harness,
  launchBrowser,
  logIn,
  mint,
  paste,
  refusal,
  send,
} from './support.js'

const SHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../.tmp')

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1366, height: 700 },
  { name: 'desktop', width: 1920, height: 1080 },
] as const

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

afterAll(async () => {
  await browser.close()
})

/** The document's scroll width and the width it has to fit in (the viewport less a scrollbar). */
function widths(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate<{ scrollWidth: number; clientWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
  )
}

async function expectNoHorizontalOverflow(page: Page, width: number): Promise<void> {
  const { scrollWidth, clientWidth } = await widths(page)
  expect(clientWidth).toBeLessThanOrEqual(width)
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth)
}

/**
 * How much of the element is on screen, 0 to 1, as an IntersectionObserver sees it: clipped by
 * the viewport and by every scrolling ancestor (content below an inner scroll's fold counts as
 * hidden). Also false when something else covers the element's centre.
 */
function onScreen(page: Page, selector: string): Promise<{ ratio: number; covered: boolean }> {
  return page.evaluate<{ ratio: number; covered: boolean }>(`new Promise((resolve) => {
    const target = document.querySelector(${JSON.stringify(selector)})
    if (target === null) throw new Error('no ' + ${JSON.stringify(selector)})
    const observer = new IntersectionObserver(([entry]) => {
      observer.disconnect()
      const box = target.getBoundingClientRect()
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)
      resolve({ ratio: entry.intersectionRatio, covered: hit === null || !target.contains(hit) })
    }, { threshold: [0, 0.25, 0.5, 0.75, 1] })
    observer.observe(target)
  })`)
}

async function expectFullyOnScreen(page: Page, selector: string): Promise<void> {
  // Smooth scrolling or a layout change may still be settling: poll until it holds.
  await expect.poll(() => onScreen(page, selector)).toEqual({ ratio: 1, covered: false })
}

async function shoot(page: Page, size: string, step: string): Promise<void> {
  await page.screenshot({ path: resolve(SHOTS, `layout-${size}-${step}.png`) })
}

describe.each(SIZES)('the reference page at $name size ($width x $height)', (size) => {
  it('fits the width, and shows the Developer panel and every refusal on screen', async () => {
    await using h = await harness(browser)
    const viewport = { width: size.width, height: size.height }
    const user = await h.open(viewport)
    const { page } = user

    await expectNoHorizontalOverflow(page, size.width)
    await shoot(page, size.name, '1-login')

    await logIn(user, 'grace', ['chat'])
    await send(page, 'A message long enough to wrap on a phone, to see the bubbles do it well.')
    await page.locator('#messages .message').waitFor()
    await expectNoHorizontalOverflow(page, size.width)
    await shoot(page, size.name, '2-chat')

    // The Developer panel, opened, shows its content: scrolled into view wherever it sits.
    await page.getByText('Developer', { exact: true }).click()
    await expectFullyOnScreen(page, '#tamper')
    await expectFullyOnScreen(page, '#show-admin')
    await shoot(page, size.name, '3-developer')

    // A refused kick, from the admin form at the bottom of the column: the notice comes on screen
    // with its Dismiss button, and nothing gets wider.
    await page.getByLabel('Show admin tools without the admin scope').check()
    await page.getByLabel('Kick a user').fill('somebody-with-a-long-name')
    await page.getByRole('button', { name: 'Kick' }).click()
    await expect(refusal(page)).resolves.toMatchObject({ code: 'forbidden' })
    await expectNoHorizontalOverflow(page, size.width)
    await expectFullyOnScreen(page, '#notice')
    await expectFullyOnScreen(page, '#notice-dismiss')
    await shoot(page, size.name, '4-forbidden')
    await page.getByRole('button', { name: 'Dismiss' }).click()
    await expect(page.getByRole('alert').isVisible()).resolves.toBe(false)

    // The session-ending refusal, from the Tamper button: both its buttons on screen.
    await page.getByRole('button', { name: 'Tamper with the token and reconnect' }).click()
    await expect(refusal(page)).resolves.toMatchObject({ code: 'token_invalid' })
    await expectNoHorizontalOverflow(page, size.width)
    await expectFullyOnScreen(page, '#notice')
    await expectFullyOnScreen(page, '#notice-login')
    await expectFullyOnScreen(page, '#notice-dismiss')
    await shoot(page, size.name, '5-token-invalid')
    expect(user.errors).toEqual([])
  })

  it('fits the width with an external issuer: the token field, and the refresh field in view', async () => {
    await using h = await harness(browser, { jwtSecret: EXTERNAL_SECRET })
    const user = await h.open({ width: size.width, height: size.height })
    const { page } = user
    await expectNoHorizontalOverflow(page, size.width)
    await expectFullyOnScreen(page, '#token-button')
    await shoot(page, size.name, '6-external-sign-in')

    await paste(page, await mint('a-rather-long-user-name-for-a-phone', 300))
    await page.waitForSelector('#connection[data-connect-count="1"]')
    await expectNoHorizontalOverflow(page, size.width)
    await page.getByLabel('Refresh with a new token').scrollIntoViewIfNeeded()
    await expectFullyOnScreen(page, '#refresh-button')
    await shoot(page, size.name, '7-external-session')
    expect(user.errors).toEqual([])
  })
})
