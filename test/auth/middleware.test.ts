import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { optionalAuth, requireAuth, requireUserType } from '../../src/auth/middleware.js';
import type { AuthService } from '../../src/auth/service.js';
import type { Session, SessionGuard } from '../../src/auth/types.js';
import { AppError } from '../../src/errors.js';
import { ok } from '../../src/http/index.js';
import { serviceAvailable } from '../support/services.js';
import { body, Harness } from './helpers.js';

const randomId = () => `ses_${randomBytes(24).toString('base64url')}`;

function routes(app: import('hono').Hono) {
  app.get('/private', requireAuth(), (c) =>
    ok(c, {
      user_id: c.get('user_id'),
      is_guest: c.get('is_guest'),
      user_type: c.get('session').user_type,
      email: c.get('user').email,
    }),
  );
  app.get('/maybe', optionalAuth(), (c) =>
    ok(c, { is_guest: c.get('is_guest'), user_id: c.get('user_id') ?? null }),
  );
  app.get('/maybe-soft', optionalAuth({ unavailable: 'guest' }), (c) =>
    ok(c, { is_guest: c.get('is_guest') }),
  );
  app.get('/admin', requireAuth(), requireUserType(['admin', 'super_admin']), (c) => ok(c, { admin: true }));
  app.get('/admin-alone', requireUserType(['admin']), (c) => ok(c, { admin: true }));
}

