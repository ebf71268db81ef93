import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  extractSessionId,
  isWellFormedSessionId,
  resolveExtraction,
  sessionCarrier,
  sessionKey,
} from '../../src/auth/session-id.js';
import { FlowfullConfigError, isAppError } from '../../src/errors.js';
import { hashId } from '../../src/log/logger.js';
import { requestHeader } from '../../src/wire/headers.js';

type HeaderList = Array<[string, string]>;

/**
 * What extractSessionId finds (or `!CODE` when it throws), through Hono's accessors (repeats joined
 * with ", " as fetch does) and through Node's raw header list (repeats kept apart).
 */
async function extract(
  init: { url?: string; headers?: HeaderList },
  options = resolveExtraction(),
): Promise<Array<string | null>> {
  const app = new Hono();
  app.get('*', (c) => {
    try {
      return c.json({ id: extractSessionId(c, options) ?? null });
    } catch (err) {
      return c.json({ id: isAppError(err) ? `!${err.code}` : '!?' });
    }
  });
  const url = `http://x${init.url ?? '/'}`;
  const headers = init.headers ?? [];
  const viaHono = await app.request(url, { headers });
  const viaNode = await app.request(url, { headers }, { incoming: { rawHeaders: headers.flat() } });
  return [
    ((await viaHono.json()) as { id: string | null }).id,
    ((await viaNode.json()) as { id: string | null }).id,
  ];
}

const A = 'ses_aaaaaaaaaaaaaaaaaaaa';
const B = 'ses_bbbbbbbbbbbbbbbbbbbb';
const AMBIGUOUS = ['!AMBIGUOUS_CREDENTIALS', '!AMBIGUOUS_CREDENTIALS'];

describe('session extraction', () => {
  it('reads each source alone: header, bearer, cookie, query', async () => {
    expect(await extract({ headers: [['X-Session-Id', A]] })).toEqual([A, A]);
    expect(await extract({ headers: [['Authorization', `Bearer ${A}`]] })).toEqual([A, A]);
    expect(await extract({ headers: [['Cookie', `x=1; session_id=${A}`]] })).toEqual([A, A]);
    expect(await extract({ headers: [['Cookie', `session_id="${A}"`]] })).toEqual([A, A]);
    expect(await extract({ url: `/?session_id=${A}` })).toEqual([A, A]);
    expect(
      await extract({
        url: `/?session_id=${A}`,
        headers: [
          ['Cookie', `session_id=${A}`],
          ['X-Session-ID', ' '],
        ],
      }),
    ).toEqual([A, A]);
    expect(
      await extract({
        headers: [
          ['Authorization', 'Bearer   '],
          ['Cookie', 'session_id='],
        ],
      }),
    ).toEqual([null, null]);
    expect(await extract({ headers: [['Authorization', 'Token abc']] })).toEqual([null, null]);
    expect(await extract({ headers: [['Cookie', `xsession_id=${A}; session_idx=${B}`]] })).toEqual([
      null,
      null,
    ]);
  });

  it('accepts the same id from several places, or repeated', async () => {
    expect(
      await extract({
        url: `/?session_id=${A}`,
        headers: [
          ['X-Session-ID', A],
          ['X-Session-ID', A],
          ['Authorization', `Bearer ${A}`],
          ['Cookie', `session_id=${A}; session_id=${A}`],
        ],
      }),
    ).toEqual([A, A]);
  });

  it.each<[string, { url?: string; headers?: HeaderList }]>([
    [
      'repeated X-Session-ID',
      {
        headers: [
          ['X-Session-ID', A],
          ['X-Session-ID', B],
        ],
      },
    ],
    ['X-Session-ID joined by a proxy', { headers: [['X-Session-ID', `${A}, ${B}`]] }],
    [
      'repeated Bearer',
      {
        headers: [
          ['Authorization', `Bearer ${A}`],
          ['Authorization', `Bearer ${B}`],
        ],
      },
    ],
    [
      'Bearer and X-Session-ID',
      {
        headers: [
          ['X-Session-ID', A],
          ['Authorization', `Bearer ${B}`],
        ],
      },
    ],
    [
      'header and cookie',
      {
        headers: [
          ['X-Session-ID', A],
          ['Cookie', `session_id=${B}`],
        ],
      },
    ],
    ['repeated cookie in one header', { headers: [['Cookie', `session_id=${A}; other=1; session_id=${B}`]] }],
    [
      'two Cookie headers',
      {
        headers: [
          ['Cookie', `session_id=${A}`],
          ['Cookie', `session_id=${B}`],
        ],
      },
    ],
    ['query and header', { url: `/?session_id=${B}`, headers: [['X-Session-ID', A]] }],
    ['query twice', { url: `/?session_id=${A}&session_id=${B}` }],
  ])('refuses two different ids: %s', async (_name, init) => {
    expect(await extract(init)).toEqual(AMBIGUOUS);
  });

  it('honours the query switch and the cookie name', async () => {
    const options = resolveExtraction({ allowQuery: false, cookieName: 'sid' });
    expect(await extract({ url: `/?session_id=${A}` }, options)).toEqual([null, null]);
    // A disallowed query parameter is not a credential, so it cannot make the request ambiguous.
    expect(await extract({ url: `/?session_id=${B}`, headers: [['X-Session-ID', A]] }, options)).toEqual([
      A,
      A,
    ]);
    expect(await extract({ headers: [['Cookie', `session_id=${B}; sid=${A}`]] }, options)).toEqual([A, A]);
  });

  it('reads a header through Hono when Node headers are not there', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(requestHeader(c, 'x-session-id') ?? '-'));
    const res = await app.request('/', { headers: { 'X-Session-ID': 'z' } }, { incoming: { socket: {} } });
    expect(await res.text()).toBe('z');
  });

  it('tells a header-carried session from a cookie-carried one', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(sessionCarrier(c, 'session_id') ?? '-'));
    const carrier = async (headers: HeaderList) => [
      await (await app.request('/', { headers })).text(),
      await (await app.request('/', { headers }, { incoming: { rawHeaders: headers.flat() } })).text(),
    ];
    expect(await carrier([['Cookie', `session_id=${A}`]])).toEqual(['cookie', 'cookie']);
    expect(await carrier([['Cookie', `a=1, session_id=${A}`]])).toEqual(['cookie', 'cookie']);
    expect(
      await carrier([
        ['Cookie', `session_id=${A}`],
        ['X-Session-ID', A],
      ]),
    ).toEqual(['header', 'header']);
    expect(
      await carrier([
        ['Cookie', `session_id=${A}`],
        ['Authorization', `Bearer ${A}`],
      ]),
    ).toEqual(['header', 'header']);
    expect(
      await carrier([
        ['Cookie', `session_id=${A}`],
        ['Authorization', 'Basic eDp5'],
      ]),
    ).toEqual(['cookie', 'cookie']);
    expect(await carrier([['Cookie', 'session_id=; other=1']])).toEqual(['-', '-']);
    expect(await carrier([])).toEqual(['-', '-']);
  });
});

