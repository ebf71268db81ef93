import { createServer } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createAuthGateway, createUpstreamClient } from '../../src/gateway/index.js';
import { createApp } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  type Listening,
  rawRequest,
  SECRET,
  send,
  serve,
  startStandin,
  type TestStandin,
} from './helpers.js';

/**
 * Requests that must never reach Flowless through the gateway, or must be bounded. Every case counts
 * what the stand-in actually received.
 */
let standin: TestStandin;
let flowfull: Listening;
let gatewayOnly: Listening;

beforeAll(async () => {
  standin = await startStandin();
  const config = parseConfig({ NODE_ENV: 'test', BODY_LIMIT_BYTES: '2048' }).config!;
  const app = createApp({ config, logger: silentLogger(), accessLog: false });
  app.route('/', createAuthGateway({ upstreamUrl: standin.url, timeoutMs: 400, bodyLimitBytes: 2048 }).app);
  flowfull = await serve(app);
  // The gateway alone (no HTTP shell in front): its own bounds must hold without createApp's.
  const bare = new Hono();
  bare.route('/', createAuthGateway({ upstreamUrl: standin.url, timeoutMs: 400, bodyLimitBytes: 2048 }).app);
  gatewayOnly = await serve(bare);
});

afterAll(async () => {
  await flowfull?.close();
  await gatewayOnly?.close();
  await standin?.close();
});

beforeEach(() => {
  standin.seen.length = 0;
  standin.standin.controls.resetFaults();
});

