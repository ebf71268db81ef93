import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { HEADER_LIMITS } from '../../src/auth/defaults.js';
import { type ClientHeaders, clientHeaders } from '../../src/auth/facts.js';

describe('client headers: read and clipped once per request', () => {
  it('clips to the limits, treats blank as absent, and hands every reader of a request the same object', async () => {
    const seen: ClientHeaders[] = [];
    const app = new Hono();
    app.get('/', (c) => {
      seen.push(clientHeaders(c, 'x-device-id'), clientHeaders(c, 'x-device-id'));
      seen.push(clientHeaders(c, 'x-app-device'));
      return c.text('ok');
    });
    await app.request('/', {
      headers: {
        'user-agent': `  ${'u'.repeat(5000)}  `,
        'x-device-id': 'd'.repeat(900),
        'x-app-device': '   ',
      },
    });
    const [first, second, other] = seen;
    expect(first!.userAgent).toHaveLength(HEADER_LIMITS.userAgent);
    expect(first!.deviceId).toHaveLength(HEADER_LIMITS.deviceId);
    expect(second).toBe(first); // the guard and the bridge call share one reading
    expect(other).toEqual({ userAgent: first!.userAgent, deviceId: null });
    await app.request('/');
    expect(seen[3]).toEqual({ userAgent: null, deviceId: null });
  });
});
