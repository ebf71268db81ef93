import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import {
  createTrustTokenService,
  generateTokenKeyMaterial,
  trustTokenOptionsFromConfig,
} from '../../src/tokens/index.js';
import { json } from '../support/http.js';

const SECRET = 's'.repeat(48);

let standin: FlowlessStandin;
let services: Services;
let app: Hono;
let config: ReturnType<typeof loadConfig>;

async function sessionFor(email: string, userType = 'user') {
  const user = await standin.createUser({ email, password: 'correct-horse-battery', name: email, userType });
  const { sessionId } = await standin.createSession(user.id);
  return { user, sessionId };
}

function call(path: string, sessionId?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (sessionId) headers.set('X-Session-ID', sessionId);
  if (init.body) headers.set('Content-Type', 'application/json');
  return app.request(path, { ...init, headers });
}

beforeAll(async () => {
  standin = await startFlowlessStandin({ bridgeSecret: SECRET });
  const keys = await generateTokenKeyMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-app-'));
  config = loadConfig({
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `file:${join(dir, 'app.db')}`,
      FLOWLESS_API_URL: standin.url,
      BRIDGE_VALIDATION_SECRET: SECRET,
      AUTH_VALIDATION_MODE: 'DISABLED',
      PASETO_SECRET_KEY: keys.secretKey,
    },
    dotenvPath: false,
  });
  services = await createServices(config, silentLogger());
  await migrate(services);
  app = buildApp(services);
});

afterAll(async () => {
  await services?.close();
  await standin?.close();
});

describe('starter: health', () => {
  it('is live and ready on its embedded database', async () => {
    expect((await call('/health')).status).toBe(200);
    const ready = await call('/health/ready');
    expect(ready.status).toBe(200);
    const body = await json(ready);
    expect(body.data.components.database.status).toBe('up');
    expect(body.data.components.redis.status).toBe('disabled');
    // No REDIS_URL: the session guard keeps its state in this instance's memory.
    expect(body.data.components['security-state']).toMatchObject({ status: 'up', store: 'memory' });
  });
});

describe('starter: /api/v1/me', () => {
  it('answers 401 "Session ID required" without a session', async () => {
    const res = await call('/api/v1/me');
    expect(res.status).toBe(401);
    expect((await json(res)).error).toBe('Session ID required');
  });

  it('answers the user for a valid session, and 401 "Invalid session" for an unknown one', async () => {
    const { user, sessionId } = await sessionFor('me@example.com');
    const res = await call('/api/v1/me', sessionId);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data.user.email).toBe('me@example.com');
    expect(body.data.session.user_id).toBe(user.id);
    // Read by @pubflow/core as `userContext`.
    expect(body.user_context).toMatchObject({ user_id: user.id, user_type: 'user', is_guest: false });
    const bad = await call('/api/v1/me', 'ses_doesnotexist_0123456789');
    expect(bad.status).toBe(401);
    expect((await json(bad)).error).toBe('Invalid session');
  });
});