const raw = (port: number, method: string, target: string, extra = '') =>
  rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`);

describe('gateway: paths that never leave Flowfull', () => {
  const refused = [
    '/auth/bridge/validate',
    '/auth/bridge',
    '/auth/BRIDGE/validate',
    '/auth/Bridge/Validate',
    '/auth/./bridge/validate',
    '/auth/x/../bridge/validate',
    '/auth/%2e%2e/auth/bridge/validate',
    '/auth/%2E%2E/health',
    '/auth/..%2fbridge/validate',
    '/auth/%2fbridge%2fvalidate',
    '/auth/bridge%2Fvalidate',
    '/auth//bridge/validate',
    '/auth/login//',
    '/auth\\..\\bridge\\validate',
    '/auth/%5cbridge',
    '/auth/login%00',
    '/auth/login;jsessionid=1',
    '/auth/%252e%252e/bridge/validate',
    '/auth/..',
    '/auth/',
    '/auth',
  ];

  it.each(refused)('%s is refused and Flowless sees nothing', async (target) => {
    for (const port of [flowfull.port, gatewayOnly.port]) {
      const res = await raw(
        port,
        'POST',
        target,
        `X-Bridge-Secret: ${SECRET}\r\nContent-Length: 2\r\n\r\n{}`,
      );
      // 405: the URL parser resolved the dots to one of Flowfull's own paths (/health), never Flowless's.
      expect([400, 404, 405]).toContain(res.status);
    }
    expect(standin.seen).toEqual([]);
  });

  it('paths outside the prefix are not the gateway at all', async () => {
    for (const target of ['/health', '/bridge/validate', '/authx/login', '/dev/outbox']) {
      const res = await raw(flowfull.port, 'GET', target);
      expect(res.status === 404 || target === '/health').toBe(true);
    }
    expect(standin.seen).toEqual([]);
  });

  it('an absolute URL or an asterisk as the request target is refused', async () => {
    for (const target of ['http://evil.example/auth/me', `${standin.url}/auth/bridge/validate`, '*']) {
      const res = await raw(gatewayOnly.port, 'GET', target);
      expect([400, 404]).toContain(res.status);
    }
    expect(standin.seen).toEqual([]);
  });

  it('methods outside the whitelist answer 405 without a call', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'PURGE']) {
      const res = await raw(flowfull.port, method, '/auth/me');
      expect(res.status).toBe(405);
    }
    expect(standin.seen).toEqual([]);
  });

  it('a query string with control characters or spaces is refused', async () => {
    const res = await raw(gatewayOnly.port, 'GET', '/auth/me?x=%0d%0a\\');
    expect(res.status).toBe(400);
    expect(standin.seen).toEqual([]);
  });
});

describe('gateway: what reaches Flowless', () => {
  it('never forwards a client X-Bridge-Secret, forged forwarding headers or hop-by-hop headers', async () => {
    const headers = [
      `X-Bridge-Secret: ${SECRET}`,
      'X-Forwarded-For: 203.0.113.9',
      'Forwarded: for=203.0.113.9',
      'X-Real-IP: 203.0.113.9',
      'Proxy-Authorization: Basic Zm9vOmJhcg==',
      'Connection: close, X-Drop-Me',
      'X-Drop-Me: 1',
      'X-Session-ID: ses_not_a_real_one',
    ];
    const res = await rawRequest(
      flowfull.port,
      `GET /auth/me?lang=en HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.join('\r\n')}\r\n\r\n`,
    );
    expect(res.status).toBe(401);
    expect(standin.seen).toHaveLength(1);
    const seen = standin.seen[0]!;
    expect(seen.target).toBe('/auth/me?lang=en');
    expect(seen.headers['x-bridge-secret']).toBeUndefined();
    expect(seen.headers.forwarded).toBeUndefined();
    expect(seen.headers['x-real-ip']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['x-drop-me']).toBeUndefined();
    // The client's address as Flowfull computed it (no proxy trusted here: the socket peer).
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    // The session header is end to end: Flowless needs it.
    expect(seen.headers['x-session-id']).toBe('ses_not_a_real_one');
    // One request id on both sides: Flowfull's, also the one the client was told.
    const told = /x-request-id: ([^\r]+)/i.exec(res.raw)?.[1];
    expect(seen.headers['x-request-id']).toBe(told);
  });

  it('forwards the request id and the session header of a fetch client', async () => {
    const res = await send(flowfull.url, 'GET', '/auth/validation', {
      headers: { 'x-session-id': 'ses_unknown', 'x-bridge-secret': SECRET },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, error: 'Invalid session', code: 'INVALID_SESSION' });
    expect(standin.seen[0]!.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
    expect(standin.seen[0]!.headers['x-bridge-secret']).toBeUndefined();
  });

  it('passes Flowless answers through unchanged, 4xx included', async () => {
    const body = { email: 'nobody@example.test', password: 'wrong password' };
    const direct = await send(standin.url, 'POST', '/auth/login', { body });
    const through = await send(flowfull.url, 'POST', '/auth/login', { body });
    expect(direct.status).toBe(401);
    expect(through.status).toBe(401);
    expect(through.body).toEqual(direct.body);
  });
});

describe('gateway: bounded', () => {
  it('refuses a declared oversized body before calling Flowless', async () => {
    const big = JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(4000) });
    for (const base of [flowfull.url, gatewayOnly.url]) {
      const res = await fetch(`${base}/auth/login`, {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(standin.seen).toEqual([]);
  });

  it('stops a streamed (chunked) body at the limit', async () => {
    const chunk = 'x'.repeat(1024);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const res = await fetch(`${gatewayOnly.url}/auth/register`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    // Nothing Flowless could act on: at most an upload it saw cut short, never a registration.
    expect(standin.seen.every((s) => s.target === '/auth/register')).toBe(true);
    expect(standin.seen.length).toBeLessThanOrEqual(1);
  });

  it('answers 503 AUTH_UNAVAILABLE with Retry-After when Flowless hangs, and does not retry a POST', async () => {
    standin.standin.controls.setFaults({ hang: true, routes: ['logout'] });
    const res = await send(flowfull.url, 'POST', '/auth/logout', { headers: { 'x-session-id': 'ses_hang' } });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false, code: 'AUTH_UNAVAILABLE' });
    expect(res.body.error).not.toMatch(/Invalid session|Session expired/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.body.details.retry_after).toBe(Number(res.headers.get('retry-after')));
    expect(standin.seen.filter((s) => s.target === '/auth/logout')).toHaveLength(1);
  });
});

describe('gateway: Flowless down', () => {
  it('answers 503 with Retry-After, and its breaker stops calling a dead Flowless', async () => {
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const attempts: string[] = [];
    const client = createUpstreamClient();
    const gateway = createAuthGateway({
      upstreamUrl: `http://127.0.0.1:${port}`,
      breaker: { threshold: 2, cooldownMs: 60_000 },
      upstream: (url, init) => {
        attempts.push(url);
        return client.fetch(url, init);
      },
    });
    const app = new Hono().route('/', gateway.app);
    for (let i = 0; i < 5; i++) {
      const res = await app.request('/auth/login', { method: 'POST', body: '{}' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).not.toBeNull();
      expect(((await res.json()) as { code: string }).code).toBe('AUTH_UNAVAILABLE');
    }
    expect(attempts).toHaveLength(2);
    expect(gateway.breaker.state).toBe('open');
  });
});
