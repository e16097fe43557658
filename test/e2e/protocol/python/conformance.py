"""Drives a sockguard server with python-socketio, one scenario group per run.

Reads {url, transport, group, tokens} as JSON on stdin and writes one JSON object per line on
stdout: what the server sent, in the order it arrived, so the test can check payloads and order.
Every wait is bounded; the last line is {"done": true}. It uses sockguard_client, the module of
docs/clients/python.md, which the test extracts from the guide next to this file.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time

import socketio

import sockguard_client as guard

SPEC = json.load(sys.stdin)
URL = SPEC['url']
TRANSPORTS = [SPEC['transport']]
TOKENS = SPEC['tokens']
WAIT = 8  # seconds: the longest any single step may take
DISCONNECT_GRACE = 0.3  # seconds: see Recorder.recorder
START = time.monotonic()


OUTPUT = threading.Lock()


def out(**fields):
    fields['t'] = round((time.monotonic() - START) * 1000)
    # One write per line under a lock: handlers run on their own threads, and print() writes
    # the text and its newline separately.
    with OUTPUT:
        sys.stdout.write(json.dumps(fields) + '\n')
        sys.stdout.flush()


class Recorder:
    """A client whose server events are recorded in arrival order, and can be awaited."""

    def __init__(self, name, events, reconnection=False):
        self.name = name
        self.sio = socketio.Client(reconnection=reconnection)
        self.seen = []
        self.changed = threading.Condition()
        for event in events:
            self.sio.on(event, self.recorder(event))
        self.sio.on('disconnect', self.recorder('disconnect'))

    def recorder(self, event):
        def record(*args):
            if event == 'disconnect':
                # python-engineio starts a thread for each message as it arrives, and runs the
                # disconnect on its read loop at once: on a loaded machine the handler of a
                # message sent before the disconnect (`unauthorized`) can run after this one.
                # The order checked is the server's, so the threads already started get a moment.
                time.sleep(DISCONNECT_GRACE)
            # Printed before anyone waiting can see it: the run may end right after the wait.
            with self.changed:
                out(client=self.name, event=event, data=args[0] if args else None)
                self.seen.append(event)
                self.changed.notify_all()

        return record

    def wait_for(self, event, timeout=WAIT):
        deadline = time.monotonic() + timeout
        with self.changed:
            while event not in self.seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f'{self.name}: no {event}')
                self.changed.wait(left)


def attempt(name, token, header=False):
    """One handshake; reports its outcome and closes the socket."""
    sio = socketio.Client(reconnection=False)
    try:
        guard.connect(sio, URL, token, transports=TRANSPORTS, header=header, timeout=WAIT)
        out(step=name, connected=True, sid=sio.get_sid())
        sio.disconnect()
    except guard.Refused as refused:
        out(step=name, connected=False, code=refused.code, message=refused.message)
    except TimeoutError:
        out(step=name, connected=False, code=None, timeout=True)


def group_connect():
    """The three ways to send the token, each followed by a chat round trip."""
    for form, token, header in [
        ('auth', TOKENS['alice'], False),
        ('auth-bearer', 'Bearer ' + TOKENS['alice'], False),
        ('header', TOKENS['alice'], True),
    ]:
        client = Recorder(form, ['message', 'presence'])
        guard.connect(client.sio, URL, token, transports=TRANSPORTS, header=header, timeout=WAIT)
        ack = client.sio.call('message', f'hello by {form}', timeout=WAIT)
        client.wait_for('message')
        out(step=form, sid=client.sio.get_sid(), ack=ack)
        client.sio.disconnect()


def group_refusals():
    """Every refusal a client can provoke at the handshake, in the order the test sent them."""
    for name, token in TOKENS['refusals']:
        attempt(name, token)


def group_bare_string():
    """`auth` as a bare string instead of {'token': ...}: what does the client see?"""
    sio = socketio.Client(reconnection=False)
    errors = []
    sio.on('connect_error', lambda data=None: errors.append(data))
    try:
        sio.connect(URL, auth=TOKENS['alice'], transports=TRANSPORTS)
        out(step='bare-string', connected=True)
    except socketio.exceptions.ConnectionError as error:
        out(step='bare-string', connected=False, error=str(error), connect_errors=errors)
    sio.disconnect()


def group_no_retry():
    """Plain sio.connect() with the default reconnection: the refusal, then no retry."""
    sio = socketio.Client()
    codes = []
    sio.on('connect_error', lambda data=None: codes.append(guard.refusal_of(data)))
    try:
        sio.connect(URL, auth={'token': TOKENS['expired']}, transports=TRANSPORTS)
        out(step='no-retry', connected=True)
    except socketio.exceptions.ConnectionError as error:
        time.sleep(2)  # past the client's first reconnection delay (1 s, randomized by half)
        out(step='no-retry', connected=False, error=str(error), refusals=codes)
    sio.disconnect()


def sign(claims):
    """An HS256 token with the test's secret, minted here so that its lifetime starts now."""

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b'=').decode()

    header = b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(TOKENS['secret'].encode(), f'{header}.{body}'.encode(), hashlib.sha256)
    return f'{header}.{body}.{b64(signature.digest())}'


