// The line `npm start` prints once listening: what is true of the address it is bound to.
import { describe, expect, it } from 'vitest'
import { listeningBanner } from '../../../server/banner.js'

describe('listeningBanner', () => {
  it('says "every interface" only for an every-interface address', () => {
    expect(listeningBanner({ url: 'http://127.0.0.1:3000', address: 'http://0.0.0.0:3000' })).toBe(
      'listening on http://0.0.0.0:3000 (every interface; on this machine http://127.0.0.1:3000)',
    )
    expect(listeningBanner({ url: 'http://127.0.0.1:3000', address: 'http://[::]:3000' })).toBe(
      'listening on http://[::]:3000 (every interface; on this machine http://127.0.0.1:3000)',
    )
  })

  it('a name (HOST=localhost) is printed with the address it resolved to, not as every interface', () => {
    const banner = listeningBanner({
      url: 'http://localhost:3000',
      address: 'http://127.0.0.1:3000',
    })
    expect(banner).toBe('listening on http://localhost:3000 (bound to http://127.0.0.1:3000)')
    expect(banner).not.toContain('every interface')
  })

  it('an address is printed once', () => {
    expect(
      listeningBanner({ url: 'http://127.0.0.1:3000', address: 'http://127.0.0.1:3000' }),
    ).toBe('listening on http://127.0.0.1:3000')
  })
})
