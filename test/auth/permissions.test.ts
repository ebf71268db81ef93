import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/auth/middleware.js';
import {
  compileRoutePermissions,
  matchRoutePermission,
  type RoutePermissions,
  routePermissions,
} from '../../src/auth/permissions.js';
import type { AuthService } from '../../src/auth/service.js';
import { ok } from '../../src/http/index.js';
import { body, Harness } from './helpers.js';

const TABLE: RoutePermissions = {
  '/api/v1/admin/*': { allowedUserTypes: ['admin', 'super_admin'], requireAuth: true, adminOnly: true },
  '/api/v1/admin/status': { requireAuth: false, allowedUserTypes: ['anonymous'] },
  '/api/v1/payments': {
    allowedUserTypes: ['admin', 'user', 'guest'],
    requireAuth: false,
    ownershipCheck: true,
  },
  '/api/v1/webhooks/*': { allowedUserTypes: ['anonymous'], requireAuth: false },
  '/api/v1/items/*': { requireAuth: false },
  '/api/v1/items/:id': { requireAuth: true, methods: ['PUT', 'DELETE'] },
  '/api/v1/reports': { requireAuth: false, allowedUserTypes: ['admin'] },
  '/api/*': { requireAuth: true },
};

describe('permissions table matching', () => {
  const entries = compileRoutePermissions(TABLE);
  const winner = (method: string, path: string) => matchRoutePermission(entries, method, path)?.pattern;

  it('picks the most specific pattern: exact > :param > *, compared from the left', () => {
    expect(winner('GET', '/api/v1/admin/users')).toBe('/api/v1/admin/*');
    expect(winner('GET', '/api/v1/admin/status')).toBe('/api/v1/admin/status');
    expect(winner('GET', '/api/v1/admin')).toBe('/api/v1/admin/*');
    expect(winner('GET', '/api/v1/items/5')).toBe('/api/v1/items/*');
    expect(winner('DELETE', '/api/v1/items/5')).toBe('/api/v1/items/:id');
    expect(winner('DELETE', '/api/v1/items/5/notes')).toBe('/api/v1/items/*');
    expect(winner('GET', '/api/v1/other')).toBe('/api/*');
    expect(winner('GET', '/health')).toBeUndefined();
  });

  it('ignores trailing and doubled slashes', () => {
    expect(winner('GET', '/api/v1/payments/')).toBe('/api/v1/payments');
    expect(winner('GET', '//api//v1/payments')).toBe('/api/v1/payments');
  });

  it('refuses malformed tables at setup', () => {
    expect(() => compileRoutePermissions({ 'api/x': {} })).toThrow(TypeError);
    expect(() => compileRoutePermissions({ '/a/*/b': {} })).toThrow(TypeError);
    expect(() => compileRoutePermissions({ '/a': { allowedUserTypes: [] } })).toThrow(TypeError);
  });
});

describe('routePermissions middleware (stand-in over HTTP, L1 cache)', () => {
  const h = new Harness();
  let auth: AuthService;
  let app: Hono;

  beforeAll(async () => {
    await h.start();
    auth = await h.auth({ redis: false });
    app = h.app(auth, (a) => {
      a.use('*', routePermissions(TABLE));
      const echo = (c: import('hono').Context) =>
        ok(c, {
          is_guest: c.get('is_guest') ?? null,
          user_id: c.get('user_id') ?? null,
          ownership: c.get('route_permission')?.ownershipCheck ?? false,
        });
      a.get('/api/v1/admin/users', echo);
      a.get('/api/v1/admin/status', echo);
      a.get('/api/v1/payments', echo);
      a.post('/api/v1/webhooks/stripe', echo);
      a.get('/api/v1/items/:id', echo);
      a.delete('/api/v1/items/:id', requireAuth(), echo);
      a.get('/api/v1/reports', echo);
      a.get('/api/v1/other', echo);
      a.get('/open', echo);
    });
  });
  afterAll(() => h.close());

  const call = (method: string, path: string, sessionId?: string) =>
    app.request(path, { method, headers: sessionId ? { 'X-Session-ID': sessionId } : {} });

  it('required auth with allowed types (adminOnly)', async () => {
    const admin = await h.newSession('super_admin');
    const user = await h.newSession('user');
    expect((await call('GET', '/api/v1/admin/users')).status).toBe(401);
    expect((await call('GET', '/api/v1/admin/users', user.sessionId)).status).toBe(403);
    const res = await call('GET', '/api/v1/admin/users', admin.sessionId);
    expect([res.status, (await body(res)).data.user_id]).toEqual([200, admin.user.id]);
  });

  it('anonymous routes are public: no session is looked at', async () => {
    h.standin.resetStats();
    expect((await call('GET', '/api/v1/admin/status', 'ses_not_a_real_one')).status).toBe(200);
    expect((await call('POST', '/api/v1/webhooks/stripe')).status).toBe(200);
    expect(h.standin.stats().bridgeValidateCalls).toBe(0);
  });

  it('optional auth: guests allowed where listed, user types checked for the signed-in', async () => {
    const guest = await call('GET', '/api/v1/payments');
    expect((await body(guest)).data).toEqual({ is_guest: true, user_id: null, ownership: true });
    const user = await h.newSession('user');
    expect((await body(await call('GET', '/api/v1/payments', user.sessionId))).data.user_id).toBe(
      user.user.id,
    );
    const customer = await h.newSession('customer');
    expect((await call('GET', '/api/v1/payments', customer.sessionId)).status).toBe(403);
    // Optional, but guests not listed: a session is needed after all.
    expect((await call('GET', '/api/v1/reports')).status).toBe(401);
    const admin = await h.newSession('admin');
    expect((await call('GET', '/api/v1/reports', admin.sessionId)).status).toBe(200);
  });

  it('method-specific entries, and a route requireAuth after the table validates once', async () => {
    expect((await call('GET', '/api/v1/items/1')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/items/1')).status).toBe(401);
    const user = await h.newSession();
    const before = auth.validator.metrics().validations;
    expect((await call('DELETE', '/api/v1/items/1', user.sessionId)).status).toBe(200);
    expect(auth.validator.metrics().validations - before).toBe(1);
  });

  it('paths outside the table pass untouched; the catch-all protects the rest of /api', async () => {
    expect((await body(await call('GET', '/open'))).data.is_guest).toBeNull();
    expect((await call('GET', '/api/v1/other')).status).toBe(401);
  });
});