def group_session():
    """auth:expiring, an in-band refresh on the same socket, then expiry."""
    # Lifetimes of 6 and 10 s, from the moment the client is ready to connect: the warning comes
    # at half the lifetime, at least 2 s from now, and for the second token after the refresh.
    now = int(time.time())
    short = {'sub': TOKENS['sub'], 'scope': 'chat', 'iat': now, 'exp': now + 6}
    longer = dict(short, exp=now + 10)
    out(step='minted', short=short['exp'], longer=longer['exp'])
    client = Recorder('session', ['authenticated', 'unauthorized'])
    record_warning = client.recorder('auth:expiring')
    refreshed = threading.Event()

    def on_expiring(data):
        # As the guide does it: the refresh runs in the handler (each runs on its own thread).
        record_warning(data)
        if refreshed.is_set():
            return  # the second warning is left unanswered: the session ends
        refreshed.set()
        expires_at = guard.authenticate(client.sio, sign(longer), timeout=WAIT)
        out(step='refreshed', expiresAt=expires_at, same=client.sio.get_sid() == sid)

    client.sio.on('auth:expiring', on_expiring)
    guard.connect(client.sio, URL, sign(short), transports=TRANSPORTS, timeout=WAIT)
    sid = client.sio.get_sid()
    out(step='connected', sid=sid)
    client.wait_for('disconnect', timeout=2 * WAIT)
    out(step='ended', order=list(client.seen))


def group_refresh_refused():
    """A refresh with another subject's token is refused, and the socket is ended."""
    client = Recorder('refresh-refused', ['unauthorized'])
    guard.connect(client.sio, URL, TOKENS['alice'], transports=TRANSPORTS, timeout=WAIT)
    # emit with a callback rather than authenticate(): the ack is recorded in arrival order.
    client.sio.emit('authenticate', {'token': TOKENS['mallory']}, callback=client.recorder('ack'))
    client.wait_for('disconnect')
    out(step='ended', order=client.seen)


def group_forbidden():
    """Events the policy denies: an ack gets the refusal, an event without ack gets `forbidden`."""
    client = Recorder('forbidden', ['forbidden', 'message'])
    guard.connect(client.sio, URL, TOKENS['alice'], transports=TRANSPORTS, timeout=WAIT)
    out(step='with-ack', ack=client.sio.call('admin:kick', {'sub': 'bob'}, timeout=WAIT))
    client.sio.emit('admin:kick', {'sub': 'bob'})
    client.wait_for('forbidden')
    # Still connected: a round trip on the same socket.
    out(step='after', ack=client.sio.call('message', 'still here', timeout=WAIT))
    client.sio.disconnect()
    reader = Recorder('reader', ['forbidden'])
    guard.connect(reader.sio, URL, TOKENS['reader'], transports=TRANSPORTS, timeout=WAIT)
    out(step='no-scope', ack=reader.sio.call('message', 'hi', timeout=WAIT))
    reader.sio.disconnect()


def group_kick():
    """admin:kick revokes a user: `unauthorized` token_revoked, the disconnect, then refusals."""
    # With the client's default reconnection, to see whether it retries after the kick.
    victim = Recorder('victim', ['unauthorized'], reconnection=True)
    guard.connect(victim.sio, URL, TOKENS['victim'], transports=TRANSPORTS, timeout=WAIT)
    for event in ['connect', 'connect_error']:  # connect() registered its own handlers
        victim.sio.on(event, victim.recorder(event))
    admin = Recorder('admin', [])
    guard.connect(admin.sio, URL, TOKENS['admin'], transports=TRANSPORTS, timeout=WAIT)
    out(step='kick', ack=admin.sio.call('admin:kick', {'sub': TOKENS['victimSub']}, timeout=WAIT))
    victim.wait_for('disconnect')
    out(step='kicked', order=victim.seen)
    admin.sio.disconnect()
    attempt('reconnect', TOKENS['victim'])
    time.sleep(2)  # past the client's first reconnection delay (1 s, randomized by half)
    out(step='after-kick', order=victim.seen)
    victim.sio.disconnect()


def group_post_connect():
    """A post-connect server: events dropped until `authenticate`, then the login, or the timeout."""
    client = Recorder('post-connect', ['authenticated', 'unauthorized'])
    guard.connect(client.sio, URL, None, transports=TRANSPORTS, timeout=WAIT)
    client.sio.emit('echo', 'before', callback=client.recorder('early-echo'))
    out(step='login', expiresAt=guard.authenticate(client.sio, TOKENS['alice'], timeout=WAIT))
    client.wait_for('authenticated')
    # The round trip that proves the early event was dropped: this one is answered.
    out(step='echo', reply=client.sio.call('echo', 'after', timeout=WAIT), order=list(client.seen))
    client.sio.disconnect()

    late = Recorder('late', ['unauthorized'])
    guard.connect(late.sio, URL, None, transports=TRANSPORTS, timeout=WAIT)
    late.wait_for('disconnect')
    out(step='timeout', order=late.seen)

    wrong = Recorder('wrong', ['unauthorized'])
    guard.connect(wrong.sio, URL, None, transports=TRANSPORTS, timeout=WAIT)
    try:
        guard.authenticate(wrong.sio, TOKENS['forged'], timeout=WAIT)
        out(step='wrong', ok=True)
    except guard.Refused as refused:
        out(step='wrong', ok=False, code=refused.code)
    wrong.wait_for('disconnect')


GROUPS = {
    'connect': group_connect,
    'refusals': group_refusals,
    'bare-string': group_bare_string,
    'no-retry': group_no_retry,
    'session': group_session,
    'refresh-refused': group_refresh_refused,
    'forbidden': group_forbidden,
    'kick': group_kick,
    'post-connect': group_post_connect,
}

try:
    GROUPS[SPEC['group']]()
except Exception as error:  # reported, so that the test shows it rather than a bare exit code
    out(failure=f'{type(error).__name__}: {error}')
out(done=True)
# Client threads left behind by a failed step must not keep the process alive.
os._exit(0)
