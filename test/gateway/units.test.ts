import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { AppError, FlowfullConfigError } from '../../src/errors.js';
import { BLOCKED_AREAS, classifyPath, createAuthGateway, rewriteSetCookie } from '../../src/gateway/index.js';

describe('Set-Cookie rewriting', () => {
  const upstream =
    'session_id=ses_abc; Domain=flowless.example; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax';

  it('drops Domain so the cookie belongs to Flowfull, keeps Path, Max-Age, HttpOnly and SameSite', () => {
    expect(rewriteSetCookie(upstream, { secure: 'keep' })).toBe(
      'session_id=ses_abc; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax',
    );
  });

  it('adds Secure in production, sets a configured Domain, and can drop Secure for plain-HTTP development', () => {
    expect(rewriteSetCookie(upstream, { secure: true, domain: 'example.com' })).toBe(
      'session_id=ses_abc; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax; Domain=example.com; Secure',
    );
    expect(rewriteSetCookie('a=b; Secure; SameSite=None', { secure: 'keep' })).toBe(
      'a=b; SameSite=None; Secure',
    );
    expect(rewriteSetCookie('a=b; Secure', { secure: false })).toBe('a=b');
  });
});

describe('path classification', () => {
  it('forwards plain paths under the prefix and refuses the rest', () => {
    expect(classifyPath('/auth/password-reset/validate/abc_DEF-123', '/auth', BLOCKED_AREAS)).toEqual({
      kind: 'forward',
      rest: '/password-reset/validate/abc_DEF-123',
    });
    expect(classifyPath('/auth/login/', '/auth', BLOCKED_AREAS).kind).toBe('forward');
    expect(classifyPath('/auth/bridge/validate', '/auth', BLOCKED_AREAS).kind).toBe('blocked');
    expect(classifyPath('/auth/bRiDgE', '/auth', BLOCKED_AREAS).kind).toBe('blocked');
    expect(classifyPath('/auth/bridges', '/auth', BLOCKED_AREAS).kind).toBe('forward');
    expect(classifyPath('/authx', '/auth', BLOCKED_AREAS).kind).toBe('outside');
    for (const bad of [
      '/auth/a/../b',
      '/auth/%2e',
      '/auth/a%2fb',
      '/auth/a//b',
      '/auth/a\\b',
      '/auth/..',
      '/auth/',
    ])
      expect(classifyPath(bad, '/auth', BLOCKED_AREAS).kind).toBe('invalid');
    expect(classifyPath(`/auth/${'a'.repeat(2000)}`, '/auth', BLOCKED_AREAS).kind).toBe('invalid');
  });
});

describe('options', () => {
  const bad: Array<[string, object]> = [
    ['upstreamUrl', { upstreamUrl: 'ftp://x' }],
    ['upstreamUrl', { upstreamUrl: 'not a url' }],
    ['upstreamUrl', { upstreamUrl: 'http://user:pw@flowless.example' }],
    ['prefix', { upstreamUrl: 'http://f.example', prefix: 'auth' }],
    ['prefix', { upstreamUrl: 'http://f.example', prefix: '/auth/' }],
    ['timeoutMs', { upstreamUrl: 'http://f.example', timeoutMs: 0 }],
    ['bodyLimitBytes', { upstreamUrl: 'http://f.example', bodyLimitBytes: -1 }],
    ['methods', { upstreamUrl: 'http://f.example', methods: ['GET', 'TRACE'] }],
    ['cookie.secure', { upstreamUrl: 'http://f.example', cookie: { secure: 'yes' } }],
    ['onSessionEnded', { upstreamUrl: 'http://f.example', onSessionEnded: 'evict' }],
  ];
  it.each(bad)('a bad %s throws FlowfullConfigError naming it', (option, options) => {
    expect(() => createAuthGateway(options as never)).toThrow(FlowfullConfigError);
    expect(() => createAuthGateway(options as never)).toThrow(option);
  });
});

describe('rate-limit seam', () => {
  it('runs only on login, register and password reset, and may answer instead of Flowless', async () => {
    const forwarded: string[] = [];
    const limited: string[] = [];
    const gateway = createAuthGateway({
      upstreamUrl: 'http://flowless.invalid',
      upstream: async (url) => {
        forwarded.push(new URL(url).pathname);
        return new Response('{"success":true}', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
      rateLimit: async (c, next) => {
        limited.push(c.req.path);
        if (c.req.header('x-over-limit'))
          return c.json({ success: false, error: 'Too many requests', code: 'RATE_LIMITED' }, 429);
        await next();
      },
    });
    const app = new Hono().route('/', gateway.app);
    const post = (path: string, over = false) =>
      app.request(path, { method: 'POST', body: '{}', headers: over ? { 'x-over-limit': '1' } : {} });
    expect((await post('/auth/login', true)).status).toBe(429);
    expect(forwarded).toEqual([]);
    expect((await post('/auth/login')).status).toBe(200);
    expect((await post('/auth/register/public')).status).toBe(200);
    expect((await post('/auth/password-reset/request')).status).toBe(200);
    expect((await post('/auth/logout')).status).toBe(200);
    expect(limited).toEqual([
      '/auth/login',
      '/auth/login',
      '/auth/register/public',
      '/auth/password-reset/request',
    ]);
    expect(forwarded).toEqual([
      '/auth/login',
      '/auth/register/public',
      '/auth/password-reset/request',
      '/auth/logout',
    ]);
  });
});

describe('breaker probe', () => {
  it('a request refused before forwarding (ambiguous credentials) never holds the half-open probe', async () => {
    let fail = true;
    const gateway = createAuthGateway({
      upstreamUrl: 'http://flowless.invalid',
      breaker: { threshold: 1, cooldownMs: 0 },
      sessionIdOf: (c) => {
        if (c.req.header('x-ambiguous')) throw new AppError('AMBIGUOUS_CREDENTIALS', 'Ambiguous credentials');
        return c.req.header('x-session-id');
      },
      upstream: async () => {
        if (fail) throw new Error('connection refused');
        return new Response('{"success":true}', { status: 200 });
      },
    });
    const app = new Hono().route('/', gateway.app);
    app.onError((err, c) => c.json({ code: (err as AppError).code }, (err as AppError).status as 401));
    const logout = (headers: Record<string, string> = {}) =>
      app.request('/auth/logout', { method: 'POST', headers });
    expect((await logout()).status).toBe(503);
    expect(gateway.breaker.state).toBe('half_open');
    expect((await logout({ 'x-ambiguous': '1' })).status).toBe(401);
    fail = false;
    expect((await logout({ 'x-session-id': 'ses_a' })).status).toBe(200);
    expect(gateway.breaker.state).toBe('closed');
  });
});
