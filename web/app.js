// @ts-check
// The reference chat page: logs in through the development issuer (or, with an external issuer,
// takes a pasted token), connects with sockguard/client, and shows the chat, who is online, the
// token's lifetime and every refusal.
import { connect, joinRoom, leaveRoom } from 'sockguard/client'
import { describeRefusal } from './refusals.js'
import { cleanPastedToken, readClaims, Refusal, requestToken, tamperSignature } from './token.js'
import {
  appendMessage,
  appendSystem,
  byId,
  element,
  formatClock,
  formatRemaining,
  renderPresence,
  renderRooms,
} from './view.js'

/** How long an emit waits for the server's ack before the page says so. */
const ACK_TIMEOUT_MS = 5_000

/**
 * Where tokens come from, as the server marked the page (`data-issuer` on `<html>`): its own
 * development issuer, or an external one whose tokens the user pastes.
 */
const EXTERNAL = document.documentElement.dataset.issuer === 'external'

/**
 * One login: the token (in memory only), its socket and what the page shows about them.
 * @typedef {object} Session
 * @property {string} username
 * @property {string} scope the scope asked for, sent again on every token request
 * @property {((token: string) => void) | null} awaitingToken with an external issuer: set while
 *   the client's in-band refresh waits for the user to paste a new token
 * @property {string} token the current token; the Developer control may have broken it
 * @property {any} socket the socket.io-client socket from sockguard/client
 * @property {number} issuedAt ms since the epoch, of the token the socket holds
 * @property {number} expiresAt ms since the epoch
 * @property {number} refreshes in-band refreshes on this session
 * @property {number} connects successful handshakes on this session
 * @property {string[] | null} users the last presence list, null until the first one
 * @property {string[]} rooms the rooms the socket is in, as the server acknowledged them
 * @property {boolean} canAdmin the token has the `admin` scope
 * @property {boolean} ended true once a refusal ended it or the user logged out
 */

/** @type {Session | null} */
let session = null

/**
 * Sets the status line (announced politely) and its colour.
 * @param {string} text
 * @param {'idle' | 'busy' | 'connected' | 'warning' | 'error'} state
 */
function setStatus(text, state) {
  const status = byId('status')
  status.textContent = text
  status.dataset.state = state
}

/**
 * Shows a refusal with its code and a human sentence.
 * @param {string} code
 * @param {string | undefined} serverMessage the server's own text, shown as a detail
 * @param {boolean} terminal true when the session is over (offers to log in again)
 * @param {string} [event] the event the server refused, if it was one
 */
function showRefusal(code, serverMessage, terminal, event) {
  const notice = byId('notice')
  notice.dataset.code = code
  byId('notice-code').textContent = code
  byId('notice-text').textContent = describeRefusal(code, serverMessage)
  byId('notice-detail').textContent = [
    event === undefined ? '' : `Event ${event}.`,
    serverMessage === undefined ? '' : `The server said: “${serverMessage}”`,
  ]
    .filter((part) => part !== '')
    .join(' ')
  byId('notice-login').hidden = !terminal
  notice.hidden = false
}

function hideNotice() {
  const notice = byId('notice')
  notice.hidden = true
  delete notice.dataset.code
}

/** @param {boolean} loggedIn */
function showView(loggedIn) {
  byId('login-view').hidden = loggedIn
  byId('chat-view').hidden = !loggedIn
  byId('logout').hidden = !loggedIn
}

/**
 * Gets a token for the session's user: the current one unless the server asked for a fresh one
 * or it is about to expire.
 * @param {Session} s
 * @param {boolean} forceRefresh
 * @returns {Promise<string>}
 */
async function tokenFor(s, forceRefresh) {
  if (EXTERNAL) {
    // Only the user can get a new token. The server warned that this one expires (the client's
    // in-band refresh asks while connected): wait for the paste, which answers the client.
    if (forceRefresh && s.socket?.connected === true && !s.ended) {
      return new Promise((resolve) => {
        s.awaitingToken = resolve
      })
    }
    // A handshake: the token the user gave; an expired one is refused, and the page says so.
    return s.token
  }
  const exp = readClaims(s.token).exp
  const fresh = typeof exp === 'number' && exp * 1000 > Date.now() + 1_000
  if (!forceRefresh && fresh) return s.token
  s.token = await requestToken(s.username, s.scope)
  return s.token
}

