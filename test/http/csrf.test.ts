import { describe, expect, it } from 'vitest';
import { type CreateAppOptions, createApp, ok, readJsonObject } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { json } from '../support/http.js';

const SID = 'ses_0123456789abcdefghij';
const config = { BODY_LIMIT_BYTES: 4096, CORS_ORIGINS: ['https://app.example.com'], DEBUG_ERRORS: false };

function build(csrf?: CreateAppOptions['csrf']) {
  const app = createApp({ config, logger: silentLogger(), accessLog: false, csrf });
  // A route that changes state without reading a body (a logout, a delete).
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '/act', (c) => ok(c, { done: true }));
  app.post('/echo', async (c) => ok(c, await readJsonObject(c)));
  app.get('/read', (c) => ok(c, { read: true }));
  return app;
}

const app = build();
const JSON_TYPE = { 'Content-Type': 'application/json' };
const COOKIE = { Cookie: `theme=dark; session_id=${SID}` };

async function call(path: string, method: string, headers: Record<string, string>, body?: string) {
  const res = await app.request(`http://api.example.com${path}`, { method, headers, body });
  return [res.status, (await json(res)).code ?? 'OK'];
}

describe('CSRF defence: cookie-carried sessions', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
    '%s with the cookie needs application/json (415)',
    async (method) => {
      expect(await call('/act', method, { ...COOKIE })).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(await call('/act', method, { ...COOKIE, 'Content-Type': 'text/plain' }, '{}')).toEqual([
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ]);
      expect(await call('/act', method, { ...COOKIE, ...JSON_TYPE }, '{}')).toEqual([200, 'OK']);
    },
  );

  it('refuses every content type a form or a no-cors fetch can send', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain;charset=UTF-8',
      'text/json',
      'application/jsonx',
    ]) {
      expect(await call('/act', 'POST', { ...COOKIE, 'Content-Type': type }, 'a=1')).toEqual([
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ]);
    }
    const structured = { ...COOKIE, 'Content-Type': 'application/merge-patch+json; charset=utf-8' };
    expect(await call('/act', 'PATCH', structured, '{}')).toEqual([200, 'OK']);
  });

  it('refuses a browser request from another origin with 403 CSRF_REJECTED', async () => {
    const jsonCookie = { ...COOKIE, ...JSON_TYPE };
    for (const extra of <Array<Record<string, string>>>[
      { Origin: 'https://evil.example.net' },
      { Origin: 'https://evil.example.net', 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'cross-site' },
      // A sibling subdomain is "same-site" but not an allowed origin.
      { Origin: 'https://sub.example.com', 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'null' },
      { Origin: 'http://api.example.com:8080' },
      { Origin: 'http://api.example.com.evil.net' },
    ]) {
      expect(await call('/act', 'POST', { ...jsonCookie, ...extra }, '{}')).toEqual([403, 'CSRF_REJECTED']);
    }
  });

  it('lets the same origin and the CORS_ORIGINS through', async () => {
    const jsonCookie = { ...COOKIE, ...JSON_TYPE };
    for (const extra of <Array<Record<string, string>>>[
      { 'Sec-Fetch-Site': 'same-origin' },
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://api.example.com' },
      { Origin: 'http://api.example.com' },
      // Behind a TLS-terminating proxy the browser's origin is https while we see http.
      { Origin: 'https://api.example.com' },
      { Origin: 'https://app.example.com', 'Sec-Fetch-Site': 'cross-site' },
      {},
    ]) {
      expect(await call('/act', 'POST', { ...jsonCookie, ...extra }, '{}')).toEqual([200, 'OK']);
    }
  });

  it('checks the origin before the content type', async () => {
    const res = await call('/act', 'POST', { ...COOKIE, Origin: 'https://evil.example.net' }, 'a=1');
    expect(res).toEqual([403, 'CSRF_REJECTED']);
  });

  it('leaves requests authenticated by header or Bearer alone, and safe methods', async () => {
    const evil = {
      Origin: 'https://evil.example.net',
      'Sec-Fetch-Site': 'cross-site',
      'Content-Type': 'text/plain',
    };
    expect(await call('/act', 'POST', { ...COOKIE, ...evil, 'X-Session-ID': SID }, 'x')).toEqual([200, 'OK']);
    expect(await call('/act', 'POST', { ...COOKIE, ...evil, Authorization: `Bearer ${SID}` }, 'x')).toEqual([
      200,
      'OK',
    ]);
    expect(await call('/read', 'GET', { ...COOKIE, ...evil })).toEqual([200, 'OK']);
    // No session cookie: nothing for a forged request to ride on.
    expect(await call('/act', 'POST', { Cookie: 'theme=dark; session_id=', ...evil }, 'x')).toEqual([
      200,
      'OK',
    ]);
  });

  it('follows the configured cookie name, and can be switched off', async () => {
    const renamed = build({ cookieName: 'sid' });
    const post = (a: typeof app, cookie: string) =>
      a.request('/act', {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'text/plain' },
        body: 'x',
      });
    expect((await post(renamed, `sid=${SID}`)).status).toBe(415);
    expect((await post(renamed, `session_id=${SID}`)).status).toBe(200);
    expect((await post(build(false), `session_id=${SID}`)).status).toBe(200);
  });
});

describe('JSON body reader', () => {
  const echo = (headers: Record<string, string>, body?: string) => call('/echo', 'POST', headers, body);

  it('refuses a body declared as anything but JSON, or not declared at all (415)', async () => {
    expect(await echo({ 'Content-Type': 'text/plain' }, '{"a":1}')).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await echo({ 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=1')).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ]);
    expect(await echo({}, '{"a":1}')).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('reads JSON and structured +json types; no body is an empty object', async () => {
    const res = await app.request('/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'Application/JSON; charset=utf-8' },
      body: '{"a":1}',
    });
    expect(await json(res)).toEqual({ success: true, data: { a: 1 } });
    expect(await echo({ 'Content-Type': 'application/merge-patch+json' }, '{"a":1}')).toEqual([200, 'OK']);
    expect(await json(await app.request('/echo', { method: 'POST' }))).toEqual({ success: true, data: {} });
  });
});
