import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientIpMiddleware,
  clientIpResolverFromConfig,
  createClientIpResolver,
  parseForwarded,
  type TrustProxy,
} from '../../../src/auth/binding/index.js';
import { parseConfig } from '../../../src/config/index.js';

function appFor(trust: TrustProxy, header?: 'forwarded' | 'x-forwarded-for') {
  const app = new Hono();
  app.use('*', clientIpMiddleware(createClientIpResolver(trust, { header })));
  app.get('/ip', (c) => c.text(c.get('clientIp')));
  return app;
}

/** The socket address as @hono/node-server exposes it (`c.env.incoming.socket`). */
async function ipOf(app: Hono, peer: string | undefined, headers: Record<string, string> = {}) {
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  const res = await app.request('/ip', { headers }, env);
  return res.text();
}

describe('client IP without trusted proxies', () => {
  const app = appFor(false);
  it('is the socket address; X-Forwarded-For and Forwarded are ignored', async () => {
    const spoof = { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=1.2.3.4' };
    expect(await ipOf(app, '198.51.100.9', spoof)).toBe('198.51.100.9');
  });
  it('normalises an IPv4-mapped socket address', async () => {
    expect(await ipOf(app, '::ffff:198.51.100.9')).toBe('198.51.100.9');
  });
  it('is unknown without a socket (app.request with no env)', async () => {
    expect(await ipOf(app, undefined, { 'x-forwarded-for': '1.2.3.4' })).toBe('unknown');
  });
});

describe('client IP with a list of trusted proxies', () => {
  const app = appFor(['loopback', '10.0.0.0/8']);
  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    expect(await ipOf(app, '198.51.100.9', { 'x-forwarded-for': '1.2.3.4' })).toBe('198.51.100.9');
  });
  it('honours a trusted chain and stops at the first untrusted hop', async () => {
    const xff = { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 10.1.1.1' };
    expect(await ipOf(app, '127.0.0.1', xff)).toBe('203.0.113.5');
    expect(await ipOf(app, '::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).toBe('203.0.113.5');
  });
  it('takes the farthest hop when the whole chain is trusted', async () => {
    expect(await ipOf(app, '127.0.0.1', { 'x-forwarded-for': '10.0.0.2, 10.0.0.3' })).toBe('10.0.0.2');
  });
  it('a trusted peer without the header is the client', async () => {
    expect(await ipOf(app, '10.9.9.9')).toBe('10.9.9.9');
  });
  it('a garbage hop is unknown, never echoed', async () => {
    expect(await ipOf(app, '127.0.0.1', { 'x-forwarded-for': '<script>' })).toBe('unknown');
  });
});

describe('client IP with a hop count', () => {
  it('trusts exactly N hops', async () => {
    const xff = { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 192.0.2.1' };
    expect(await ipOf(appFor(1), '198.51.100.1', xff)).toBe('192.0.2.1');
    expect(await ipOf(appFor(2), '198.51.100.1', xff)).toBe('203.0.113.5');
    expect(await ipOf(appFor(2), '198.51.100.1', { 'x-forwarded-for': '192.0.2.1' })).toBe('192.0.2.1');
    expect(await ipOf(appFor(0), '198.51.100.1', xff)).toBe('198.51.100.1');
  });
});

describe('RFC 7239 Forwarded', () => {
  it('parses for= nodes with quotes, ports, IPv6 brackets and obfuscated names', () => {
    const header =
      'for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711", for=unknown, proto=https, for="_hidden", for=198.51.100.1:80';
    expect(parseForwarded(header)).toEqual([
      '192.0.2.60',
      '2001:db8:cafe::17',
      'unknown',
      'unknown',
      'unknown',
      '198.51.100.1',
    ]);
    expect(parseForwarded('for="a,b";by=x, for=192.0.2.1')).toEqual(['unknown', '192.0.2.1']);
  });
  it('is read from trusted proxies when configured, and X-Forwarded-For is then ignored', async () => {
    const app = appFor(['loopback'], 'forwarded');
    const headers = { forwarded: 'for=192.0.2.60, for="[::1]"', 'x-forwarded-for': '6.6.6.6' };
    expect(await ipOf(app, '127.0.0.1', headers)).toBe('192.0.2.60');
    expect(await ipOf(app, '198.51.100.9', headers)).toBe('198.51.100.9');
    expect(await ipOf(app, '127.0.0.1', { 'x-forwarded-for': '6.6.6.6' })).toBe('127.0.0.1');
  });
  it('X-Forwarded-For mode ignores a forged Forwarded header passed through by the proxy', async () => {
    const headers = { forwarded: 'for=6.6.6.6', 'x-forwarded-for': '192.0.2.60' };
    expect(await ipOf(appFor(['loopback']), '127.0.0.1', headers)).toBe('192.0.2.60');
  });
});

describe('from config', () => {
  it('uses TRUST_PROXY as parsed by the schema', async () => {
    const { config } = parseConfig({ NODE_ENV: 'test', TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    const app = new Hono();
    app.use('*', clientIpMiddleware(clientIpResolverFromConfig(config!)));
    app.get('/ip', (c) => c.text(c.get('clientIp')));
    expect(await ipOf(app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).toBe('203.0.113.5');
    const off = parseConfig({ NODE_ENV: 'test' }).config!;
    const app2 = new Hono();
    app2.use('*', clientIpMiddleware(clientIpResolverFromConfig(off)));
    app2.get('/ip', (c) => c.text(c.get('clientIp')));
    expect(await ipOf(app2, '127.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).toBe('127.0.0.1');
  });
});

describe('over a real socket on 127.0.0.1', () => {
  let server: ServerType;
  let base = '';
  const start = (app: Hono) =>
    new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  beforeAll(() => start(appFor(['loopback'])));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the peer from the socket and honours X-Forwarded-For from loopback', async () => {
    expect(await (await fetch(`${base}/ip`)).text()).toBe('127.0.0.1');
    const res = await fetch(`${base}/ip`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(await res.text()).toBe('203.0.113.5');
  });
});