/**
 * Ends the session after a refusal: stops the socket (no retry loop) and says why.
 * @param {Session} s
 * @param {{ code: string, message?: string, cause?: unknown }} error
 */
function endSession(s, error) {
  if (s.ended || s !== session) return
  // getToken failing reaches us as token_missing; the token request's own reason is better.
  const { code, message } = error.cause instanceof Refusal ? error.cause : error
  s.ended = true
  s.awaitingToken = null
  s.socket.disconnect()
  setStatus(`Signed out: ${code}`, 'error')
  showRefusal(code, message, true)
  appendSystem(`Session ended (${code}).`, 'error')
  // What the page knew while connected is no longer true.
  renderPresence([], s.username)
  s.rooms = []
  showRooms(s)
  byId('connection').textContent = 'closed'
  byId('transport').textContent = ''
  byId('transport').dataset.transport = ''
  byId('refreshes').textContent = 'No longer refreshed'
  updateControls()
  tick()
}

/** Enables what the session allows right now. */
function updateControls() {
  const s = session
  const live = s !== null && !s.ended && s.socket.connected === true
  byId('send-button').disabled = !live
  byId('message-input').disabled = s === null || s.ended
  byId('kick-button').disabled = !live
  byId('tamper').disabled = !live
  byId('refresh-button').disabled = !live
  byId('join-button').disabled = !live
  byId('grants-button').disabled = !live
}

/**
 * The page's list of rooms and the composer's destinations.
 * @param {Session} s
 */
function showRooms(s) {
  renderRooms(s.rooms, s.users ?? [], s.username, (room) => {
    void onLeave(room)
  })
}

/**
 * What the token grants (its `rooms` claim), and the room names the join field suggests.
 * @param {Session} s
 */
function showGrants(s) {
  const claim = readClaims(s.token).rooms
  const granted = Array.isArray(claim) ? claim.filter((room) => typeof room === 'string') : []
  const line = byId('granted')
  line.dataset.rooms = granted.join(' ')
  line.textContent =
    granted.length === 0
      ? 'Your token grants no team rooms.'
      : `Your token grants: ${granted.join(', ')}.`
  const names = ['lobby', ...(s.canAdmin ? ['admin'] : []), ...granted]
  byId('room-names').replaceChildren(
    ...names.map((name) => {
      const option = document.createElement('option')
      // `team:*` grants every team room: suggest the prefix.
      option.value = name.endsWith(':*') ? name.slice(0, -1) : name
      return option
    }),
  )
}

/**
 * The socket's rooms after a handshake: the server put it in `lobby` and its own `user:<name>`;
 * the rooms it had joined before a reconnect are asked for again (rooms do not survive one).
 * @param {Session} s
 * @param {() => boolean} current
 */
async function restoreRooms(s, current) {
  const before = s.rooms
  s.rooms = ['lobby', ...(s.username.includes(':') ? [] : [`user:${s.username}`])]
  showRooms(s)
  for (const room of before) {
    if (s.rooms.includes(room)) continue
    const ack = await joinRoom(s.socket, room).catch(() => undefined)
    if (!current()) return
    if (ack?.ok === true) s.rooms.push(room)
    else appendSystem(`Not back in ${room}: ${ack?.message ?? 'no answer'}`, 'error')
    showRooms(s)
  }
}

/**
 * `room:removed`: a re-check (after the token changed, or an admin's grants) took a room away.
 * @param {Session} s
 * @param {{ room: string, code: string, message: string }} removed
 */
function onRoomRemoved(s, removed) {
  if (s !== session || s.ended) return
  s.rooms = s.rooms.filter((room) => room !== removed.room)
  showRooms(s)
  appendSystem(`Removed from ${removed.room}: ${removed.message}`, 'error')
  showRefusal(removed.code, removed.message, false, `room:removed (${removed.room})`)
}

/**
 * Shows the token the socket now holds: its lifetime bar and countdown.
 * @param {Session} s
 * @param {number} expiresAt
 */
