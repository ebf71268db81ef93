import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../support/services.js';
import {
  dropPrefix,
  eventually,
  type FlowfullInstance,
  freePort,
  PASSWORD,
  redisPrefix,
  SECRET,
  send,
  startFlowfull,
  startStandin,
  type TestStandin,
} from './helpers.js';

/**
 * The client contract: exactly what `@pubflow/core` sends (protocol section 6), to ONE base URL,
 * Flowfull's. Every request carries `Content-Type: application/json` and, once a session is stored,
 * `X-Session-ID`. Two Flowfull instances (A, B) share Redis; the stand-in plays Flowless and calls
 * A's revocation hook, as a Flowless deployment is configured to.
 */
const redisUp = await serviceAvailable('redis');

describe.skipIf(!redisUp)('client contract through the gateway', () => {
  const prefix = redisPrefix();
  let standin: TestStandin;
  let a: FlowfullInstance;
  let b: FlowfullInstance;

  beforeAll(async () => {
    const portA = await freePort();
    standin = await startStandin({
      revocationHook: { url: `http://127.0.0.1:${portA}/flowfull/hooks/session-revoked`, secret: SECRET },
    });
    a = await startFlowfull(standin.url, { prefix, port: portA });
    b = await startFlowfull(standin.url, { prefix });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await standin?.close();
    await dropPrefix(prefix);
  });

  /** What the client sends once it has a session. */
  const as = (sessionId: string) => ({ headers: { 'x-session-id': sessionId } });
  const email = () => `${randomUUID().slice(0, 8)}@example.test`;

  async function register(address: string, password = PASSWORD) {
    const res = await send(a.url, 'POST', '/auth/register', {
      body: {
        email: address,
        password,
        name: 'Ada',
        lastName: 'Lovelace',
        userName: `u${randomUUID().slice(0, 8)}`,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    return res;
  }

  async function login(address: string, password = PASSWORD): Promise<string> {
    const res = await send(a.url, 'POST', '/auth/login', { body: { email: address, password } });
    expect(res.status).toBe(200);
    return res.body.session_id as string;
  }

  const me = (base: string, sessionId: string) => send(base, 'GET', '/api/v1/me', as(sessionId));

  it('register, login (header form), session check, data route: one base URL', async () => {
    const address = email();
    await register(address);
    const res = await send(a.url, 'POST', '/auth/login', { body: { email: address, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, user: { email: address } });
    expect(res.body.session_id).toBe(res.body.sessionId);
    expect(res.body.expires_at).toBe(res.body.expiresAt);
    const sessionId = res.body.session_id as string;

    const check = await send(a.url, 'GET', '/auth/validation', as(sessionId));
    expect(check.status).toBe(200);
    expect(check.body.success).toBe(true);
    expect(check.body.user.email).toBe(address);
    // Top level, both spellings: what the client reads.
    expect(check.body.expires_at).toBe(res.body.expires_at);
    expect(check.body.expiresAt).toBe(res.body.expires_at);

    const data = await me(a.url, sessionId);
    expect(data.status).toBe(200);
    expect(data.body.data.email).toBe(address);
    expect((await send(b.url, 'GET', '/auth/me', as(sessionId))).body.data.user.email).toBe(address);
  });

  it('login by user name, and the cookie form: the cookie belongs to Flowfull and works on data routes', async () => {
    const address = email();
    const registered = await register(address);
    const userName = registered.body.data.user.user_name as string;
    const res = await fetch(`${a.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('session_id='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Domain=/i);
    const pair = cookie.split(';')[0]!;
    const data = await send(b.url, 'GET', '/api/v1/me', { headers: { cookie: pair } });
    expect(data.status).toBe(200);
    expect(data.body.data.email).toBe(address);
    expect((await send(a.url, 'GET', '/auth/validation', { headers: { cookie: pair } })).status).toBe(200);
  });

  it('2FA probe answers whether 2FA is offered; its methods need a session', async () => {
    const system = await send(a.url, 'GET', '/auth/two_factor/system');
    expect(system.status).toBe(200);
    expect(system.body.data.enabled).toBe(false);
    expect((await send(a.url, 'GET', '/auth/two_factor/methods')).status).toBe(401);
  });

  it('refresh: the new id works, the old one is refused at once on every instance', async () => {
    const address = email();
    await register(address);
    const old = await login(address);
    expect((await me(a.url, old)).status).toBe(200);
    expect((await me(b.url, old)).status).toBe(200);
    const res = await send(a.url, 'POST', '/auth/refresh', as(old));
    expect(res.status).toBe(200);
    const fresh = res.body.session_id as string;
    expect(fresh).not.toBe(old);
    expect(res.body.expires_at).toBeTruthy();
    expect((await me(a.url, old)).status).toBe(401);
    expect(await eventually(async () => (await me(b.url, old)).status === 401, 1000)).toBe(true);
    expect((await me(a.url, fresh)).status).toBe(200);
  });

  it('password reset through the outbox ends every session of the user on every instance', async () => {
    const address = email();
    await register(address);
    const before = await login(address);
    expect((await me(a.url, before)).status).toBe(200);
    expect((await me(b.url, before)).status).toBe(200);

    const asked = await send(a.url, 'POST', '/auth/password-reset/request', {
      body: { email: address, resetUrl: 'https://app.example/reset' },
    });
    expect(asked.body.success).toBe(true);
    // The same answer for an unknown address: no account enumeration.
    const unknown = await send(a.url, 'POST', '/auth/password-reset/request', { body: { email: email() } });
    expect(unknown.body).toEqual(asked.body);

    const outbox = await send(standin.url, 'GET', `/dev/outbox?to=${encodeURIComponent(address)}`);
    const mail = outbox.body.data.at(-1);
    expect(mail.link).toBe(`https://app.example/reset?token=${mail.token}`);
    const token = mail.token as string;

    const valid = await send(a.url, 'GET', `/auth/password-reset/validate/${token}`);
    expect(valid.status).toBe(200);
    expect(valid.body.data.valid).toBe(true);
    expect((await send(a.url, 'GET', `/auth/password-reset/validate?token=${token}`)).status).toBe(200);
    expect((await send(a.url, 'GET', '/auth/password-reset/validate/not-a-token')).status).toBe(400);

    const newPassword = 'a brand new passphrase';
    const reset = await send(a.url, 'POST', '/auth/password-reset/reset', {
      body: { token, password: newPassword },
    });
    expect(reset.status).toBe(200);
    expect(reset.body.success).toBe(true);
    // Single use.
    expect(
      (await send(a.url, 'POST', '/auth/password-reset/reset', { body: { token, password: newPassword } }))
        .status,
    ).toBe(400);

    // Flowless called Flowfull's hook before answering: refused at once here, within 1 s elsewhere.
    expect((await me(a.url, before)).status).toBe(401);
    expect(await eventually(async () => (await me(b.url, before)).status === 401, 1000)).toBe(true);
    expect(
      (await send(a.url, 'POST', '/auth/login', { body: { email: address, password: PASSWORD } })).status,
    ).toBe(401);
    expect((await me(a.url, await login(address, newPassword))).status).toBe(200);
  });

  it('password change keeps the caller signed in and ends the other sessions', async () => {
    const address = email();
    await register(address);
    const mine = await login(address);
    const other = await login(address);
    expect((await me(a.url, other)).status).toBe(200);
    const res = await send(a.url, 'POST', '/auth/password-change/self', {
      ...as(mine),
      body: { currentPassword: PASSWORD, newPassword: 'another long passphrase' },
    });
    expect(res.status).toBe(200);
    expect((await me(a.url, other)).status).toBe(401);
    expect((await me(a.url, mine)).status).toBe(200);
    const wrong = await send(a.url, 'POST', '/auth/password-change/self', {
      ...as(mine),
      body: { currentPassword: 'not the password', newPassword: 'yet another passphrase' },
    });
    expect(wrong.status).toBe(400);
  });

  it('logout: the session is refused at once on A and within 1 s on B; the session check says Invalid session', async () => {
    const address = email();
    await register(address);
    const sessionId = await login(address);
    expect((await me(a.url, sessionId)).status).toBe(200);
    expect((await me(b.url, sessionId)).status).toBe(200);
    const out = await send(a.url, 'POST', '/auth/logout', as(sessionId));
    expect(out.status).toBe(200);
    expect(out.body.success).toBe(true);
    const refused = await me(a.url, sessionId);
    expect(refused.status).toBe(401);
    expect(await eventually(async () => (await me(b.url, sessionId)).status === 401, 1000)).toBe(true);
    const check = await send(b.url, 'GET', '/auth/validation', as(sessionId));
    expect(check.status).toBe(401);
    expect(check.body.error).toBe('Invalid session');
  });

  it('a logout made directly at Flowless reaches Flowfull through the revocation hook', async () => {
    const address = email();
    await register(address);
    const sessionId = await login(address);
    expect((await me(a.url, sessionId)).status).toBe(200);
    expect((await send(standin.url, 'POST', '/auth/logout', as(sessionId))).status).toBe(200);
    expect((await me(a.url, sessionId)).status).toBe(401);
  });
});
