import { describe, expect, it } from 'vitest';
import { captureLogger } from '../support/log-capture.js';
import { call, PASSWORD, SECRET, uniqueEmail, useStandins } from './helpers.js';

const USER_KEYS = [
  'created_at',
  'email',
  'id',
  'is_verified',
  'last_name',
  'name',
  'phone',
  'picture',
  'user_name',
  'user_type',
];

describe('stand-in: register', () => {
  const start = useStandins();

  it('registers with a camelCase body and answers 201 with a session', async () => {
    const s = await start();
    const email = uniqueEmail();
    const res = await call(s.url, 'POST', '/auth/register', {
      body: {
        email,
        password: PASSWORD,
        name: 'Ada',
        lastName: 'Lovelace',
        userName: 'ada_l',
        userType: 'admin',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    const { user, session_id, expires_at } = res.body.data;
    expect(Object.keys(user).sort()).toEqual(USER_KEYS);
    expect(user).toMatchObject({
      email,
      name: 'Ada',
      last_name: 'Lovelace',
      user_name: 'ada_l',
      user_type: 'admin',
      is_verified: true,
    });
    expect(user.id).toMatch(/^usr_[A-Za-z0-9_-]{16,}$/);
    expect(session_id).toMatch(/^ses_[A-Za-z0-9_-]{43,}$/);
    const ttl = Date.parse(expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86400_000);
    const me = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': session_id } });
    expect(me.body.data.user.id).toBe(user.id);
  });

  it('registers with a snake_case body on /auth/register/public', async () => {
    const s = await start();
    const res = await call(s.url, 'POST', '/auth/register/public', {
      body: {
        email: uniqueEmail(),
        password: PASSWORD,
        name: 'Bo',
        last_name: 'Snake',
        user_name: 'bo_s',
        user_type: 'editor',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.user).toMatchObject({ last_name: 'Snake', user_name: 'bo_s', user_type: 'editor' });
  });

  it('defaults user_type to "user" and normalises the email', async () => {
    const s = await start();
    const res = await call(s.url, 'POST', '/auth/register', {
      body: { email: '  Mixed.Case@Example.TEST ', password: PASSWORD, name: 'M' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.user).toMatchObject({
      email: 'mixed.case@example.test',
      user_type: 'user',
      user_name: null,
    });
  });

  it.each([
    [{ password: PASSWORD, name: 'A' }, 'email is required'],
    [{ email: 'not-an-email', password: PASSWORD, name: 'A' }, 'email must be a valid email address'],
    [{ email: 'a@b.test', password: 'short', name: 'A' }, 'password must be at least 8 characters'],
    [{ email: 'a@b.test', name: 'A' }, 'password is required'],
    [{ email: 'a@b.test', password: PASSWORD }, 'name is required'],
    [
      { email: 'a@b.test', password: PASSWORD, name: 'A', userName: 'x' },
      'user_name must be 3-32 letters, digits, _ . or -',
    ],
    [{ email: 42, password: PASSWORD, name: 'A' }, 'email must be a string'],
  ])('refuses invalid input %j with 400', async (body, message) => {
    const s = await start();
    const res = await call(s.url, 'POST', '/auth/register', { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: message, code: 'VALIDATION_FAILED' });
  });

  it('refuses malformed JSON with 400 INVALID_JSON', async () => {
    const s = await start();
    const res = await fetch(s.url + '/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ success: false, error: 'Malformed JSON body', code: 'INVALID_JSON' });
  });

  it('answers 409 for a duplicate email (any case) or user name', async () => {
    const s = await start();
    const email = uniqueEmail();
    const first = await call(s.url, 'POST', '/auth/register', {
      body: { email, password: PASSWORD, name: 'A', userName: 'taken_name' },
    });
    expect(first.status).toBe(201);
    const sameEmail = await call(s.url, 'POST', '/auth/register', {
      body: { email: email.toUpperCase(), password: PASSWORD, name: 'B' },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toMatchObject({
      success: false,
      error: 'Email already registered',
      code: 'CONFLICT',
    });
    const sameName = await call(s.url, 'POST', '/auth/register/public', {
      body: { email: uniqueEmail(), password: PASSWORD, name: 'C', user_name: 'TAKEN_NAME' },
    });
    expect(sameName.status).toBe(409);
    expect(sameName.body).toMatchObject({ error: 'User name already taken', code: 'CONFLICT' });
  });
});

describe('stand-in: login', () => {
  const start = useStandins();

  async function registered() {
    const s = await start();
    const email = uniqueEmail();
    await call(s.url, 'POST', '/auth/register', {
      body: { email, password: PASSWORD, name: 'Ada', userName: 'ada' },
    });
    return { s, email };
  }

  it('logs in by email, answers both spellings and sets an HttpOnly Lax cookie', async () => {
    const { s, email } = await registered();
    const res = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.success).toBe(true);
    expect(b.user.email).toBe(email);
    expect(b.session_id).toMatch(/^ses_/);
    expect(b.sessionId).toBe(b.session_id);
    expect(b.expiresAt).toBe(b.expires_at);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`session_id=${b.session_id}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
  });

  it('logs in by user_name and by userName', async () => {
    const { s } = await registered();
    for (const body of [
      { user_name: 'ada', password: PASSWORD },
      { userName: 'ADA', password: PASSWORD },
    ]) {
      const res = await call(s.url, 'POST', '/auth/login', { body });
      expect(res.status).toBe(200);
      expect(res.body.user.user_name).toBe('ada');
    }
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password or an unknown user', async () => {
    const { s, email } = await registered();
    for (const body of [
      { email, password: 'wrong password' },
      { email: uniqueEmail(), password: PASSWORD },
      { user_name: 'nobody', password: PASSWORD },
    ]) {
      const res = await call(s.url, 'POST', '/auth/login', { body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('answers 400 without an identifier or a password', async () => {
    const s = await start();
    const noId = await call(s.url, 'POST', '/auth/login', { body: { password: PASSWORD } });
    expect(noId.status).toBe(400);
    expect(noId.body.error).toBe('email or user_name is required');
    const noPassword = await call(s.url, 'POST', '/auth/login', { body: { email: 'a@b.test' } });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error).toBe('password is required');
  });

  it('answers 403 EMAIL_NOT_VERIFIED for an unverified account, and only with the right password', async () => {
    const s = await start();
    const email = uniqueEmail();
    await s.createUser({ email, password: PASSWORD, verified: false });
    const res = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, code: 'EMAIL_NOT_VERIFIED' });
    const wrong = await call(s.url, 'POST', '/auth/login', { body: { email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
  });

  it('a user created without a password cannot log in', async () => {
    const s = await start();
    const email = uniqueEmail();
    await s.createUser({ email });
    const res = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(401);
  });
});

describe('stand-in: me, validation and logout', () => {
  const start = useStandins();

  async function loggedIn() {
    const s = await start();
    const email = uniqueEmail();
    const reg = await call(s.url, 'POST', '/auth/register', {
      body: { email, password: PASSWORD, name: 'Ada' },
    });
    return { s, sessionId: reg.body.data.session_id as string, userId: reg.body.data.user.id as string };
  }

  it('GET /auth/me and /auth/user/me accept the header, a Bearer token and the cookie', async () => {
    const { s, sessionId, userId } = await loggedIn();
    for (const path of ['/auth/me', '/auth/user/me']) {
      for (const headers of [
        { 'X-Session-Id': sessionId },
        { Authorization: `Bearer ${sessionId}` },
        { Cookie: `other=1; session_id=${sessionId}` },
      ]) {
        const res = await call(s.url, 'GET', path, { headers });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ success: true, data: { user: expect.objectContaining({ id: userId }) } });
      }
    }
  });

  it('GET /auth/me answers 401 with the texts the client acts on', async () => {
    const { s, sessionId } = await loggedIn();
    const none = await call(s.url, 'GET', '/auth/me');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ success: false, error: 'Session ID required' });
    const unknown = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': 'ses_unknown' } });
    expect(unknown.body).toMatchObject({ success: false, error: 'Invalid session' });
    const absurd = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': 'x'.repeat(600) } });
    expect(absurd.body).toMatchObject({ success: false, error: 'Invalid session' });
    await s.expireSession(sessionId);
    const expired = await call(s.url, 'GET', '/auth/user/me', { headers: { 'X-Session-ID': sessionId } });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ success: false, error: 'Session expired' });
  });

  it('GET /auth/validation answers the user and the session, or 401 "Invalid session" / "Session expired"', async () => {
    const { s, sessionId, userId } = await loggedIn();
    const ok = await call(s.url, 'GET', '/auth/validation', {
      headers: { 'X-Session-ID': sessionId, 'User-Agent': 'ua-test' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.success).toBe(true);
    expect(ok.body.user.id).toBe(userId);
    expect(ok.body.session).toMatchObject({ user_id: userId, ip_address: '127.0.0.1' });
    expect(JSON.stringify(ok.body)).not.toContain(sessionId);

    const bad = await call(s.url, 'GET', '/auth/validation', { headers: { 'X-Session-ID': 'ses_nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ success: false, error: 'Invalid session' });
    await s.expireSession(sessionId);
    const expired = await call(s.url, 'GET', '/auth/validation', { headers: { 'X-Session-ID': sessionId } });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ success: false, error: 'Session expired' });
  });

  it.each([
    ['header', (id: string) => ({ 'X-Session-ID': id })],
    ['bearer', (id: string) => ({ Authorization: `Bearer ${id}` })],
    ['cookie', (id: string) => ({ Cookie: `session_id=${id}` })],
  ])('POST /auth/logout by %s revokes the session and clears the cookie', async (_name, headers) => {
    const { s, sessionId } = await loggedIn();
    const res = await call(s.url, 'POST', '/auth/logout', { headers: headers(sessionId) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(res.headers.get('set-cookie')).toMatch(/session_id=;.*Max-Age=0/);
    const me = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': sessionId } });
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('Invalid session');
    expect(s.stats().logoutCalls).toBe(1);
  });

  it('logout from a backend with the bridge secret revokes too; a wrong secret is refused', async () => {
    const { s, sessionId } = await loggedIn();
    const wrong = await call(s.url, 'POST', '/auth/logout', {
      headers: { 'X-Session-ID': sessionId, 'X-Bridge-Secret': 'wrong' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ success: false, error: 'Invalid bridge secret' });
    const me = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': sessionId } });
    expect(me.status).toBe(200);

    const ok = await call(s.url, 'POST', '/auth/logout', {
      headers: { 'X-Session-ID': sessionId, 'X-Bridge-Secret': SECRET },
    });
    expect(ok.body).toEqual({ success: true });
    const after = await call(s.url, 'GET', '/auth/me', { headers: { 'X-Session-ID': sessionId } });
    expect(after.status).toBe(401);
  });

  it('logout without a session id answers 401 "Session ID required"; an unknown one succeeds', async () => {
    const s = await start();
    const none = await call(s.url, 'POST', '/auth/logout');
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('Session ID required');
    const unknown = await call(s.url, 'POST', '/auth/logout', { headers: { 'X-Session-ID': 'ses_unknown' } });
    expect(unknown.body).toEqual({ success: true });
  });

  it('GET /health answers {status: "ok"}; unknown routes answer a JSON 404', async () => {
    const s = await start();
    const health = await call(s.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const missing = await call(s.url, 'GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, error: 'Not found', code: 'NOT_FOUND' });
  });
});

describe('stand-in: secrets', () => {
  const start = useStandins();

  it('no answer carries a password hash, and no log line carries a session id, password or secret', async () => {
    const capture = captureLogger('trace');
    const s = await start({ logger: capture.logger });
    const email = uniqueEmail();
    const answers = [];
    answers.push(
      await call(s.url, 'POST', '/auth/register', { body: { email, password: PASSWORD, name: 'A' } }),
    );
    const login = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    answers.push(login);
    const sessionId = login.body.session_id as string;
    const headers = { 'X-Session-ID': sessionId };
    answers.push(await call(s.url, 'GET', '/auth/me', { headers }));
    answers.push(await call(s.url, 'GET', '/auth/validation', { headers }));
    for (const style of ['seed', 'current', 'older'] as const) {
      s.setResponseStyle(style);
      answers.push(
        await call(s.url, 'POST', '/auth/bridge/validate', {
          body: { session_id: sessionId },
          headers: { 'X-Bridge-Secret': SECRET },
        }),
      );
    }
    await call(s.url, 'POST', '/auth/bridge/validate', {
      body: { session_id: sessionId },
      headers: { 'X-Bridge-Secret': 'bad' },
    });
    await call(s.url, 'POST', '/auth/logout', { headers: { ...headers, 'X-Bridge-Secret': SECRET } });

    for (const a of answers) {
      expect(a.status).toBeLessThan(300);
      expect(a.text).not.toMatch(/scrypt|password/i);
    }
    const logs = capture.text();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [sessionId, PASSWORD, SECRET, 'bad"']) expect(logs).not.toContain(secret);
  });
});
