import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthGateway, type EndReason, type SessionChange } from '../../src/gateway/index.js';
import { serviceAvailable } from '../support/services.js';
import {
  dropPrefix,
  type FlowfullInstance,
  PASSWORD,
  redisPrefix,
  send,
  startFlowfull,
  startStandin,
  type TestStandin,
} from './helpers.js';

let standin: TestStandin;

beforeAll(async () => {
  // No revocation hook here: whatever Flowfull learns, it learns from the gateway alone.
  standin = await startStandin();
});

afterAll(async () => {
  await standin?.close();
});

async function userWithSession(): Promise<{ email: string; sessionId: string; userId: string }> {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  const user = await standin.standin.controls.createUser({ email, password: PASSWORD });
  const { sessionId } = await standin.standin.controls.createSession(user.id);
  return { email, sessionId, userId: user.id };
}

describe('gateway hooks: called for the right answers, awaited before the answer leaves', () => {
  const ended: Array<{ ids: string[]; reason: EndReason }> = [];
  const changed: Array<{ sessionId: string | undefined; change: SessionChange }> = [];
  let finishedBeforeAnswer = false;
  let app: Hono;

  beforeAll(() => {
    const gateway = createAuthGateway({
      upstreamUrl: standin.url,
      onSessionEnded: async (ids, { reason }) => {
        finishedBeforeAnswer = false;
        await new Promise((r) => setTimeout(r, 100));
        ended.push({ ids, reason });
        finishedBeforeAnswer = true;
      },
      onSessionChanged: (sessionId, change) => {
        changed.push({ sessionId, change });
      },
    });
    app = new Hono().route('/', gateway.app);
  });

  const call = (method: string, path: string, sessionId?: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(sessionId ? { 'x-session-id': sessionId } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('a 2xx logout ends that session, and the hook finished before the answer', async () => {
    const { sessionId } = await userWithSession();
    ended.length = 0;
    const res = await call('POST', '/auth/logout', sessionId);
    expect(res.status).toBe(200);
    expect(finishedBeforeAnswer).toBe(true);
    expect(ended).toEqual([{ ids: [sessionId], reason: 'logout' }]);
  });

  it('a refused logout has no effect', async () => {
    ended.length = 0;
    const res = await call('POST', '/auth/logout');
    expect(res.status).toBe(401);
    expect(ended).toEqual([]);
  });

  it('a 401 from the session check ends the session; a 200 does nothing', async () => {
    const { sessionId } = await userWithSession();
    ended.length = 0;
    expect((await call('GET', '/auth/validation', sessionId)).status).toBe(200);
    expect(ended).toEqual([]);
    await standin.standin.controls.revokeSession(sessionId);
    expect((await call('GET', '/auth/validation', sessionId)).status).toBe(401);
    expect(ended).toEqual([{ ids: [sessionId], reason: 'rejected' }]);
  });

  it('a password change reports the caller, the user and that other sessions end', async () => {
    const { sessionId, userId } = await userWithSession();
    changed.length = 0;
    const res = await call('POST', '/auth/password-change/self', sessionId, {
      current_password: PASSWORD,
      new_password: 'something else entirely',
    });
    expect(res.status).toBe(200);
    expect(changed).toEqual([{ sessionId, change: { userId, endOthers: true, reason: 'password' } }]);
    // The body read for the hook still reaches the client intact.
    expect(((await res.json()) as { success: boolean }).success).toBe(true);
  });

  it('a refresh with a new id ends the old id', async () => {
    const { sessionId } = await userWithSession();
    ended.length = 0;
    const res = await call('POST', '/auth/refresh', sessionId);
    const body = (await res.json()) as { session_id: string };
    expect(res.status).toBe(200);
    expect(body.session_id).not.toBe(sessionId);
    expect(ended).toEqual([{ ids: [sessionId], reason: 'refresh' }]);
  });

  it('a failing hook is logged and counted; Flowless already acted, so its answer stands', async () => {
    const gateway = createAuthGateway({
      upstreamUrl: standin.url,
      onSessionEnded: () => {
        throw new Error('redis gone');
      },
    });
    const { sessionId } = await userWithSession();
    const res = await new Hono()
      .route('/', gateway.app)
      .request('/auth/logout', { method: 'POST', headers: { 'x-session-id': sessionId } });
    expect(res.status).toBe(200);
    expect(gateway.counters.effectFailures).toBe(1);
  });
});

const redisUp = await serviceAvailable('redis');

describe.skipIf(!redisUp)('gateway hooks wired to the validator (no revocation hook at Flowless)', () => {
  const prefix = redisPrefix();
  let flowfull: FlowfullInstance;

  beforeAll(async () => {
    flowfull = await startFlowfull(standin.url, { prefix });
  });

  afterAll(async () => {
    await flowfull?.close();
    await dropPrefix(prefix);
  });

  it('a logout through the gateway is refused at once although the session was cached', async () => {
    const { sessionId } = await userWithSession();
    const me = () => send(flowfull.url, 'GET', '/api/v1/me', { headers: { 'x-session-id': sessionId } });
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(200);
    expect(
      (await send(flowfull.url, 'POST', '/auth/logout', { headers: { 'x-session-id': sessionId } })).status,
    ).toBe(200);
    expect((await me()).status).toBe(401);
  });

  it('without the gateway, a logout made at Flowless is still served from the cache (what the hooks fix)', async () => {
    const { sessionId } = await userWithSession();
    const me = () => send(flowfull.url, 'GET', '/api/v1/me', { headers: { 'x-session-id': sessionId } });
    expect((await me()).status).toBe(200);
    expect(
      (await send(standin.url, 'POST', '/auth/logout', { headers: { 'x-session-id': sessionId } })).status,
    ).toBe(200);
    expect((await me()).status).toBe(200);
  });
});
