import { describe, expect, it } from 'vitest';
import { bridge, call, SECRET, userWithSession, useStandins } from './helpers.js';

const BINDING = { ipAddress: '203.0.113.7', userAgent: 'ua/1.0', deviceId: 'dev-1' };

describe('stand-in: bridge validation requests', () => {
  const start = useStandins();

  // The four caller styles of protocol section 2, plus the legacy secret in the body.
  const variants: Array<[string, (id: string) => Parameters<typeof bridge>[1]]> = [
    [
      'query session_id with {timestamp, source}',
      (id) => ({ query: `session_id=${id}`, body: { timestamp: Date.now(), source: 'flowfull' } }),
    ],
    ['body sessionId', (id) => ({ body: { sessionId: id } })],
    [
      'body session_id with ip/user_agent/device_id',
      (id) => ({ body: { session_id: id, ip: '1.2.3.4', user_agent: 'x', device_id: 'd' } }),
    ],
    [
      'body session_id with ip_address',
      (id) => ({ body: { session_id: id, ip_address: '1.2.3.4', user_agent: 'x', device_id: 'd' } }),
    ],
    ['header X-Session-ID', (id) => ({ headers: { 'X-Session-ID': id } })],
    [
      'legacy bridge_secret in the body',
      (id) => ({
        body: { session_id: id, bridge_secret: SECRET },
        headers: { 'x-bridge-secret': undefined },
      }),
    ],
  ];

  it.each(variants)('accepts %s', async (_name, request) => {
    const s = await start();
    const { user, sessionId } = await userWithSession(s);
    const res = await bridge(s, request(sessionId));
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.user.id).toBe(user.id);
  });

  it('records what was sent (lower-cased headers, query, body), keeping the last 50', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    await bridge(s, {
      query: `session_id=${sessionId}`,
      body: { timestamp: 1, source: 'test' },
      headers: { 'X-Custom': 'v' },
    });
    const stats = s.stats();
    expect(stats.bridgeValidateCalls).toBe(1);
    expect(stats.lastBridgeRequests[0]).toEqual({
      query: { session_id: sessionId },
      headers: expect.objectContaining({ 'x-bridge-secret': SECRET, 'x-custom': 'v' }),
      body: { timestamp: 1, source: 'test' },
    });
    for (let i = 0; i < 55; i++) await bridge(s, { body: { session_id: `ses_${i}` } });
    const after = s.stats();
    expect(after.bridgeValidateCalls).toBe(56);
    expect(after.lastBridgeRequests).toHaveLength(50);
    expect(after.lastBridgeRequests.at(-1)?.body).toEqual({ session_id: 'ses_54' });
    s.resetStats();
    expect(s.stats()).toEqual({ bridgeValidateCalls: 0, logoutCalls: 0, lastBridgeRequests: [] });
  });

  const wrongSecrets: Array<[string, Record<string, string | undefined>, Record<string, string>?]> = [
    ['a wrong secret', { 'x-bridge-secret': 'wrong-secret' }],
    ['no secret', { 'x-bridge-secret': undefined }],
    ['an empty secret', { 'x-bridge-secret': '' }],
    ['a wrong legacy body secret', { 'x-bridge-secret': undefined }, { bridge_secret: 'nope' }],
    ['a secret differing in the last character', { 'x-bridge-secret': SECRET.slice(0, -1) + 'X' }],
  ];

  it.each(wrongSecrets)('refuses %s with 401 "Invalid bridge secret"', async (_name, headers, extra = {}) => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    const res = await bridge(s, { body: { session_id: sessionId, ...extra }, headers });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: 'Invalid bridge secret' });
  });

  it('answers 401 for unknown, revoked and expired sessions with the Flowless texts', async () => {
    const s = await start();
    const unknown = await bridge(s, { body: { session_id: 'ses_does_not_exist' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ success: false, error: 'Invalid or expired session' });

    const revoked = await userWithSession(s);
    await s.revokeSession(revoked.sessionId);
    const r = await bridge(s, { body: { session_id: revoked.sessionId } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ success: false, error: 'Invalid or expired session' });

    const expired = await userWithSession(s);
    await s.expireSession(expired.sessionId);
    const e = await bridge(s, { body: { session_id: expired.sessionId } });
    expect(e.status).toBe(401);
    expect(e.body).toMatchObject({ success: false, error: 'Session expired' });

    const missing = await bridge(s, { body: {} });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ success: false, error: 'Session ID required' });
  });

  it('a session created with a short ttl expires by itself', async () => {
    const s = await start();
    const user = await s.createUser({ email: 'short@example.test' });
    const { sessionId, expiresAt } = await s.createSession(user.id, { ttlSeconds: 1 });
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(res.body.error).toBe('Session expired');
  });

  it('a logout through HTTP makes the bridge answer 401', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    await call(s.url, 'POST', '/auth/logout', {
      headers: { 'X-Session-ID': sessionId, 'X-Bridge-Secret': SECRET },
    });
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(res.status).toBe(401);
  });
});

