// requireScope behind requireAuth in a real Express 5 app: every listed scope is required, read
// from `scope` (space-separated) or `scp` (array); a missing one is 403 insufficient_scope with
// the needed scopes in the challenge; without requireAuth before it, 401 token_missing.
import { describe, expect, it } from 'vitest'
import { createVerifier, InvalidOptionError } from '../../../src/index.js'
import { requireAuth, requireScope } from '../../../src/express/index.js'
import { createIssuer } from '../../support/socket-server.js'
import { expectRefusal, startApp } from './support.js'

const issuer = createIssuer()
const verifier = createVerifier({ secret: issuer.secret, algorithms: ['HS256'] })

async function scopedApp() {
  const reached: string[] = []
  const server = await startApp((app) => {
    app.delete(
      '/users/:id',
      requireAuth({ verifier, realm: 'api' }),
      requireScope('users:write', 'admin'),
      (req, res) => {
        reached.push(req.params.id)
        res.json(req.auth.claims.sub)
      },
    )
    // Misuse: requireScope without requireAuth before it.
    app.get('/unguarded', requireScope('read'), (_req, res) => {
      reached.push('unguarded')
      res.end()
    })
  })
  return Object.assign(server, { reached })
}

describe('requireScope', () => {
  it.each([
    ['scope, space-separated', { scope: 'read admin users:write' }],
    ['scp, an array', { scp: ['users:write', 'admin'] }],
    ['scope and scp together', { scope: 'admin', scp: ['users:write'] }],
  ])('passes when %s grants every scope', async (_, claims) => {
    await using server = await scopedApp()
    const response = await server.get('/users/7', issuer.sign(claims), { method: 'DELETE' })
    expect(response.status).toBe(200)
    expect(await response.json()).toBe('alice')
    expect(server.reached).toEqual(['7'])
  })

  it.each([
    ['one scope of two', { scope: 'admin' }],
    ['no scope claim at all', {}],
    ['a scope that only contains the name', { scope: 'users:writer admin' }],
    ['scp as a string of a wrong type', { scp: 42 }],
  ])('403 insufficient_scope with %s', async (_, claims) => {
    await using server = await scopedApp()
    const token = issuer.sign(claims)
    const response = await server.get('/users/7', token, { method: 'DELETE' })
    const seen = await expectRefusal(response, 403, 'insufficient_scope', token)
    expect(seen.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="users:write admin"',
    )
    expect(server.reached).toEqual([])
  })

  it('without requireAuth before it: 401 token_missing, never a crash', async () => {
    await using server = await scopedApp()
    const token = issuer.sign({ scope: 'read' })
    // Even a valid token: nothing verified it, so there is no req.auth to trust.
    for (const response of [
      await server.get('/unguarded'),
      await server.get('/unguarded', token),
    ]) {
      const seen = await expectRefusal(response, 401, 'token_missing', token)
      expect(seen.headers['www-authenticate']).toBe('Bearer')
    }
    expect(server.reached).toEqual([])
  })

  it('checks its scopes at creation', () => {
    for (const bad of [[], [''], ['a b'], ['say "hi"'], ['back\\slash'], [42]]) {
      expect(() => requireScope(...(bad as [string]))).toThrow(InvalidOptionError)
    }
    expect(() => requireScope('read', 'users:write')).not.toThrow()
  })
})