function setLifetime(s, expiresAt) {
  const { iat } = readClaims(s.token)
  // A token without `exp` (an external issuer's policy may allow it) has nothing to count down.
  if (expiresAt === 0) byId('countdown').textContent = 'does not expire'
  s.issuedAt = typeof iat === 'number' ? iat * 1000 : Date.now()
  s.expiresAt = expiresAt
  byId('countdown').dataset.expiresAt = String(expiresAt)
  byId('lifetime').max = Math.max(1, expiresAt - s.issuedAt)
  tick()
}

/** Updates the countdown; runs a few times a second. */
function tick() {
  const s = session
  if (s === null || s.expiresAt === 0) return
  const countdown = byId('countdown')
  const bar = byId('lifetime')
  if (s.ended) {
    countdown.textContent = 'not in use'
    bar.value = 0
    return
  }
  const left = s.expiresAt - Date.now()
  countdown.textContent = left > 0 ? `${formatRemaining(left)} left` : 'expired'
  bar.value = Math.max(0, left)
  bar.classList.toggle('low', left < bar.max / 4)
}

/**
 * Opens the session's socket through sockguard/client and wires every event the page shows.
 * @param {Session} s
 */
function openSocket(s) {
  const socket = connect(window.location.origin, {
    getToken: ({ forceRefresh }) => tokenFor(s, forceRefresh),
    onAuthError: (error) => {
      endSession(s, error)
    },
    onRoomRemoved: (removed) => {
      onRoomRemoved(s, removed)
    },
    forceNew: true,
    // WebSocket first: several nodes behind a load balancer need no sticky sessions for it, and
    // a refused handshake leaves no long-polling request in flight (which browsers log as a 400).
    // Long-polling stays the fallback where WebSocket cannot get through.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
  })
  s.socket = socket
  const current = () => s === session && socket === s.socket && !s.ended

  socket.on('connect', () => {
    if (!current()) return
    s.connects += 1
    s.users = null
    const connection = byId('connection')
    connection.textContent = socket.id
    connection.dataset.socketId = socket.id
    connection.dataset.connectCount = String(s.connects)
    // This page asks for a WebSocket first (polling is the fallback when one cannot open).
    const engine = socket.io.engine
    const showTransport = () => {
      const transport = byId('transport')
      transport.dataset.transport = engine.transport.name
      transport.textContent =
        engine.transport.name === 'websocket' ? 'over a WebSocket' : 'over HTTP long-polling'
    }
    showTransport()
    engine.once('upgrade', () => {
      if (current()) showTransport()
    })
    const exp = readClaims(s.token).exp
    setLifetime(s, typeof exp === 'number' ? exp * 1000 : 0)
    setStatus(
      s.connects === 1 ? `Connected as ${s.username}` : `Reconnected as ${s.username}`,
      'connected',
    )
    updateControls()
    void restoreRooms(s, current)
  })

  socket.on('disconnect', (/** @type {string} */ reason) => {
    if (!current()) return
    updateControls()
    setStatus(
      reason === 'io server disconnect'
        ? 'The server closed the connection'
        : 'Connection lost; reconnecting…',
      'warning',
    )
  })

  socket.on('connect_error', (/** @type {{ data?: { code?: string } }} */ error) => {
    if (!current()) return
    // Coded refusals that end the session arrive through onAuthError; only progress shows here.
    if (error.data?.code === 'token_expired') setStatus('Token expired; getting a new one…', 'busy')
    else if (error.data === undefined) setStatus('Cannot reach the server; retrying…', 'warning')
  })

  socket.on('unauthorized', (/** @type {{ code: string, message: string }} */ data) => {
    endSession(s, data)
  })

  socket.on('auth:expiring', () => {
    if (!current()) return
    // With an external issuer only the user can get a new token.
    if (EXTERNAL) setStatus('Token about to expire: paste a new one', 'warning')
    else setStatus('Token about to expire; refreshing in place…', 'busy')
  })

  socket.on('authenticated', (/** @type {{ expiresAt: number | null }} */ data) => {
    if (!current()) return
    s.refreshes += 1
    // A client refresh still waiting for a paste (its warning came while the page's own
    // `authenticate` was in flight) stays pending: the next paste answers it.
    setLifetime(s, data.expiresAt ?? 0)
    const refreshes = byId('refreshes')
    refreshes.dataset.refreshCount = String(s.refreshes)
    refreshes.textContent = `Refreshed in place ${s.refreshes}× (last ${formatClock(Date.now())})`
    setStatus(`Connected as ${s.username}; token refreshed on the same connection`, 'connected')
    showGrants(s)
  })

  socket.on('forbidden', (/** @type {{ code: string, message: string, event: string }} */ data) => {
    if (current()) showRefusal(data.code, data.message, false, data.event)
  })

  socket.on('presence', (/** @type {{ users: string[] }} */ data) => {
    if (!current()) return
    const before = s.users
    if (before !== null) {
      for (const user of data.users) if (!before.includes(user)) appendSystem(`${user} joined.`)
      for (const user of before) if (!data.users.includes(user)) appendSystem(`${user} left.`)
    }
    s.users = data.users
    renderPresence(data.users, s.username)
    showRooms(s)
  })

  socket.on('message', (/** @type {{ from: string, text: string, at: number }} */ message) => {
    if (current()) appendMessage(message, s.username)
  })
}