describe('session id shape', () => {
  it('with a bare length: visible ASCII up to the bound (the protocol rule)', () => {
    expect(isWellFormedSessionId('ses_AbC-_.~+/=')).toBe(true);
    expect(isWellFormedSessionId('a'.repeat(512))).toBe(true);
    for (const bad of ['', 'a'.repeat(513), 'a b', 'a\tb', 'a\nb', 'é', 'a\u0000']) {
      expect(isWellFormedSessionId(bad)).toBe(false);
    }
  });

  it('with the default policy: what Flowless issues (base64url, 16 to 256 characters)', () => {
    const policy = resolveExtraction();
    expect(isWellFormedSessionId(`ses_${'Ab9-_'.repeat(8)}xyz`, policy)).toBe(true);
    expect(isWellFormedSessionId('x'.repeat(16), policy)).toBe(true);
    expect(isWellFormedSessionId('x'.repeat(256), policy)).toBe(true);
    for (const bad of [
      'x'.repeat(15),
      'x'.repeat(257),
      `${A}.`,
      `${A}+`,
      `${A}/`,
      `${A}=`,
      `${A},`,
      `${A}\u212a`,
    ]) {
      expect(isWellFormedSessionId(bad, policy)).toBe(false);
    }
  });

  it('with a configured policy', () => {
    const hex = resolveExtraction({ alphabet: '0-9a-f', minLength: 32, maxLength: 32 });
    expect(isWellFormedSessionId('0123456789abcdef0123456789abcdef', hex)).toBe(true);
    expect(isWellFormedSessionId('0123456789abcdef0123456789abcdeg', hex)).toBe(false);
    expect(isWellFormedSessionId('0123456789abcdef', hex)).toBe(false);
  });

  it('refuses a bad policy at construction, naming the option', () => {
    expect(() => resolveExtraction({ alphabet: 'A-Z,' })).toThrow(FlowfullConfigError);
    expect(() => resolveExtraction({ alphabet: 'A-Z,' })).toThrow(/alphabet/);
    expect(() => resolveExtraction({ minLength: 0 })).toThrow(/minLength/);
    expect(() => resolveExtraction({ maxLength: 600 })).toThrow(/maxLength/);
    expect(() => resolveExtraction({ minLength: 40, maxLength: 20 })).toThrow(/minLength/);
    expect(() => resolveExtraction({ cookieName: 'a b' })).toThrow(/cookieName/);
  });

  it('keys sessions by hashId, never by the id', () => {
    expect(sessionKey('ses_abc')).toBe(hashId('ses_abc'));
    expect(sessionKey('ses_abc')).not.toContain('ses_abc');
  });
});
