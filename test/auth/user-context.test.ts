import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okWithUserContext, optionalAuth, requireAuth } from '../../src/auth/index.js';
import { ok } from '../../src/http/index.js';
import { serviceAvailable } from '../support/services.js';
import { body, Harness } from './helpers.js';

describe.skipIf(!(await serviceAvailable('redis')))('user_context in the envelope', () => {
  const h = new Harness();
  let app: Hono;
  beforeAll(async () => {
    await h.start();
    const auth = await h.auth();
    app = h.app(auth, (a) => {
      a.get('/plain', requireAuth(), (c) => ok(c, { n: 1 }));
      a.get('/ctx', requireAuth(), (c) =>
        okWithUserContext(
          c,
          { n: 1 },
          { plan: 'pro', user_id: 'forged' },
          { meta: { page: 1 }, status: 201 },
        ),
      );
      a.get('/maybe', optionalAuth(), (c) => okWithUserContext(c, { n: 2 }));
      a.get('/explicit', (c) => ok(c, [], { userContext: { tenant: 't1' } }));
    });
  });
  afterAll(() => h.close());

  it('absent unless the route asks for it', async () => {
    const { sessionId } = await h.newSession();
    const res = await app.request('/plain', { headers: { 'x-session-id': sessionId } });
    expect(await body(res)).toEqual({ success: true, data: { n: 1 } });
  });

  it('carries the user id and type from the session, plus what the app adds (never replacing them)', async () => {
    const { user, sessionId } = await h.newSession('admin');
    const res = await app.request('/ctx', { headers: { 'x-session-id': sessionId } });
    expect(res.status).toBe(201);
    expect(await body(res)).toEqual({
      success: true,
      data: { n: 1 },
      meta: { page: 1 },
      user_context: { user_id: user.id, user_type: 'admin', is_guest: false, plan: 'pro' },
    });
  });

  it('a guest gets a context with no user', async () => {
    const res = await app.request('/maybe');
    expect((await body(res)).user_context).toEqual({ user_id: null, user_type: null, is_guest: true });
    const { user, sessionId } = await h.newSession();
    const signedIn = await app.request('/maybe', { headers: { 'x-session-id': sessionId } });
    expect((await body(signedIn)).user_context).toMatchObject({ user_id: user.id, is_guest: false });
  });

  it('ok() takes a user context of its own making', async () => {
    expect(await body(await app.request('/explicit'))).toEqual({
      success: true,
      data: [],
      user_context: { tenant: 't1' },
    });
  });
});