/**
 * Emits an event with an ack and shows a refusal if the server sends one.
 * @param {string} event
 * @param {unknown} payload
 * @returns {Promise<boolean>} true when the server accepted it
 */
function emitWithAck(event, payload) {
  const s = session
  if (s === null || s.ended) return Promise.resolve(false)
  return new Promise((resolve) => {
    s.socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(
        event,
        payload,
        (
          /** @type {Error | null} */ timeout,
          /** @type {{ ok: boolean, code?: string, message?: string }} */ ack,
        ) => {
          if (timeout !== null) {
            setStatus(`The server did not answer ${event}`, 'warning')
            resolve(false)
          } else if (ack.ok) {
            resolve(true)
          } else {
            // A refused event is not the end of the session: `unauthorized` says when it is.
            showRefusal(ack.code ?? 'refused', ack.message, false, event)
            resolve(false)
          }
        },
      )
  })
}

/**
 * Starts a session with a freshly issued token.
 * @param {string} username
 * @param {string} scope
 * @param {string} token
 */
function startSession(username, scope, token) {
  if (session !== null) logOut()
  hideNotice()
  /** @type {Session} */
  const s = {
    username,
    scope,
    token,
    awaitingToken: null,
    socket: null,
    issuedAt: 0,
    expiresAt: 0,
    refreshes: 0,
    connects: 0,
    users: null,
    rooms: [],
    canAdmin: false,
    ended: false,
  }
  session = s
  const scopes = String(readClaims(token).scope ?? '')
    .split(' ')
    .filter((word) => word !== '')
  byId('session-user').textContent = username
  byId('session-scope').replaceChildren(
    ...(scopes.length === 0 ? [element('span', 'hint', 'none')] : []),
    ...scopes.map((word) => element('span', 'badge', word)),
  )
  byId('messages').replaceChildren()
  byId('messages-empty').hidden = false
  renderPresence([], username)
  const refreshes = byId('refreshes')
  refreshes.dataset.refreshCount = '0'
  refreshes.textContent = EXTERNAL
    ? 'Paste a new one before it expires'
    : 'Refreshes before it expires'
  const connection = byId('connection')
  connection.textContent = '–'
  connection.dataset.socketId = ''
  connection.dataset.connectCount = '0'
  byId('transport').textContent = ''
  byId('composer-hint').hidden = scopes.includes('chat')
  s.canAdmin = scopes.includes('admin')
  showRooms(s)
  showGrants(s)
  updateAdminPanel()
  showView(true)
  setStatus(`Connecting as ${username}…`, 'busy')
  openSocket(s)
  updateControls()
  byId('message-input').focus()
}

/**
 * The sign-in form of the page's mode, for focus after a session ends.
 * @returns {HTMLElement}
 */
function signInField() {
  return byId(EXTERNAL ? 'token-input' : 'username')
}

function updateAdminPanel() {
  const s = session
  byId('admin-panel').hidden = !(s?.canAdmin === true || byId('show-admin').checked)
}

