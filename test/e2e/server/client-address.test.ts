// The failed-handshake limit's key: one client, one key, however a proxy spells its address.
import { describe, expect, it } from 'vitest'
import { addressKey } from '../../../server/client-address.js'

describe('addressKey', () => {
  it('maps every spelling of one IPv4 address to it', () => {
    for (const spelling of [
      '203.0.113.9',
      ' 203.0.113.9',
      '203.0.113.9:1234',
      '::ffff:203.0.113.9',
      '::ffff:cb00:7109',
      '0:0:0:0:0:ffff:cb00:7109',
      '[::ffff:203.0.113.9]',
      '[::ffff:203.0.113.9]:443',
    ])
      expect(addressKey(spelling), spelling).toBe('203.0.113.9')
  })

  it('reduces IPv6 to its /64 prefix, zone and port dropped', () => {
    for (const spelling of [
      '2001:db8:1:2::1',
      '2001:DB8:1:2:ffff:ffff:ffff:ffff',
      '[2001:db8:1:2::7]:8080',
      '2001:0db8:0001:0002:0:0:0:9',
    ])
      expect(addressKey(spelling), spelling).toBe('2001:db8:1:2::/64')
    expect(addressKey('fe80::1%eth0')).toBe('fe80::/64')
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'))
  })

  it('refuses what is not an address in a usual form', () => {
    for (const garbage of [
      '',
      'not-an-ip',
      'unknown',
      '203.0.113.9:x',
      '0x7f.1',
      '2130706433',
      '203.0.113.9, 198.51.100.1',
      '[203.0.113.9',
      '<script>',
      'x'.repeat(5_000),
    ])
      expect(addressKey(garbage), garbage.slice(0, 20)).toBeUndefined()
  })
})
