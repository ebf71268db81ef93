import { describe, expect, it } from 'vitest';
import { networkOf, normalizeIp, parseIp, sameNetwork } from '../../../src/auth/binding/index.js';

describe('normalizeIp', () => {
  it.each([
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:c000:0201', '192.0.2.1'],
    ['[::ffff:192.0.2.1]:443', '192.0.2.1'],
    ['192.0.2.1:8080', '192.0.2.1'],
    ['[2001:DB8::1]:80', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    [' 10.0.0.1 ', '10.0.0.1'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });

  it.each(['', 'unknown', '_hidden', '999.1.1.1', 'example.com', '1.2.3', '::g'])('%j is unknown', (raw) => {
    expect(normalizeIp(raw)).toBe('unknown');
    expect(parseIp(raw)).toBeUndefined();
  });
});

describe('prefix matching', () => {
  const mobile = { v4: 24, v6: 64 };
  it('IPv4: exact by default, /24 when configured', () => {
    expect(sameNetwork('198.51.100.1', '198.51.100.2')).toBe(false);
    expect(sameNetwork('198.51.100.1', '198.51.100.254', mobile)).toBe(true);
    expect(sameNetwork('198.51.100.1', '198.51.101.1', mobile)).toBe(false);
    expect(sameNetwork('198.51.100.1', '198.51.101.1', { v4: 16, v6: 64 })).toBe(true);
    expect(sameNetwork('198.51.100.1', '198.51.100.9', { v4: 29, v6: 128 })).toBe(false);
    expect(sameNetwork('198.51.100.1', '198.51.100.7', { v4: 29, v6: 128 })).toBe(true);
    expect(networkOf('198.51.100.77', mobile)).toBe('198.51.100.0/24');
  });
  it('IPv6: exact by default, /64 when configured', () => {
    expect(sameNetwork('2001:db8:a:b::1', '2001:db8:a:b::2')).toBe(false);
    expect(sameNetwork('2001:db8:a:b::1', '2001:db8:a:b:ffff:ffff:ffff:ffff', mobile)).toBe(true);
    expect(sameNetwork('2001:db8:a:b::1', '2001:db8:a:c::1', mobile)).toBe(false);
    expect(sameNetwork('2001:db8:a:b::1', '2001:db8:a:c::1', { v4: 32, v6: 48 })).toBe(true);
    expect(networkOf('2001:db8:a:b:1:2:3:4', mobile)).toBe('2001:db8:a:b::/64');
  });
  it('IPv4-mapped IPv6 compares as IPv4; the families never match each other', () => {
    expect(sameNetwork('::ffff:198.51.100.1', '198.51.100.1')).toBe(true);
    expect(sameNetwork('::ffff:198.51.100.1', '198.51.100.200', mobile)).toBe(true);
    expect(sameNetwork('::198.51.100.1', '198.51.100.1')).toBe(false);
    expect(sameNetwork('0.0.0.0', '::', { v4: 0, v6: 0 })).toBe(false);
    expect(sameNetwork('unknown', 'unknown')).toBe(false);
  });
});