describe('starter: /api/v1/items (optionalAuth)', () => {
  it('shows guests the public items and users their own', async () => {
    const alice = await sessionFor('alice@example.com');
    const bob = await sessionFor('bob@example.com');
    const created = await call('/api/v1/items', alice.sessionId, {
      method: 'POST',
      body: JSON.stringify({ title: 'alice public', is_public: true }),
    });
    expect(created.status).toBe(201);
    await call('/api/v1/items', alice.sessionId, {
      method: 'POST',
      body: JSON.stringify({ title: 'alice private' }),
    });
    await call('/api/v1/items', bob.sessionId, {
      method: 'POST',
      body: JSON.stringify({ title: 'bob private' }),
    });

    const guest = await json(await call('/api/v1/items'));
    expect(guest.data.map((i: { title: string }) => i.title)).toEqual(['alice public']);
    expect(guest.meta).toMatchObject({ page: 1, total: 1, hasMore: false });

    const mine = await json(await call('/api/v1/items', bob.sessionId));
    expect(mine.data.map((i: { title: string }) => i.title)).toEqual(['bob private']);
  });

  it('validates the body of a new item', async () => {
    const { sessionId } = await sessionFor('validator@example.com');
    const res = await call('/api/v1/items', sessionId, {
      method: 'POST',
      body: JSON.stringify({ title: '' }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('VALIDATION_FAILED');
    const bad = await call('/api/v1/items', sessionId, { method: 'POST', body: '{"title":' });
    expect((await json(bad)).code).toBe('INVALID_JSON');
  });
});

describe('starter: /api/v1/admin/users/:id (requireUserType)', () => {
  it('refuses a plain user with 403 and lets an admin through', async () => {
    const user = await sessionFor('plain@example.com');
    const forbidden = await call('/api/v1/admin/users/usr_x', user.sessionId, { method: 'DELETE' });
    expect(forbidden.status).toBe(403);
    const admin = await sessionFor('admin@example.com', 'admin');
    const missing = await call('/api/v1/admin/users/usr_missing', admin.sessionId, { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe('NOT_FOUND');
  });
});

describe('starter: invitations on trust tokens', () => {
  async function invite(ownerSession: string, email: string) {
    const org = await json(
      await call('/api/v1/organizations', ownerSession, {
        method: 'POST',
        body: JSON.stringify({ name: 'Acme' }),
      }),
    );
    const res = await call(`/api/v1/organizations/${org.data.id}/invitations`, ownerSession, {
      method: 'POST',
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(201);
    return { orgId: org.data.id as string, token: (await json(res)).data.token as string };
  }

  it('accepts an invitation exactly once', async () => {
    const owner = await sessionFor('owner@example.com');
    const guest = await sessionFor('invitee@example.com');
    const { orgId, token } = await invite(owner.sessionId, 'Invitee@example.com');
    const accept = () =>
      call('/api/v1/invitations/accept', guest.sessionId, {
        method: 'POST',
        body: JSON.stringify({ token }),
      });
    const first = await accept();
    expect(first.status).toBe(201);
    expect((await json(first)).data).toMatchObject({
      organization_id: orgId,
      user_id: guest.user.id,
      role: 'member',
    });
    const second = await accept();
    expect(second.status).toBe(409);
    expect((await json(second)).code).toBe('TOKEN_ALREADY_USED');
  });

  it('does not burn a fresh invitation of someone who is already a member', async () => {
    const owner = await sessionFor('owner4@example.com');
    const org = await json(
      await call('/api/v1/organizations', owner.sessionId, {
        method: 'POST',
        body: JSON.stringify({ name: 'Solo' }),
      }),
    );
    const res = await call(`/api/v1/organizations/${org.data.id}/invitations`, owner.sessionId, {
      method: 'POST',
      body: JSON.stringify({ email: 'owner4@example.com' }),
    });
    const { token } = (await json(res)).data;
    const accept = await call('/api/v1/invitations/accept', owner.sessionId, {
      method: 'POST',
      body: JSON.stringify({ token }),
    });
    expect(accept.status).toBe(409);
    expect((await json(accept)).code).toBe('CONFLICT');
    // Still unused: it can be verified again.
    await expect(services.tokens.verify(token, { type: 'invitation' })).resolves.toMatchObject({
      subject: 'owner4@example.com',
    });
  });

  it('answers 409 TOKEN_ALREADY_USED when a used token is presented again', async () => {
    const owner = await sessionFor('owner2@example.com');
    const guest = await sessionFor('twice@example.com');
    const { token } = await invite(owner.sessionId, 'twice@example.com');
    // Consumed outside the route (e.g. by a concurrent request on another instance).
    await services.tokens.consume(token, { type: 'invitation' });
    const res = await call('/api/v1/invitations/accept', guest.sessionId, {
      method: 'POST',
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe('TOKEN_ALREADY_USED');
  });

  it('refuses someone else, a tampered token and an expired one, each with its own code', async () => {
    const owner = await sessionFor('owner3@example.com');
    const stranger = await sessionFor('stranger@example.com');
    const { token } = await invite(owner.sessionId, 'friend@example.com');
    const post = (t: string, s = stranger.sessionId) =>
      call('/api/v1/invitations/accept', s, { method: 'POST', body: JSON.stringify({ token: t }) });

    const notMine = await post(token);
    expect(notMine.status).toBe(400);
    expect((await json(notMine)).code).toBe('TOKEN_REJECTED');

    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = await post(`${token.slice(0, -2)}${last}${token.at(-1)}`);
    expect(tampered.status).toBe(400);
    expect((await json(tampered)).code).toMatch(/^TOKEN_(INVALID|MALFORMED)$/);

    const past = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    const oldService = createTrustTokenService({
      ...(await trustTokenOptionsFromConfig(config, { db: services.database.db })),
      now: () => past,
    });
    const expired = await oldService.issue('invitation', {
      sub: 'stranger@example.com',
      organization_id: 'x',
      role: 'member',
      invited_by: 'y',
    });
    const res = await post(expired.token);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('TOKEN_EXPIRED');
  });
});

describe('starter: CSRF and content types (issue: text/plain with the cookie created an item)', () => {
  it('refuses a cookie-carried POST that is not JSON, and any non-JSON body', async () => {
    const { sessionId } = await sessionFor('csrf@example.com');
    const asCookie = await app.request('/api/v1/items', {
      method: 'POST',
      headers: { Cookie: `session_id=${sessionId}`, 'Content-Type': 'text/plain' },
      body: '{"title":"csrf"}',
    });
    expect([asCookie.status, (await json(asCookie)).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const crossSite = await app.request('/api/v1/items', {
      method: 'POST',
      headers: {
        Cookie: `session_id=${sessionId}`,
        'Content-Type': 'application/json',
        Origin: 'https://evil.example.net',
      },
      body: '{"title":"csrf"}',
    });
    expect([crossSite.status, (await json(crossSite)).code]).toEqual([403, 'CSRF_REJECTED']);
    const asHeader = await app.request('/api/v1/items', {
      method: 'POST',
      headers: { 'X-Session-ID': sessionId, 'Content-Type': 'text/plain' },
      body: '{"title":"csrf"}',
    });
    expect([asHeader.status, (await json(asHeader)).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const mine = await json(await call('/api/v1/items', sessionId));
    expect(mine.data.map((i: { title: string }) => i.title)).not.toContain('csrf');
    const good = await app.request('/api/v1/items', {
      method: 'POST',
      headers: { Cookie: `session_id=${sessionId}`, 'Content-Type': 'application/json' },
      body: '{"title":"fine"}',
    });
    expect(good.status).toBe(201);
  });
});