function logOut() {
  const s = session
  if (s === null) return
  s.ended = true
  s.awaitingToken = null
  s.socket.disconnect()
  session = null
}

/** @param {SubmitEvent} event */
async function onLogin(event) {
  event.preventDefault()
  const username = byId('username').value.trim()
  const scope = Array.from(
    document.querySelectorAll('input[name="scope"]:checked'),
    (input) => /** @type {HTMLInputElement} */ (input).value,
  ).join(' ')
  const button = byId('login-button')
  button.disabled = true
  setStatus('Getting a token…', 'busy')
  try {
    startSession(username, scope, await requestToken(username, scope))
  } catch (error) {
    const refusal =
      error instanceof Refusal ? error : new Refusal('network', 'The token request failed.')
    setStatus('Not signed in', 'idle')
    showRefusal(refusal.code, refusal.message, false)
  } finally {
    button.disabled = false
  }
}

/** @param {SubmitEvent} event */
async function onSend(event) {
  event.preventDefault()
  const input = byId('message-input')
  const text = input.value.trim()
  if (text === '') return
  const to = String(byId('message-room').value || 'lobby')
  // A direct message goes to the user's room through the server; any other, to a room it is in.
  const sent = to.startsWith('user:')
    ? emitWithAck('dm', { to: to.slice('user:'.length), text })
    : emitWithAck('post', { room: to, text })
  if (await sent) {
    input.value = ''
    input.focus()
  }
}

/** @param {SubmitEvent} event */
async function onKick(event) {
  event.preventDefault()
  const input = byId('kick-user')
  const sub = input.value.trim()
  if (sub === '') return
  if (await emitWithAck('admin:kick', { sub })) {
    input.value = ''
    setStatus(`Kicked ${sub}: their tokens are revoked`, 'connected')
    appendSystem(`You kicked ${sub}.`)
  }
}

/** @param {SubmitEvent} event */
async function onJoin(event) {
  event.preventDefault()
  const s = session
  const input = byId('join-room')
  const room = input.value.trim()
  if (s === null || s.ended || room === '') return
  let ack
  try {
    ack = await joinRoom(s.socket, room, { timeoutMs: ACK_TIMEOUT_MS })
  } catch {
    setStatus('The server did not answer room:join', 'warning')
    return
  }
  if (s !== session || s.ended) return
  if (ack.ok) {
    input.value = ''
    hideNotice()
    if (!s.rooms.includes(room)) s.rooms.push(room)
    showRooms(s)
    byId('message-room').value = room
    appendSystem(`You joined ${room}.`)
  } else {
    // The denial, as the server worded it in its ack.
    appendSystem(`Could not join ${room}: ${ack.message}`, 'error')
    showRefusal(ack.code, ack.message, false, 'room:join')
  }
}

/** @param {string} room */
async function onLeave(room) {
  const s = session
  if (s === null || s.ended) return
  const ack = await leaveRoom(s.socket, room, { timeoutMs: ACK_TIMEOUT_MS }).catch(() => undefined)
  if (s !== session || s.ended) return
  if (ack?.ok !== true) {
    setStatus(`Could not leave ${room}`, 'warning')
    return
  }
  s.rooms = s.rooms.filter((r) => r !== room)
  showRooms(s)
  appendSystem(`You left ${room}.`)
}

/**
 * As an admin: sets the team rooms a user's tokens grant (`POST /auth/grants`, with this
 * session's token). The server re-checks their sockets, which refresh and lose what is gone.
 * @param {SubmitEvent} event
 */