describe.skipIf(!(await serviceAvailable('redis')))('auth middleware (stand-in over HTTP, Redis)', () => {
  const h = new Harness();
  let auth: AuthService;
  let app: import('hono').Hono;
  beforeAll(async () => {
    await h.start();
    auth = await h.auth({ retryAttempts: 0 });
    app = h.app(auth, routes);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.standin.resetFaults();
    h.standin.resetStats();
  });

  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

  describe('requireAuth', () => {
    it('sets user_id, session, user and is_guest', async () => {
      const { user, sessionId } = await h.newSession('admin');
      const res = await get('/private', { 'X-Session-ID': sessionId });
      expect(res.status).toBe(200);
      expect((await body(res)).data).toEqual({
        user_id: user.id,
        is_guest: false,
        user_type: 'admin',
        email: user.email,
      });
    });

    it('answers the protocol errors with their codes', async () => {
      const none = await get('/private');
      expect([none.status, await body(none)]).toEqual([
        401,
        { success: false, error: 'Session ID required', code: 'SESSION_ID_REQUIRED' },
      ]);
      const invalid = await get('/private', { 'X-Session-ID': randomId() });
      expect([invalid.status, await body(invalid)]).toEqual([
        401,
        { success: false, error: 'Invalid session', code: 'INVALID_SESSION' },
      ]);
      const { sessionId } = await h.newSession();
      await h.standin.expireSession(sessionId);
      const expired = await get('/private', { 'X-Session-ID': sessionId });
      expect([expired.status, await body(expired)]).toEqual([
        401,
        { success: false, error: 'Session expired', code: 'SESSION_EXPIRED' },
      ]);
    });

    it('Flowless down is 503 with Retry-After, not a 401', async () => {
      const { sessionId } = await h.newSession();
      h.standin.setFaults({ status: 502 });
      const res = await get('/private', { 'X-Session-ID': sessionId });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const b = await body(res);
      expect(b.code).toBe('AUTH_UNAVAILABLE');
      expect(b.error).not.toMatch(/^(Invalid session|Session expired)$/);
    });

    it('1,000 concurrent requests with one new session make exactly one upstream call', async () => {
      const { user, sessionId } = await h.newSession();
      h.standin.setFaults({ latencyMs: 150 });
      const responses = await Promise.all(
        Array.from({ length: 1000 }, () => get('/private', { 'X-Session-ID': sessionId })),
      );
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect((await body(responses[999]!)).data.user_id).toBe(user.id);
      expect(h.standin.stats().bridgeValidateCalls).toBe(1);
    });

    it('refuses oversized and malformed ids before any network call', async () => {
      for (const id of ['x'.repeat(600), 'ses_with space', 'ses_\u007f', 'ses_\ttab']) {
        const res = await app.request('/private', { headers: [['x-session-id', id]] });
        expect(res.status).toBe(401);
        expect((await body(res)).code).toBe('INVALID_SESSION');
      }
      const res = await get('/private', { Authorization: `Bearer ${'y'.repeat(513)}` });
      expect(res.status).toBe(401);
      expect(h.standin.stats().bridgeValidateCalls).toBe(0);
    });
  });

  it('sends the client IP (clientIp first, else the socket), User-Agent and device id to Flowless', async () => {
    const withIp = await h.auth();
    const ipApp = h.app(withIp, (a) => {
      a.use('/via-mw', async (c, next) => {
        c.set('clientIp', '198.51.100.7');
        await next();
      });
      a.get('/via-mw', requireAuth(), (c) => ok(c, {}));
      a.get('/via-socket', requireAuth(), (c) => ok(c, {}));
    });
    const s1 = await h.newSession();
    await ipApp.request('/via-mw', {
      headers: { 'X-Session-ID': s1.sessionId, 'User-Agent': 'UA/9', 'X-Device-ID': 'dev-9' },
    });
    expect(h.standin.stats().lastBridgeRequests.at(-1)!.body).toMatchObject({
      ip: '198.51.100.7',
      user_agent: 'UA/9',
      device_id: 'dev-9',
    });
    const s2 = await h.newSession();
    await ipApp.request(
      '/via-socket',
      { headers: { 'X-Session-ID': s2.sessionId } },
      { incoming: { socket: { remoteAddress: '192.0.2.44' } } },
    );
    expect(h.standin.stats().lastBridgeRequests.at(-1)!.body).toMatchObject({ ip: '192.0.2.44' });
    const s3 = await h.newSession();
    expect((await ipApp.request('/via-socket', { headers: { 'X-Session-ID': s3.sessionId } })).status).toBe(
      200,
    );
    expect(h.standin.stats().lastBridgeRequests.at(-1)!.body).not.toHaveProperty('ip');
  });

  describe('session extraction (protocol section 1)', () => {
    it('reads X-Session-ID (any case), Bearer, cookie and query', async () => {
      const a = await h.newSession();
      const b = await h.newSession();
      const uid = async (res: Response) => (await body(res)).data.user_id;
      expect(await uid(await get('/private', { 'x-session-id': a.sessionId }))).toBe(a.user.id);
      expect(await uid(await get('/private', { Authorization: `Bearer ${a.sessionId}` }))).toBe(a.user.id);
      expect(await uid(await get('/private', { authorization: `bearer ${a.sessionId}` }))).toBe(a.user.id);
      expect(await uid(await get('/private', { Cookie: `other=1; session_id=${a.sessionId}` }))).toBe(
        a.user.id,
      );
      expect(await uid(await get(`/private?session_id=${a.sessionId}`))).toBe(a.user.id);
      // Empty sources are skipped; two different ids are refused (test/auth/credentials.test.ts).
      expect(
        await uid(await get('/private', { 'X-Session-ID': ' ', Authorization: `Bearer ${b.sessionId}` })),
      ).toBe(b.user.id);
      const two = await get(`/private?session_id=${a.sessionId}`, { Cookie: `session_id=${b.sessionId}` });
      expect([two.status, (await body(two)).code]).toEqual([401, 'AMBIGUOUS_CREDENTIALS']);
      expect((await get('/private', { Authorization: `Basic ${a.sessionId}` })).status).toBe(401);
    });

    it('a deployment can turn the query form off and rename the cookie', async () => {
      const strict = await h.auth({ extraction: { allowQuery: false, cookieName: 'sid' } });
      const strictApp = h.app(strict, routes);
      const { sessionId } = await h.newSession();
      const viaQuery = await strictApp.request(`/private?session_id=${sessionId}`);
      expect([viaQuery.status, (await body(viaQuery)).code]).toEqual([401, 'SESSION_ID_REQUIRED']);
      expect((await strictApp.request('/private', { headers: { Cookie: `sid=${sessionId}` } })).status).toBe(
        200,
      );
      expect(
        (await strictApp.request('/private', { headers: { Cookie: `session_id=${sessionId}` } })).status,
      ).toBe(401);
    });
  });

  describe('optionalAuth', () => {
    it('guest without a session, signed in with one, guest for an invalid one', async () => {
      expect((await body(await get('/maybe'))).data).toEqual({ is_guest: true, user_id: null });
      const { user, sessionId } = await h.newSession();
      expect((await body(await get('/maybe', { 'X-Session-ID': sessionId }))).data).toEqual({
        is_guest: false,
        user_id: user.id,
      });
      expect((await body(await get('/maybe', { 'X-Session-ID': randomId() }))).data.is_guest).toBe(true);
      expect((await body(await get('/maybe', { 'X-Session-ID': 'z'.repeat(900) }))).data.is_guest).toBe(true);
    });

    it('Flowless down: 503 by default, guest when the route asks for it', async () => {
      const { sessionId } = await h.newSession();
      h.standin.setFaults({ status: 503 });
      expect((await get('/maybe', { 'X-Session-ID': sessionId })).status).toBe(503);
      const soft = await get('/maybe-soft', { 'X-Session-ID': sessionId });
      expect([soft.status, (await body(soft)).data.is_guest]).toEqual([200, true]);
    });
  });

  describe('requireUserType', () => {
    it('admits listed types, 403 for others, 401 without a session', async () => {
      const admin = await h.newSession('admin');
      const user = await h.newSession('user');
      expect((await get('/admin', { 'X-Session-ID': admin.sessionId })).status).toBe(200);
      const denied = await get('/admin', { 'X-Session-ID': user.sessionId });
      expect([denied.status, await body(denied)]).toEqual([
        403,
        { success: false, error: 'Insufficient permissions', code: 'USER_TYPE_NOT_ALLOWED' },
      ]);
      expect((await get('/admin')).status).toBe(401);
      expect((await get('/admin-alone', { 'X-Session-ID': admin.sessionId })).status).toBe(200);
      expect((await get('/admin-alone', { 'X-Session-ID': user.sessionId })).status).toBe(403);
    });

    it('refuses a bad type list at setup', () => {
      expect(() => requireUserType([])).toThrow(TypeError);
    });
  });

  describe('SessionGuard', () => {
    it('runs on every request, cached or not, with the raw id; a refusal is a 401 even under optionalAuth', async () => {
      const seen: Array<{ hash: string; id: string }> = [];
      let refuse = false;
      const guard: SessionGuard = {
        async enforce(_c: Context, session: Session, sessionId: string) {
          seen.push({ hash: session.session_id_hash, id: sessionId });
          if (refuse) throw new AppError('IP_MISMATCH', 'Invalid session');
        },
      };
      const guarded = await h.auth({ guard });
      const guardedApp = h.app(guarded, routes);
      const { sessionId } = await h.newSession();
      for (let i = 0; i < 3; i++) {
        expect(
          (await guardedApp.request('/private', { headers: { 'X-Session-ID': sessionId } })).status,
        ).toBe(200);
      }
      expect(seen).toHaveLength(3);
      expect(seen.every((s) => s.id === sessionId)).toBe(true);
      expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      refuse = true;
      const required = await guardedApp.request('/private', { headers: { 'X-Session-ID': sessionId } });
      expect([required.status, (await body(required)).code]).toEqual([401, 'IP_MISMATCH']);
      const optional = await guardedApp.request('/maybe', { headers: { 'X-Session-ID': sessionId } });
      expect([optional.status, (await body(optional)).code]).toEqual([401, 'IP_MISMATCH']);
    });
  });

  it('without authContext the route fails with a 500, not a crash', async () => {
    const { Hono } = await import('hono');
    const { createApp } = await import('../../src/http/index.js');
    const { silentLogger } = await import('../../src/log/logger.js');
    const { testConfig } = await import('./helpers.js');
    const bare = createApp({ config: testConfig, logger: silentLogger(), accessLog: false });
    bare.get('/private', requireAuth(), (c) => c.text('no'));
    expect(Hono).toBeDefined();
    const res = await bare.request('/private', { headers: { 'X-Session-ID': 'ses_x' } });
    expect([res.status, (await body(res)).code]).toEqual([500, 'INTERNAL_ERROR']);
  });

  it('readiness reports Flowless: up, then degraded while sessions are cached', async () => {
    const ready = await body(await app.request('/health/ready'));
    expect(ready.data.components.flowless.status).toBe('up');
    const { sessionId } = await h.newSession();
    await get('/private', { 'X-Session-ID': sessionId });
    h.standin.setFaults({ refuse: true });
    const degraded = await app.request('/health/ready');
    expect(degraded.status).toBe(200);
    expect((await body(degraded)).data.components.flowless.status).toBe('degraded');
  });

  it('readiness is down when Flowless is unreachable and nothing can be served', async () => {
    const lonely = await h.auth({ redis: false });
    const check = lonely.readinessCheck();
    // Let the stand-in finish listening again after the previous reset before taking it down.
    expect((await check.check()).status).toBe('up');
    h.standin.setFaults({ refuse: true });
    expect((await check.check()).status).toBe('down');
    expect(check.critical).toBe(false);
  });
});
