import http from 'node:http';
import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { optionalAuth, requireAuth } from '../../src/auth/middleware.js';
import type { AuthService } from '../../src/auth/service.js';
import { listen, ok, type RunningServer } from '../../src/http/index.js';
import { body, Harness } from './helpers.js';

/**
 * One credential per request, end to end: the auth middleware in front of the stand-in, in-process
 * (app.request, fetch Headers join repeats with ", ") and over real HTTP (Node keeps repeats apart in
 * rawHeaders and keeps only the first Authorization in its parsed headers). Every refusal happens
 * before Flowless is asked anything.
 */

function routes(app: Hono) {
  app.get('/private', requireAuth(), (c) => ok(c, { user_id: c.get('user_id') }));
  app.get('/maybe', optionalAuth(), (c) => ok(c, { is_guest: c.get('is_guest') }));
}

type RawHeaders = Record<string, string | string[]>;

/** A GET over a real socket; array values are sent as separate header lines. */
function rawGet(
  port: number,
  path: string,
  headers: RawHeaders,
): Promise<{ status: number; body: { code?: string; error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('one credential per request', () => {
  const h = new Harness();
  let auth: AuthService;
  let app: Hono;
  let server: RunningServer;
  let a: string;
  let b: string;

  beforeAll(async () => {
    await h.start();
    auth = await h.auth({ redis: false, retryAttempts: 0 });
    app = h.app(auth, routes);
    server = await listen(app, { port: 0, host: '127.0.0.1' });
    a = (await h.newSession()).sessionId;
    b = (await h.newSession()).sessionId;
  });
  afterAll(async () => {
    await server?.close(1000);
    await h.close();
  });
  beforeEach(() => h.standin.resetStats());

  const cases = (): Array<[string, string, RawHeaders]> => [
    ['repeated X-Session-ID', '/private', { 'X-Session-ID': [a, b] }],
    ['repeated Bearer', '/private', { Authorization: [`Bearer ${a}`, `Bearer ${b}`] }],
    ['Bearer and X-Session-ID', '/private', { 'X-Session-ID': a, Authorization: `Bearer ${b}` }],
    ['header and cookie', '/private', { 'X-Session-ID': a, Cookie: `session_id=${b}` }],
    ['repeated cookie', '/private', { Cookie: `session_id=${a}; session_id=${b}` }],
    ['two Cookie headers', '/private', { Cookie: [`session_id=${a}`, `session_id=${b}`] }],
    ['query and header', `/private?session_id=${b}`, { 'X-Session-ID': a }],
    ['optionalAuth is not downgraded to guest', '/maybe', { 'X-Session-ID': [a, b] }],
  ];

  it('refuses two different ids with 401 AMBIGUOUS_CREDENTIALS in-process, with no upstream call', async () => {
    for (const [name, path, headers] of cases()) {
      const list: Array<[string, string]> = [];
      for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) list.push([k, one]);
      const res = await app.request(path, { headers: list });
      expect([name, res.status, (await body(res)).code]).toEqual([name, 401, 'AMBIGUOUS_CREDENTIALS']);
    }
    expect(h.standin.stats().bridgeValidateCalls).toBe(0);
  });

  it('refuses the same over real HTTP, with no upstream call', async () => {
    for (const [name, path, headers] of cases()) {
      const res = await rawGet(server.port, path, headers);
      expect([name, res.status, res.body.code]).toEqual([name, 401, 'AMBIGUOUS_CREDENTIALS']);
      expect(res.body.error).toBe('More than one session id in the request');
    }
    expect(h.standin.stats().bridgeValidateCalls).toBe(0);
  });

  it('accepts the same id sent twice, and over real HTTP', async () => {
    const res = await rawGet(server.port, '/private', {
      'X-Session-ID': [a, a],
      Authorization: `Bearer ${a}`,
      Cookie: `session_id=${a}`,
    });
    expect(res.status).toBe(200);
    expect(h.standin.stats().bridgeValidateCalls).toBe(1);
  });

  it('refuses an id outside the alphabet or length bounds without asking Flowless', async () => {
    for (const id of ['ses_short', `${a}.`, `${a}!`, 'x'.repeat(300), `ses_${'\u00e9'.repeat(20)}`]) {
      const res = await app.request('/private', { headers: [['X-Session-ID', id]] });
      expect([id, res.status, (await body(res)).code]).toEqual([id, 401, 'INVALID_SESSION']);
      const guest = await app.request('/maybe', { headers: [['X-Session-ID', id]] });
      expect((await body(guest)).data.is_guest).toBe(true);
    }
    expect(h.standin.stats().bridgeValidateCalls).toBe(0);
  });

  it('a deployment can narrow the policy (hex ids of 64 characters)', async () => {
    const hexAuth = await h.auth({
      redis: false,
      extraction: { alphabet: '0-9a-f', minLength: 64, maxLength: 64 },
    });
    const hexApp = h.app(hexAuth, routes);
    const res = await hexApp.request('/private', { headers: { 'X-Session-ID': a } });
    expect([res.status, (await body(res)).code]).toEqual([401, 'INVALID_SESSION']);
    expect(h.standin.stats().bridgeValidateCalls).toBe(0);
  });
});