describe('stand-in: bridge response styles', () => {
  const start = useStandins();

  it("'current' (default): user, camelCase session, expires_at, cached, cacheSource, timestamp", async () => {
    const s = await start();
    const { user, sessionId, expiresAt } = await userWithSession(s, BINDING);
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      user,
      session: {
        id: expect.stringMatching(/^sesrec_/),
        userId: user.id,
        expiresAt,
        ipAddress: BINDING.ipAddress,
        userAgent: BINDING.userAgent,
        lastUsedAt: expect.any(String),
        two_factor_verified: false,
      },
      expires_at: expiresAt,
      cached: false,
      cacheSource: 'database',
      timestamp: expect.any(String),
    });
    expect(res.text).not.toContain(sessionId);
  });

  it("'seed': {success, session: {user_id, email, name, user_type, ip_address, user_agent, device_id}}", async () => {
    const s = await start({ responseStyle: 'seed' });
    const { user, sessionId } = await userWithSession(s, BINDING);
    const res = await bridge(s, { query: `session_id=${sessionId}` });
    expect(res.body).toEqual({
      success: true,
      session: {
        user_id: user.id,
        email: user.email,
        name: 'Ada',
        user_type: 'admin',
        ip_address: BINDING.ipAddress,
        user_agent: BINDING.userAgent,
        device_id: BINDING.deviceId,
      },
    });
  });

  it("'older': {success, data: {valid, trust_token, user, session: {id, expires_at, created_at}}}", async () => {
    const s = await start();
    s.setResponseStyle('older');
    const { user, sessionId, expiresAt } = await userWithSession(s);
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(res.body).toEqual({
      success: true,
      data: {
        valid: true,
        trust_token: expect.stringMatching(/^v4\.public\./),
        user,
        session: { id: expect.any(String), expires_at: expiresAt, created_at: expect.any(String) },
      },
    });
  });

  it('records the binding seen at login: socket address, User-Agent, X-Device-ID (X-Forwarded-For ignored)', async () => {
    const s = await start({ responseStyle: 'seed' });
    await s.createUser({ email: 'bound@example.test', password: 'password-123' });
    const login = await call(s.url, 'POST', '/auth/login', {
      body: { email: 'bound@example.test', password: 'password-123' },
      headers: { 'User-Agent': 'curl/8', 'X-Device-ID': 'phone-9', 'X-Forwarded-For': '198.51.100.1' },
    });
    const res = await bridge(s, { body: { session_id: login.body.session_id } });
    expect(res.body.session).toMatchObject({
      ip_address: '127.0.0.1',
      user_agent: 'curl/8',
      device_id: 'phone-9',
    });
  });

  it('setResponseOverride deep-merges into every following answer until cleared', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setResponseOverride({ valid: false, user: { userType: 'admin', user_type: 'viewer' } });
    for (let i = 0; i < 2; i++) {
      const res = await bridge(s, { body: { session_id: sessionId } });
      expect(res.body).toMatchObject({
        success: true,
        valid: false,
        user: { userType: 'admin', user_type: 'viewer' },
      });
      expect(res.body.user.email).toMatch(/@example\.test$/);
    }
    s.setResponseOverride({ error: 'IP address mismatch' });
    const unknown = await bridge(s, { body: { session_id: 'ses_unknown' } });
    expect(unknown.body).toMatchObject({ success: false, error: 'IP address mismatch' });
    s.setResponseOverride(null);
    const plain = await bridge(s, { body: { session_id: sessionId } });
    expect(plain.body.valid).toBeUndefined();
    expect(plain.body.user.userType).toBeUndefined();
  });

  it('refuses an unknown style', async () => {
    const s = await start();
    expect(() => s.setResponseStyle('newest' as never)).toThrow(/responseStyle/);
  });
});
