#!/usr/bin/env bash
# Checks the package as shipped: build, pack, install the tarball in an empty folder, import
# `sockguard` by name and use it, check that the packed README and docs link only to packed files,
# then publint.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
# No build first: `npm pack` (and `npm publish`) must build the package itself (prepack), or a
# clean checkout ships a package without code (the third outside attack, P1).
rm -rf dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
tar -tzf "$work/$tarball" | sed 's/^/  /'
if tar -tzf "$work/$tarball" | grep -E '(^|/)(src|test|bench|\.ci)/' >/dev/null; then
  echo "the tarball ships files that are not the library" >&2
  exit 1
fi
listing=$(tar -tzf "$work/$tarball")
for shipped in package/LICENSE package/README.md package/dist/index.js package/dist/index.d.ts; do
  if ! grep -qx "$shipped" <<<"$listing"; then
    echo "the tarball lacks ${shipped#package/}" >&2
    exit 1
  fi
done
cd "$work"
export SMOKE_SECRET=0123456789abcdef0123456789abcdef
npm init -y >/dev/null
# socket.io and socket.io-client are the peers that the Socket.IO parts need at run time.
npm install --no-audit --no-fund --silent "./$tarball" socket.io@^4.8.0 socket.io-client@^4.8.0
cat > smoke.mjs <<'JS'
import { createHmac, randomBytes } from 'node:crypto'
import { createVerifier, AuthError, AUTH_ERROR_CODES } from 'sockguard'

const secret = randomBytes(32)
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 })}`
const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
const verifier = createVerifier({ secret, algorithms: ['HS256'] })
const { claims } = await verifier.verify(token)
if (claims.sub !== 'alice') throw new Error('wrong claims')
const refused = await verifier.verify(`${token}x`).catch((err) => err)
if (!(refused instanceof AuthError) || !AUTH_ERROR_CODES.includes(refused.code)) throw new Error('not refused')
console.log(`import by name: ok (sub=${claims.sub}, refused with ${refused.code})`)

const compat = await import('sockguard/socketio-jwt')
if (typeof compat.authorize !== 'function' || typeof compat.default.authorize !== 'function') {
  throw new Error('sockguard/socketio-jwt does not export authorize')
}
console.log('import sockguard/socketio-jwt: ok')

const client = await import('sockguard/client')
if (typeof client.connect !== 'function' || typeof client.io.connect !== 'function') {
  throw new Error('sockguard/client does not export connect and io')
}
const express = await import('sockguard/express')
if (typeof express.requireAuth !== 'function' || typeof express.requireScope !== 'function') {
  throw new Error('sockguard/express does not export requireAuth and requireScope')
}
console.log('import sockguard/client and sockguard/express: ok')

// The framework peers are optional and not installed here: sockguard above loaded without them,
// sockguard/fastify needs only Fastify's types, sockguard/nestjs names the Nest package it lacks.
const fastify = await import('sockguard/fastify')
if (typeof fastify.sockguardPlugin !== 'function') throw new Error('sockguard/fastify has no plugin')
const nest = await import('sockguard/nestjs').then(() => undefined, (err) => err)
if (nest?.code !== 'ERR_MODULE_NOT_FOUND' || !String(nest.message).includes('@nestjs/')) {
  throw new Error(`sockguard/nestjs without Nest: ${nest?.message ?? 'loaded'}`)
}
console.log('without @nestjs/* and fastify installed: sockguard, sockguard/fastify ok; sockguard/nestjs asks for @nestjs')
JS
node smoke.mjs
# The bin, as npm links it.
./node_modules/.bin/sockguard --help >/dev/null
token=$(./node_modules/.bin/sockguard token --secret-env SMOKE_SECRET --sub smoke 2>/dev/null)
./node_modules/.bin/sockguard verify "$token" --secret-env SMOKE_SECRET --alg HS256 >/dev/null
echo 'bin sockguard: ok (token, verify)'
# A link to a file the package does not contain is dead on npm and in node_modules.
"$repo/node_modules/.bin/tsx" "$repo/scripts/check-packed-links.ts" node_modules/sockguard
cd - >/dev/null
npx publint --strict
