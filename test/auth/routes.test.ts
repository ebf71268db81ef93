import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/auth/middleware.js';
import { MAX_REVOKED_PER_CALL } from '../../src/auth/routes.js';
import type { AuthService } from '../../src/auth/service.js';
import { ok } from '../../src/http/index.js';
import { serviceAvailable } from '../support/services.js';
import { body, eventually, Harness, SECRET } from './helpers.js';

const me = (app: Hono) => app.get('/me', requireAuth(), (c) => ok(c, { user_id: c.get('user_id') }));

describe.skipIf(!(await serviceAvailable('redis')))(
  'revocation hook and logout (two instances, Redis)',
  () => {
    const h = new Harness();
    let a: { auth: AuthService; app: Hono };
    let b: { auth: AuthService; app: Hono };

    beforeAll(async () => {
      await h.start();
      const authA = await h.auth({ retryAttempts: 0 });
      const authB = await h.auth({ retryAttempts: 0 });
      a = { auth: authA, app: h.app(authA, me) };
      b = { auth: authB, app: h.app(authB, me) };
    });
    afterAll(() => h.close());
    beforeEach(() => {
      h.standin.resetFaults();
      h.standin.resetStats();
    });

    const asMe = (app: Hono, sessionId: string) =>
      app.request('/me', { headers: { 'X-Session-ID': sessionId } });
    const hook = (app: Hono, payload: unknown, secret?: string) =>
      app.request('/flowfull/hooks/session-revoked', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { 'X-Bridge-Secret': secret } : {}) },
        body: JSON.stringify(payload),
      });

    /** Both instances hold the session in L1. */
    async function warm(sessionId: string) {
      expect((await asMe(a.app, sessionId)).status).toBe(200);
      expect((await asMe(b.app, sessionId)).status).toBe(200);
    }

    it('the hook evicts the session on every instance within a second', async () => {
      const { sessionId } = await h.newSession();
      await warm(sessionId);
      await h.standin.revokeSession(sessionId);
      // Still cached: Flowless revoked it, Flowfull has not heard yet.
      expect((await asMe(b.app, sessionId)).status).toBe(200);
      const res = await hook(a.app, { session_id: sessionId }, SECRET);
      expect([res.status, (await body(res)).data]).toEqual([200, { revoked: 1, propagated: true }]);
      const started = Date.now();
      expect(await eventually(async () => (await asMe(b.app, sessionId)).status === 401, 1000)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await body(await asMe(a.app, sessionId))).error).toBe('Invalid session');
    });

    it('takes a list of ids', async () => {
      const s1 = await h.newSession();
      const s2 = await h.newSession();
      await warm(s1.sessionId);
      await warm(s2.sessionId);
      await h.standin.revokeSession(s1.sessionId);
      await h.standin.revokeSession(s2.sessionId);
      const res = await hook(b.app, { session_ids: [s1.sessionId, s2.sessionId] }, SECRET);
      expect((await body(res)).data.revoked).toBe(2);
      expect(await eventually(async () => (await asMe(a.app, s2.sessionId)).status === 401, 1000)).toBe(true);
    });

    it('a wrong or missing secret is 401 and evicts nothing', async () => {
      const { sessionId } = await h.newSession();
      await warm(sessionId);
      await h.standin.revokeSession(sessionId);
      h.standin.resetStats();
      for (const secret of [undefined, 'wrong', `${SECRET}x`, SECRET.slice(0, -1)]) {
        const res = await hook(a.app, { session_id: sessionId }, secret);
        expect([res.status, (await body(res)).code]).toEqual([401, 'INVALID_BRIDGE_SECRET']);
      }
      // Still served from cache on both: nothing was evicted.
      expect((await asMe(a.app, sessionId)).status).toBe(200);
      expect((await asMe(b.app, sessionId)).status).toBe(200);
      expect(h.standin.stats().bridgeValidateCalls).toBe(0);
    });

    it('refuses malformed hook bodies with 400', async () => {
      const cases: unknown[] = [
        {},
        { session_id: 42 },
        { session_ids: 'ses_x' },
        { session_ids: ['ok_id', ''] },
        { session_ids: Array.from({ length: MAX_REVOKED_PER_CALL + 1 }, (_, i) => `ses_${i}`) },
      ];
      for (const payload of cases) {
        const res = await hook(a.app, payload, SECRET);
        expect(res.status).toBe(400);
        expect((await body(res)).code).toBe('VALIDATION_FAILED');
      }
      const broken = await a.app.request('/flowfull/hooks/session-revoked', {
        method: 'POST',
        headers: { 'X-Bridge-Secret': SECRET, 'Content-Type': 'application/json' },
        body: '{not json',
      });
      expect([broken.status, (await body(broken)).code]).toEqual([400, 'INVALID_JSON']);
    });

    it('logout ends the session at Flowless and evicts it everywhere', async () => {
      const { sessionId } = await h.newSession();
      await warm(sessionId);
      const res = await a.app.request('/api/v1/auth/logout', {
        method: 'POST',
        // A cookie-carried session: the CSRF defence wants JSON (test/http/csrf.test.ts).
        headers: { Cookie: `session_id=${sessionId}`, 'Content-Type': 'application/json' },
      });
      expect([res.status, (await body(res)).data]).toEqual([200, { logged_out: true }]);
      expect(res.headers.get('set-cookie')).toMatch(/session_id=;.*Max-Age=0/i);
      const sent = h.standin.stats();
      expect(sent.logoutCalls).toBe(1);
      expect(await eventually(async () => (await asMe(b.app, sessionId)).status === 401, 1000)).toBe(true);
      expect((await asMe(a.app, sessionId)).status).toBe(401);
    });

    it('logout needs a session, and says 503 when Flowless cannot be reached', async () => {
      expect((await a.app.request('/api/v1/auth/logout', { method: 'POST' })).status).toBe(401);
      const { sessionId } = await h.newSession();
      await warm(sessionId);
      h.standin.setFaults({ status: 503, routes: ['logout'] });
      const res = await a.app.request('/api/v1/auth/logout', {
        method: 'POST',
        headers: { 'X-Session-ID': sessionId },
      });
      expect([res.status, (await body(res)).code]).toEqual([503, 'AUTH_UNAVAILABLE']);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.auth.validator.metrics().logouts.failed).toBe(1);
    });
  },
);
