// @ts-check
// Rendering helpers: the page's elements by id, messages, presence and the lifetime display.
// Text goes in through textContent only, so nothing a user types is ever parsed as HTML.

/**
 * The element with this id; throws when the page and the script disagree.
 * @param {string} id
 * @returns {any}
 */
export function byId(id) {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`#${id} is missing from the page`)
  return element
}

/**
 * An element with a class and text.
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function element(tag, className, text) {
  const node = document.createElement(tag)
  if (className !== '') node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * A round avatar with the user's initial, coloured from a hash of the name (through classes:
 * the Content-Security-Policy refuses inline styles).
 * @param {string} name
 * @returns {HTMLElement}
 */
export function avatar(name) {
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  const node = element('span', `avatar hue-${hash % 8}`, name.slice(0, 1).toUpperCase())
  node.setAttribute('aria-hidden', 'true')
  return node
}

/**
 * Where a message was sent, as the page shows it: `#team:red`, or `to bob` for a direct one.
 * @param {{ room?: string, to?: string }} message
 * @returns {string}
 */
export function placeOf(message) {
  if (typeof message.to === 'string') return `to ${message.to}`
  return `#${message.room ?? 'lobby'}`
}

/**
 * Appends a chat message to the list and keeps the newest in view.
 * @param {{ room?: string, to?: string, from: string, text: string, at: number }} message
 * @param {string} me the signed-in user's name
 */
export function appendMessage(message, me) {
  const item = element('li', message.from === me ? 'message mine' : 'message')
  item.dataset.room = message.room ?? 'lobby'
  const bubble = element('div', 'bubble')
  const meta = element('p', 'meta')
  meta.append(element('span', 'from', message.from))
  meta.append(
    ' ',
    element('span', typeof message.to === 'string' ? 'place direct' : 'place', placeOf(message)),
  )
  const time = element('time', 'time', formatClock(message.at))
  time.setAttribute('datetime', new Date(message.at).toISOString())
  meta.append(' ', time)
  bubble.append(meta, element('p', 'text', message.text))
  item.append(avatar(message.from), bubble)
  appendEntry(item)
}

/**
 * Appends a line from the page itself (someone joined, a refusal) to the message list.
 * @param {string} text
 * @param {'info' | 'error'} [tone]
 */
export function appendSystem(text, tone = 'info') {
  appendEntry(element('li', `system ${tone}`, text))
}

/** @param {HTMLElement} item */
function appendEntry(item) {
  byId('messages-empty').hidden = true
  byId('messages').append(item)
  const region = byId('messages-region')
  region.scrollTop = region.scrollHeight
}

/**
 * Shows who is online.
 * @param {readonly string[]} users
 * @param {string} me
 */
export function renderPresence(users, me) {
  const list = byId('presence')
  const names = byId('presence-names')
  list.replaceChildren()
  names.replaceChildren()
  for (const user of users) {
    const item = element('li', 'person')
    item.append(avatar(user), element('span', 'person-name', user))
    if (user === me) item.append(element('span', 'you', 'you'))
    list.append(item)
    const option = document.createElement('option')
    option.value = user
    names.append(option)
  }
  byId('presence-count').textContent = String(users.length)
  byId('presence-empty').hidden = users.length > 0
}

/**
 * `m:ss` for a number of milliseconds (rounded up, so 0:00 means expired).
 * @param {number} ms
 * @returns {string}
 */
export function formatRemaining(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * `HH:MM` in the user's locale.
 * @param {number} at ms since the epoch
 * @returns {string}
 */
export function formatClock(at) {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/**
 * Shows the rooms the socket is in, each with a Leave button, and the composer's destinations:
 * those rooms (not the user's own), then a direct message to each other user online.
 * @param {readonly string[]} rooms
 * @param {readonly string[]} users
 * @param {string} me
 * @param {(room: string) => void} onLeave
 */
export function renderRooms(rooms, users, me, onLeave) {
  const list = byId('rooms')
  list.replaceChildren()
  for (const room of rooms) {
    const item = element('li', 'room')
    item.dataset.room = room
    item.append(element('span', 'room-name', room))
    const leave = element('button', 'button ghost small', 'Leave')
    leave.setAttribute('type', 'button')
    leave.setAttribute('aria-label', `Leave ${room}`)
    leave.addEventListener('click', () => {
      onLeave(room)
    })
    item.append(leave)
    list.append(item)
  }
  byId('rooms-count').textContent = String(rooms.length)

  const select = byId('message-room')
  const chosen = select.value
  /** @type {HTMLOptionElement[]} */
  const options = []
  for (const room of rooms) {
    if (room === `user:${me}`) continue
    const option = document.createElement('option')
    option.value = room
    option.textContent = `#${room}`
    options.push(option)
  }
  for (const user of users) {
    if (user === me) continue
    const option = document.createElement('option')
    option.value = `user:${user}`
    option.textContent = `to ${user} (direct)`
    options.push(option)
  }
  select.replaceChildren(...options)
  // Keep the destination the user picked while it is still there.
  if (options.some((option) => option.value === chosen)) select.value = chosen
}
