import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionalAuth, requireAuth } from '../../src/auth/middleware.js';
import type { Session, SessionGuard } from '../../src/auth/types.js';
import { AppError } from '../../src/errors.js';
import { ok } from '../../src/http/index.js';
import { captureLogger } from '../support/log-capture.js';
import { serviceAvailable } from '../support/services.js';
import { Harness, SECRET } from './helpers.js';

describe.skipIf(!(await serviceAvailable('redis')))('what reaches the logs', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('no session id, bridge secret or request secret in any log line, whatever happens', async () => {
    const capture = captureLogger('trace');
    const guard: SessionGuard = {
      async enforce(c, session: Session) {
        if (c.req.header('x-deny')) throw new AppError('IP_MISMATCH', 'Invalid session');
        c.get('logger')?.debug({ session: session.session_id_hash }, 'guard ran');
      },
    };
    const auth = await h.auth({
      logger: capture.logger,
      retryAttempts: 1,
      timeout: 200,
      deadlineMs: 400,
      breakerThreshold: 50,
      sessionTransport: 'query',
      guard,
    });
    const app = h.app(
      auth,
      (a) => {
        a.get('/private', requireAuth(), (c) => ok(c, { id: c.get('user_id') }));
        a.get('/maybe', optionalAuth(), (c) => ok(c, { guest: c.get('is_guest') }));
      },
      capture.logger,
    );
    const secrets: string[] = [SECRET];
    const fresh = async () => {
      const { sessionId } = await h.newSession();
      secrets.push(sessionId);
      return sessionId;
    };
    const bogus = `ses_${randomBytes(24).toString('base64url')}`;
    secrets.push(bogus);

    const s1 = await fresh();
    await app.request(`/private?session_id=${s1}`);
    await app.request('/private', { headers: { Authorization: `Bearer ${s1}` } });
    await app.request('/private', { headers: { Cookie: `session_id=${s1}` } });
    await app.request('/private', { headers: { 'X-Session-ID': s1, 'X-Deny': '1' } });
    await app.request(`/maybe?session_id=${bogus}`);
    await app.request('/private', { headers: { 'X-Session-ID': bogus } });

    const s2 = await fresh();
    h.standin.setFaults({ status: 500 });
    await app.request('/private', { headers: { 'X-Session-ID': s2 } });
    h.standin.setFaults({ nonJson: true, status: null });
    await app.request(`/private?session_id=${s2}`);
    h.standin.setFaults({ hang: true, nonJson: false });
    await app.request('/maybe', { headers: { 'X-Session-ID': s2 } });
    h.standin.resetFaults();

    await app.request('/flowfull/hooks/session-revoked', {
      method: 'POST',
      headers: { 'X-Bridge-Secret': `${SECRET}-wrong` },
      body: JSON.stringify({ session_id: s1 }),
    });
    await app.request('/flowfull/hooks/session-revoked', {
      method: 'POST',
      headers: { 'X-Bridge-Secret': SECRET },
      body: JSON.stringify({ session_ids: [s1, s2] }),
    });
    const s3 = await fresh();
    h.standin.setFaults({ status: 503, routes: ['logout'] });
    await app.request('/api/v1/auth/logout', { method: 'POST', headers: { 'X-Session-ID': s3 } });
    h.standin.resetFaults();

    const text = capture.text();
    expect(capture.lines().length).toBeGreaterThan(10);
    expect(text).toContain('Flowless unavailable');
    expect(text).toContain('logout at Flowless failed');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(`${SECRET}-wrong`);
  });
});
