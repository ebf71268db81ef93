import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { FlowfullConfigError } from '../../src/errors.js';
import { CORS_ALLOW_HEADERS, corsAllowHeaders } from '../../src/http/app.js';
import { createApp, ok } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';

const ORIGIN = 'https://app.example.com';

function build(env: Record<string, string> = {}) {
  const config = parseConfig({ NODE_ENV: 'test', CORS_ORIGINS: ORIGIN, ...env }).config!;
  const app = createApp({ config, logger: silentLogger(), accessLog: false });
  app.get('/data', (c) => ok(c, { fine: true }));
  return app;
}

function preflight(app: ReturnType<typeof build>, origin: string, headers: string) {
  return app.request('/data', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
  });
}

describe('CORS for real clients', () => {
  it('allows the configured extra request headers besides the clients own, and caches the preflight', async () => {
    const app = build({ CORS_ALLOW_HEADERS: 'X-App-Version, X-Tenant', CORS_MAX_AGE: '3600' });
    const res = await preflight(app, ORIGIN, 'content-type,x-session-id,x-app-version');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
    expect(allowed).toEqual(
      expect.arrayContaining(['content-type', 'x-session-id', 'x-app-version', 'x-tenant']),
    );
    expect(res.headers.get('access-control-max-age')).toBe('3600');
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('without configuration offers only the clients headers, with a 600 s max age', async () => {
    const res = await preflight(build(), ORIGIN, 'content-type');
    const allowed = res.headers.get('access-control-allow-headers')!.split(',');
    expect(allowed).toEqual(CORS_ALLOW_HEADERS);
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('sends Vary: Origin on simple answers, for allowed and refused origins alike', async () => {
    const app = build();
    const allowed = await app.request('/data', { headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('vary')).toMatch(/origin/i);
    const other = await app.request('/data', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toMatch(/origin/i);
    const refusedPreflight = await preflight(app, 'https://evil.example', 'content-type');
    expect(refusedPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lists each header once and refuses a value that is not a header name', () => {
    expect(corsAllowHeaders(['x-session-id', 'X-Extra', 'x-extra'])).toEqual([
      ...CORS_ALLOW_HEADERS,
      'X-Extra',
    ]);
    expect(() => corsAllowHeaders(['bad header'])).toThrow(FlowfullConfigError);
  });

  it('refuses a max age outside 0..86400 in the config', () => {
    const { issues } = parseConfig({ NODE_ENV: 'test', CORS_MAX_AGE: '-1' });
    expect(issues.map((i) => i.variable)).toContain('CORS_MAX_AGE');
  });
});
