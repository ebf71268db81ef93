import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  extractSessionId,
  isWellFormedSessionId,
  requestHeader,
  resolveExtraction,
  sessionKey,
} from '../../src/auth/session-id.js';
import { hashId } from '../../src/log/logger.js';

/** What extractSessionId finds, through Hono's accessors and through Node's parsed headers. */
async function extract(
  init: { url?: string; headers?: Record<string, string> },
  options = resolveExtraction(),
): Promise<Array<string | null>> {
  const app = new Hono();
  app.get('*', (c) => c.json({ id: extractSessionId(c, options) ?? null }));
  const url = `http://x${init.url ?? '/'}`;
  const viaHono = await app.request(url, { headers: init.headers ?? {} });
  const rawHeaders = Object.entries(init.headers ?? {}).flat();
  const viaNode = await app.request(url, { headers: init.headers ?? {} }, { incoming: { rawHeaders } });
  return [
    ((await viaHono.json()) as { id: string | null }).id,
    ((await viaNode.json()) as { id: string | null }).id,
  ];
}

describe('session extraction', () => {
  it('takes the first non-empty of header, bearer, cookie, query', async () => {
    expect(await extract({ headers: { 'X-Session-Id': 'a' } })).toEqual(['a', 'a']);
    expect(await extract({ headers: { Authorization: 'Bearer b' } })).toEqual(['b', 'b']);
    expect(await extract({ headers: { Cookie: 'x=1; session_id=c' } })).toEqual(['c', 'c']);
    expect(await extract({ url: '/?session_id=d' })).toEqual(['d', 'd']);
    expect(
      await extract({ url: '/?session_id=d', headers: { Cookie: 'session_id=c', 'X-Session-ID': ' ' } }),
    ).toEqual(['c', 'c']);
    expect(await extract({ headers: { Authorization: 'Bearer   ', Cookie: 'session_id=' } })).toEqual([
      null,
      null,
    ]);
    expect(await extract({ headers: { Authorization: 'Token abc' } })).toEqual([null, null]);
  });

  it('honours the query switch and the cookie name', async () => {
    const options = resolveExtraction({ allowQuery: false, cookieName: 'sid' });
    expect(await extract({ url: '/?session_id=d' }, options)).toEqual([null, null]);
    expect(await extract({ headers: { Cookie: 'session_id=c; sid=e' } }, options)).toEqual(['e', 'e']);
  });

  it('reads a header through Hono when Node headers are not there', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(requestHeader(c, 'x-session-id') ?? '-'));
    const res = await app.request('/', { headers: { 'X-Session-ID': 'z' } }, { incoming: { socket: {} } });
    expect(await res.text()).toBe('z');
  });
});

describe('session id shape', () => {
  it('accepts visible ASCII up to the bound, refuses the rest', () => {
    expect(isWellFormedSessionId('ses_AbC-_.~+/=')).toBe(true);
    expect(isWellFormedSessionId('a'.repeat(512))).toBe(true);
    for (const bad of ['', 'a'.repeat(513), 'a b', 'a\tb', 'a\nb', 'é', 'a\u0000']) {
      expect(isWellFormedSessionId(bad)).toBe(false);
    }
  });

  it('keys sessions by hashId, never by the id', () => {
    expect(sessionKey('ses_abc')).toBe(hashId('ses_abc'));
    expect(sessionKey('ses_abc')).not.toContain('ses_abc');
  });
});
