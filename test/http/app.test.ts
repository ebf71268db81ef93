import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createApp, listen, ok, readJsonObject } from '../../src/http/index.js';
import { json } from '../support/http.js';
import { captureLogger } from '../support/log-capture.js';

const config = { BODY_LIMIT_BYTES: 1024, CORS_ORIGINS: ['https://app.example.com'], DEBUG_ERRORS: false };

function build(options: { debug?: boolean } = {}) {
  const capture = captureLogger();
  const app = createApp({
    config: { ...config, DEBUG_ERRORS: options.debug ?? false },
    logger: capture.logger,
  });
  app.post('/echo', async (c) => ok(c, await readJsonObject(c)));
  app.get('/boom', () => {
    throw new Error('db password is hunter2');
  });
  app.get('/conflict', () => {
    throw new AppError('CONFLICT', 'Already there', { details: { id: 1 } });
  });
  app.get('/busy', () => {
    throw new AppError('AUTH_UNAVAILABLE', 'Authentication service unavailable', { retryAfter: 5 });
  });
  return { app, capture };
}

describe('http shell: envelope', () => {
  it('answers unknown routes with 404 in the envelope', async () => {
    const res = await build().app.request('/nope');
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ success: false, error: 'Not found', code: 'NOT_FOUND' });
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const res = await build().app.request('/echo');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expect((await json(res)).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('maps AppError to its status, code and details', async () => {
    const res = await build().app.request('/conflict');
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({
      success: false,
      error: 'Already there',
      code: 'CONFLICT',
      details: { id: 1 },
    });
  });

  it('sends Retry-After with a 503', async () => {
    const res = await build().app.request('/busy');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('never sends a stack trace or error text to the client on a 500, but logs it', async () => {
    const { app, capture } = build();
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      success: false,
      error: 'Internal server error',
      code: 'INTERNAL_ERROR',
    });
    expect(text).not.toContain('hunter2');
    expect(capture.text()).toContain('request failed');
  });

  it('includes the cause only with the explicit debug setting', async () => {
    const res = await build({ debug: true }).app.request('/boom');
    const body = await json(res);
    expect(body.details.message).toContain('db password');
  });
});

describe('http shell: bodies', () => {
  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const res = await build().app.request('/echo', {
      method: 'POST',
      body: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('INVALID_JSON');
  });

  it('round-trips a JSON object', async () => {
    const res = await build().app.request('/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await json(res)).toEqual({ success: true, data: { a: 1 } });
  });

  it('rejects an oversized body with 413', async () => {
    const res = await build().app.request('/echo', {
      method: 'POST',
      body: JSON.stringify({ a: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('bounds a chunked body without Content-Length too (real socket)', async () => {
    const { app } = build();
    const server = await listen(app, { port: 0, host: '127.0.0.1' });
    try {
      const chunks = Readable.from(
        (function* () {
          for (let i = 0; i < 20; i++) yield Buffer.from('x'.repeat(200));
        })(),
      );
      const res = await fetch(`http://127.0.0.1:${server.port}/echo`, {
        method: 'POST',
        body: Readable.toWeb(chunks) as ReadableStream,
        duplex: 'half',
      });
      expect(res.status).toBe(413);
    } finally {
      await server.close(1000);
    }
  });
});

describe('http shell: body limit over HTTP/2', () => {
  it('bounds a body sent without Content-Length (h2c)', async () => {
    const { app } = build();
    const server = createAdaptorServer({
      fetch: app.fetch,
      createServer: http2.createServer,
    }) as http2.Http2Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = client.request({
          ':method': 'POST',
          ':path': '/echo',
          'content-type': 'application/json',
        });
        req.on('response', (headers) => resolve(Number(headers[':status'])));
        req.on('error', reject);
        req.end(JSON.stringify({ a: 'x'.repeat(2000) }));
        req.resume();
      });
      expect(status).toBe(413);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('http shell: headers', () => {
  it('keeps an incoming X-Request-ID and generates one otherwise', async () => {
    const { app } = build();
    const kept = await app.request('/health', { headers: { 'X-Request-ID': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const fresh = await app.request('/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes only allowed origins, with credentials, and the protocol headers', async () => {
    const { app } = build();
    const pre = await app.request('/echo', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    for (const h of ['X-Session-ID', 'X-Device-ID', 'Authorization', 'X-Bridge-Secret']) {
      expect(pre.headers.get('access-control-allow-headers')).toContain(h);
    }
    const evil = await app.request('/health', { headers: { Origin: 'https://evil.example.com' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends the same headers through a real socket, with and without Origin and body', async () => {
    const { app } = build();
    app.get('/own-frame', (c) => c.json({ ok: true }, 200, { 'X-Frame-Options': 'DENY' }));
    const server = await listen(app, { port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const plain = await fetch(`${base}/health`, { headers: { 'X-Request-ID': 'abc-123' } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get('x-request-id')).toBe('abc-123');
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
      expect(plain.headers.get('strict-transport-security')).toContain('max-age=');
      expect(plain.headers.get('vary')).toBe('Origin');
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      const badId = await fetch(`${base}/health`, { headers: { 'X-Request-ID': 'no spaces<>' } });
      expect(badId.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      const cross = await fetch(`${base}/health`, { headers: { Origin: 'https://app.example.com' } });
      expect(cross.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(cross.headers.get('access-control-allow-credentials')).toBe('true');
      expect(cross.headers.get('vary')).toContain('Origin');
      expect(cross.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      const pre = await fetch(`${base}/echo`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-headers')).toContain('X-Session-ID');
      expect(pre.headers.get('access-control-max-age')).toBe('600');

      const echoed = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(await echoed.json()).toEqual({ success: true, data: { a: 1 } });
      const big = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ a: 'x'.repeat(2000) }),
      });
      expect(big.status).toBe(413);
      expect(big.headers.get('x-content-type-options')).toBe('nosniff');

      // A route's own value of a fixed header is kept.
      expect((await fetch(`${base}/own-frame`)).headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await server.close(1000);
    }
  });

  it('sets secure headers', async () => {
    const res = await build().app.request('/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });
});

describe('http shell: logging', () => {
  it('logs one line per request with secrets redacted from the query', async () => {
    const { app, capture } = build();
    await app.request('/health?session_id=ses_supersecret&token=v4.public.abc&page=2', {
      headers: { 'X-Session-ID': 'ses_other_secret', Authorization: 'Bearer ses_third' },
    });
    const text = capture.text();
    expect(text).toContain('"path":"/health?session_id=%5Bredacted%5D&token=%5Bredacted%5D&page=2"');
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('v4.public.abc');
    expect(text).not.toContain('ses_other_secret');
    expect(text).not.toContain('ses_third');
  });

  it('writes the access line as pino would, at info level even for a 5xx (the error handler logs failures once)', async () => {
    const { app, capture } = build();
    await app.request('/health', { headers: { 'X-Request-ID': 'req-1' } });
    await app.request('/boom', { headers: { 'X-Request-ID': 'req-2' } });
    const fields = { requestId: 'req-1', method: 'GET', path: '/health', status: 200, ms: 1 };
    capture.logger.info(fields, 'request');
    const lines = capture.lines().map((l) => JSON.parse(l));
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(3);
    const [ours, failed, pinos] = access;
    expect(Object.keys(ours)).toEqual(Object.keys(pinos));
    expect({ ...ours, time: 0, ms: 0 }).toEqual({ ...pinos, time: 0, ms: 0 });
    expect(Number.isNaN(Date.parse(ours.time))).toBe(false);
    expect(failed).toMatchObject({ level: 30, requestId: 'req-2', path: '/boom', status: 500 });
  });

  it('gives handlers a logger bound to the request id, still redacting secrets', async () => {
    const { app, capture } = build();
    app.get('/note', (c) => {
      c.get('logger').info({ token: 'v4.public.hidden', step: 'noted' }, 'handler line');
      return c.json({ ok: true });
    });
    await app.request('/note', { headers: { 'X-Request-ID': 'req-42' } });
    const lines = capture
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const handler = lines.find((l) => l.msg === 'handler line');
    expect(handler).toMatchObject({ requestId: 'req-42', step: 'noted', token: '[redacted]' });
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ requestId: 'req-42', status: 200 });
  });
});

describe('http shell: health', () => {
  it('GET /health is liveness', async () => {
    const res = await build().app.request('/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: { status: 'ok' } });
  });

  it('GET /health/ready reports components; a critical one down is 503 without error text', async () => {
    const capture = captureLogger();
    const readiness = [
      { name: 'database', check: async () => ({ status: 'up' as const, latencyMs: 1 }) },
      {
        name: 'redis',
        critical: false,
        check: async () => {
          throw new Error('ECONNREFUSED redis://:pw@host');
        },
      },
    ];
    const app = createApp({ config, logger: capture.logger, readiness });
    const degraded = await app.request('/health/ready');
    expect(degraded.status).toBe(200);
    const body = await json(degraded);
    expect(body.data.status).toBe('degraded');
    expect(body.data.components.redis).toEqual({ status: 'down', reason: 'error' });

    readiness.push({
      name: 'flowless',
      check: async () => ({ status: 'down' as const }),
    } as never);
    const down = await app.request('/health/ready');
    expect(down.status).toBe(503);
    const text = await down.text();
    expect(JSON.parse(text).code).toBe('NOT_READY');
    expect(text).not.toContain('ECONNREFUSED');
  });
});
