// The reference page's rooms in a real Chromium against the real server: an admin grants a user
// a team room from the Admin card, the user joins it, is refused another (the `forbidden` ack's
// message shown), chats in it and by direct message, and sees the room removed (`room:removed`)
// when the admin narrows the grants: the socket refreshes its token in place and loses the room.
// Any page error or console error (a Content-Security-Policy violation shows there) fails it.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  harness as startHarness,
  launchBrowser,
  logIn,
  messages,
  refusal,
  send,
} from './support.js'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser.close()
})

/** The rooms the page lists. */
const rooms = (page: Page): Promise<string[]> => page.locator('#rooms .room-name').allTextContents()

/** The page's own lines (joined, refused, removed). */
const systemLines = (page: Page): Promise<string[]> =>
  page.locator('#messages .system').allTextContents()

/** Joins a room from the Rooms card. */
async function joinRoom(page: Page, room: string): Promise<void> {
  await page.getByLabel('Join a room').fill(room)
  await page.getByRole('button', { name: 'Join', exact: true }).click()
}

/** As an admin: sets a user's team rooms from the Admin card, and waits for the server's yes. */
async function grant(page: Page, user: string, teamRooms: string): Promise<void> {
  await page.getByLabel('Set a user’s team rooms').fill(user)
  await page.getByLabel('Team rooms', { exact: true }).fill(teamRooms)
  await page.getByRole('button', { name: 'Set', exact: true }).click()
  // The page's own line, not the status: a refresh of the admin's own socket may replace that.
  await expect
    .poll(() => systemLines(page), { timeout: 15_000 })
    .toContain(`You granted ${user} ${teamRooms === '' ? 'no team rooms' : teamRooms}.`)
}

describe('the reference page: rooms', () => {
  it('joins a granted team room, is refused another, loses it when an admin narrows', async () => {
    await using h = await startHarness(browser)
    const alice = await h.open()
    const bob = await h.open()
    await logIn(alice, 'alice', ['chat', 'admin'])
    await grant(alice.page, 'bob', 'team:red')
    await grant(alice.page, 'alice', 'team:red')
    // Alice's own socket refreshed (her grants changed): her token now carries team:red.
    await expect
      .poll(() => alice.page.locator('#granted').getAttribute('data-rooms'), { timeout: 15_000 })
      .toBe('team:red')
    await logIn(bob, 'bob', ['chat'])

    // Everyone starts in the lobby and their own room; the token's grants are shown.
    await expect.poll(() => rooms(bob.page), { timeout: 15_000 }).toEqual(['lobby', 'user:bob'])
    await expect(bob.page.locator('#granted').textContent()).resolves.toBe(
      'Your token grants: team:red.',
    )

    await joinRoom(alice.page, 'team:red')
    await joinRoom(bob.page, 'team:red')
    await expect
      .poll(() => rooms(bob.page), { timeout: 15_000 })
      .toEqual(['lobby', 'user:bob', 'team:red'])
    await expect(bob.page.locator('#message-room').inputValue()).resolves.toBe('team:red')
    await send(bob.page, 'red team, hello')
    await expect
      .poll(() => messages(alice.page), { timeout: 15_000 })
      .toEqual(['bob: red team, hello'])
    await expect(
      alice.page.locator('#messages .message .place').first().textContent(),
    ).resolves.toBe('#team:red')

    // A room not granted: the ack's refusal, as the server worded it.
    await joinRoom(bob.page, 'team:blue')
    await expect(refusal(bob.page)).resolves.toEqual({
      code: 'forbidden',
      text: 'Your token does not allow that action.',
    })
    await expect(bob.page.locator('#notice-detail').textContent()).resolves.toBe(
      'Event room:join. The server said: “You are not allowed in that room.”',
    )
    await expect
      .poll(() => systemLines(bob.page), { timeout: 15_000 })
      .toContain('Could not join team:blue: You are not allowed in that room.')
    await expect
      .poll(() => rooms(bob.page), { timeout: 15_000 })
      .toEqual(['lobby', 'user:bob', 'team:red'])
    await bob.page.getByRole('button', { name: 'Dismiss' }).click()

    // A direct message from alice reaches bob.
    await alice.page.getByLabel('Send to').selectOption('user:bob')
    await send(alice.page, 'just for you')
    await expect
      .poll(() => messages(bob.page), { timeout: 15_000 })
      .toEqual(['bob: red team, hello', 'alice: just for you'])

    // The admin narrows bob's grants: his socket refreshes in place and is taken out of the room.
    await grant(alice.page, 'bob', '')
    await expect.poll(() => rooms(bob.page), { timeout: 15_000 }).toEqual(['lobby', 'user:bob'])
    await expect(refusal(bob.page)).resolves.toMatchObject({ code: 'forbidden' })
    await expect(bob.page.locator('#notice-detail').textContent()).resolves.toBe(
      'Event room:removed (team:red). The server said: “Your access to this room was withdrawn.”',
    )
    await expect
      .poll(() => systemLines(bob.page), { timeout: 15_000 })
      .toContain('Removed from team:red: Your access to this room was withdrawn.')
    await expect
      .poll(() => bob.page.locator('#refreshes').getAttribute('data-refresh-count'), {
        timeout: 15_000,
      })
      .toBe('1')
    await expect
      .poll(() => bob.page.locator('#granted').textContent(), { timeout: 15_000 })
      .toBe('Your token grants no team rooms.')
    // Same connection, still in the lobby; no longer let back into team:red.
    await expect(bob.page.locator('#connection').getAttribute('data-connect-count')).resolves.toBe(
      '1',
    )
    await joinRoom(bob.page, 'team:red')
    await expect
      .poll(() => systemLines(bob.page), { timeout: 15_000 })
      .toContain('Could not join team:red: You are not allowed in that room.')

    // Alice's next message to team:red does not reach bob; her lobby message after it does.
    await alice.page.getByLabel('Send to').selectOption('team:red')
    await send(alice.page, 'red only')
    await alice.page.getByLabel('Send to').selectOption('lobby')
    await send(alice.page, 'everyone')
    await expect
      .poll(() => messages(bob.page), { timeout: 15_000 })
      .toEqual(['bob: red team, hello', 'alice: just for you', 'alice: everyone'])

    // What users type (a room name, a message) is shown as text, never parsed as HTML.
    const hostile = `<img src=x onerror="document.title='pwned'">`
    await joinRoom(bob.page, hostile)
    await expect
      .poll(() => systemLines(bob.page), { timeout: 15_000 })
      .toContain(`Could not join ${hostile}: You are not allowed in that room.`)
    await alice.page.getByLabel('Send to').selectOption('user:bob')
    await send(alice.page, hostile)
    await expect.poll(() => messages(bob.page), { timeout: 15_000 }).toContain(`alice: ${hostile}`)
    await expect(bob.page.locator('#messages img, #rooms img').count()).resolves.toBe(0)
    await expect(bob.page.title()).resolves.toBe('sockguard chat')
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
  })
})