async function onGrants(event) {
  event.preventDefault()
  const s = session
  const sub = byId('grants-user').value.trim()
  const rooms = String(byId('grants-rooms').value)
    .split(/[\s,]+/)
    .filter((room) => room !== '')
  if (s === null || s.ended || sub === '') return
  let response
  try {
    response = await fetch('/auth/grants', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ sub, rooms }),
      cache: 'no-store',
    })
  } catch {
    showRefusal('network', 'The grants request did not reach the server.', false)
    return
  }
  /** @type {{ error?: unknown, message?: unknown } | null} */
  const body = await response.json().catch(() => null)
  if (!response.ok) {
    const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`
    const message = typeof body?.message === 'string' ? body.message : response.statusText
    showRefusal(code, message, false, 'POST /auth/grants')
    return
  }
  const list = rooms.length === 0 ? 'no team rooms' : rooms.join(', ')
  setStatus(`${sub} is now granted ${list}`, 'connected')
  appendSystem(`You granted ${sub} ${list}.`)
}

/**
 * With an external issuer: connects with the pasted token. The user name is the token's `sub`,
 * read unverified for display; the handshake tells whether the token is any good.
 * @param {SubmitEvent} event
 */
function onPasteToken(event) {
  event.preventDefault()
  const input = byId('token-input')
  const token = cleanPastedToken(input.value)
  if (token === '') return
  // Out of the DOM once used: the token lives in the session's memory only.
  input.value = ''
  const { sub, scope } = readClaims(token)
  startSession(typeof sub === 'string' ? sub : '(unknown)', String(scope ?? ''), token)
}

/**
 * With an external issuer: refreshes the live socket's token with a pasted one, in band
 * (`authenticate` on the same connection, so the socket keeps its id).
 * @param {SubmitEvent} event
 */
async function onRefreshToken(event) {
  event.preventDefault()
  const s = session
  const input = byId('refresh-token')
  const token = cleanPastedToken(input.value)
  if (s === null || s.ended || token === '') return
  // The server ends the session on any refused refresh; a paste that cannot be right is caught
  // here instead, so a slip of the clipboard does not cost the connection.
  const { sub } = readClaims(token)
  if (sub === undefined) {
    showRefusal('token_malformed', 'That is not a JWT: nothing was sent.', false)
    return
  }
  if (sub !== s.username) {
    showRefusal(
      'claim_invalid',
      `That token is for ${String(sub)}, not ${s.username}: a refresh keeps the user. Log out to switch.`,
      false,
    )
    return
  }
  input.value = ''
  hideNotice()
  const previous = s.token
  s.token = token
  setStatus('Refreshing the token in place…', 'busy')
  const waiting = s.awaitingToken
  if (waiting !== null) {
    // The client's own refresh (after `auth:expiring`) is waiting for this token: it sends it.
    s.awaitingToken = null
    waiting(token)
    return
  }
  // Any refusal but store_unavailable ends the session (`unauthorized` follows the ack).
  if (!(await emitWithAck('authenticate', { token })) && s === session && !s.ended) {
    s.token = previous
  }
}

function onTamper() {
  const s = session
  if (s === null || s.ended) return
  // The next handshake sends a token whose signature no longer verifies: token_invalid.
  s.token = tamperSignature(s.token)
  s.socket.disconnect()
  setStatus('Reconnecting with a tampered token…', 'busy')
  openSocket(s)
}

function onLogInAgain() {
  const s = session
  logOut()
  hideNotice()
  showView(false)
  setStatus('Not signed in', 'idle')
  if (s !== null && !EXTERNAL) byId('username').value = s.username
  signInField().focus()
}

function onLogOut() {
  logOut()
  hideNotice()
  showView(false)
  setStatus('Signed out', 'idle')
  signInField().focus()
}

byId('login-form').addEventListener('submit', onLogin)
byId('token-form').addEventListener('submit', onPasteToken)
byId('refresh-form').addEventListener('submit', onRefreshToken)
byId('message-form').addEventListener('submit', onSend)
byId('kick-form').addEventListener('submit', onKick)
byId('join-form').addEventListener('submit', onJoin)
byId('grants-form').addEventListener('submit', onGrants)
byId('tamper').addEventListener('click', onTamper)
byId('logout').addEventListener('click', onLogOut)
byId('notice-login').addEventListener('click', onLogInAgain)
byId('notice-dismiss').addEventListener('click', hideNotice)
byId('show-admin').addEventListener('change', updateAdminPanel)
byId('developer').addEventListener('toggle', () => {
  // The panel is last in its column, often below the fold of the column's scroll (or the phone's
  // page): opened, it comes into view instead of opening out of sight.
  if (byId('developer').open) byId('developer').scrollIntoView({ block: 'nearest' })
})
window.setInterval(tick, 250)
document.documentElement.dataset.ready = 'true'
