import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, type Seen, send, serve, startStandin, type TestStandin } from './helpers.js';

/** The stand-in's routes as `@pubflow/core` expects Flowless (protocol section 6). */
const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function standinWith(options: Parameters<typeof startStandin>[0] = {}): Promise<TestStandin> {
  const s = await startStandin(options);
  started.push(s);
  return s;
}

async function signedIn(s: TestStandin) {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  const user = await s.standin.controls.createUser({ email, password: PASSWORD });
  const { sessionId } = await s.standin.controls.createSession(user.id);
  return { email, user, sessionId };
}

/** A fake Flowfull revocation hook that records what it receives. */
async function hookRecorder(status = 200) {
  const calls: Array<{ secret: string | undefined; body: Record<string, unknown> }> = [];
  const app = new Hono();
  app.post('/hook', async (c) => {
    calls.push({ secret: c.req.header('x-bridge-secret'), body: await c.req.json() });
    return c.json({ success: status < 400 }, status as 200);
  });
  const listening = await serve(app);
  started.push(listening);
  return { url: `${listening.url}/hook`, calls };
}

describe('stand-in: client routes', () => {
  it('session check: top-level expires_at and expiresAt; 401 Invalid session / Session expired', async () => {
    const s = await standinWith();
    const { sessionId } = await signedIn(s);
    const ok = await send(s.url, 'GET', '/auth/validation', { headers: { 'x-session-id': sessionId } });
    expect(ok.status).toBe(200);
    expect(ok.body.expires_at).toBe(ok.body.session.expires_at);
    expect(ok.body.expiresAt).toBe(ok.body.expires_at);
    await s.standin.controls.expireSession(sessionId);
    const expired = await send(s.url, 'GET', '/auth/validation', { headers: { 'x-session-id': sessionId } });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ success: false, error: 'Session expired' });
    const invalid = await send(s.url, 'GET', '/auth/validation', { headers: { 'x-session-id': 'ses_nope' } });
    expect(invalid.body).toMatchObject({ success: false, error: 'Invalid session' });
  });

  it('password reset: POST validate form, the /complete alias, short passwords refused, outbox per address', async () => {
    const s = await standinWith();
    const { email } = await signedIn(s);
    await send(s.url, 'POST', '/auth/password-reset/request', { body: { email } });
    const mails = (await send(s.url, 'GET', `/dev/outbox?to=${email}`)).body.data;
    expect(mails).toHaveLength(1);
    expect(mails[0].link).toBeNull();
    const token = mails[0].token as string;
    expect((await send(s.url, 'POST', '/auth/password-reset/validate', { body: { token } })).status).toBe(
      200,
    );
    const short = await send(s.url, 'POST', '/auth/password-reset/complete', {
      body: { token, password: 'short' },
    });
    expect(short.status).toBe(400);
    const done = await send(s.url, 'POST', '/auth/password-reset/complete', {
      body: { token, new_password: 'long enough now' },
    });
    expect(done.status).toBe(200);
    const login = await send(s.url, 'POST', '/auth/login', { body: { email, password: 'long enough now' } });
    expect(login.status).toBe(200);
  });

  it('2FA system answers what the stand-in was told; methods need a session', async () => {
    const s = await standinWith({ twoFactorOffered: true });
    expect((await send(s.url, 'GET', '/auth/two_factor/system')).body.data).toEqual({
      enabled: true,
      methods: ['email'],
    });
    const { sessionId } = await signedIn(s);
    const methods = await send(s.url, 'GET', '/auth/two_factor/methods', {
      headers: { 'x-session-id': sessionId },
    });
    expect(methods.body).toEqual({ success: true, data: { methods: [] } });
  });

  it('CORS: credentials for configured origins only', async () => {
    const s = await standinWith({ corsOrigins: ['http://localhost:5173'] });
    const pre = await fetch(`${s.url}/auth/login`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-session-id',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${s.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const none = await standinWith();
    const plain = await fetch(`${none.url}/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('stand-in: revocation hook', () => {
  it('logout, refresh, password change and reset each report the ended ids with the secret', async () => {
    const hook = await hookRecorder();
    const s = await standinWith({
      revocationHook: { url: hook.url, secret: 'the-bridge-secret-0123456789abcdef' },
    });
    const { email, user } = await signedIn(s);
    const login = async () =>
      (await send(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body
        .session_id as string;

    const first = await login();
    await send(s.url, 'POST', '/auth/logout', { headers: { 'x-session-id': first } });
    expect(hook.calls.at(-1)).toEqual({
      secret: 'the-bridge-secret-0123456789abcdef',
      body: { session_ids: [first], reason: 'logout' },
    });

    const second = await login();
    await send(s.url, 'POST', '/auth/refresh', { headers: { 'x-session-id': second } });
    expect(hook.calls.at(-1)!.body).toMatchObject({ session_ids: [second], reason: 'refresh' });

    const keep = await login();
    const other = await login();
    await send(s.url, 'POST', '/auth/password-change/self', {
      headers: { 'x-session-id': keep },
      body: { current_password: PASSWORD, new_password: 'changed passphrase' },
    });
    const change = hook.calls.at(-1)!.body;
    expect(change.reason).toBe('password_change');
    expect(change.user_id).toBe(user.id);
    expect(change.session_ids).toContain(other);
    expect(change.session_ids).not.toContain(keep);

    await send(s.url, 'POST', '/auth/password-reset/request', { body: { email } });
    const token = (await send(s.url, 'GET', '/dev/outbox')).body.data.at(-1).token;
    await send(s.url, 'POST', '/auth/password-reset/reset', { body: { token, password: 'after the reset' } });
    const reset = hook.calls.at(-1)!.body;
    expect(reset.reason).toBe('password_reset');
    expect(reset.session_ids).toContain(keep);
  });

  it('a hook that fails or is unreachable never fails the route', async () => {
    const failing = await hookRecorder(500);
    const s = await standinWith({ revocationHook: { url: failing.url, secret: 'x'.repeat(32) } });
    const { sessionId } = await signedIn(s);
    // createSession through the controls also goes through the remembered-id wrapper.
    const out = await send(s.url, 'POST', '/auth/logout', { headers: { 'x-session-id': sessionId } });
    expect(out.status).toBe(200);
    expect(failing.calls).toHaveLength(1);
    const dead = await standinWith({
      revocationHook: { url: 'http://127.0.0.1:9/hook', secret: 'x'.repeat(32), timeoutMs: 300 },
    });
    const again = await signedIn(dead);
    expect(
      (await send(dead.url, 'POST', '/auth/logout', { headers: { 'x-session-id': again.sessionId } })).status,
    ).toBe(200);
  });

  it('records only what reached it (sanity of the counting harness)', async () => {
    const s = await standinWith();
    await send(s.url, 'GET', '/health');
    expect(s.seen.map((r: Seen) => r.target)).toEqual(['/health']);
  });
});
