import { describe, expect, it } from 'vitest';
import { interpretBridgeAnswer, normalizeInstant, parseRetryAfter } from '../../src/auth/normalize.js';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const LATER = '2026-01-08T00:00:00.000Z';
const answer = (status: number, json: unknown, retryAfter: string | null = null) =>
  interpretBridgeAnswer(status, typeof json === 'string' ? json : JSON.stringify(json), retryAfter, NOW);

describe('bridge success bodies (protocol section 2)', () => {
  it('reads the seed shape', () => {
    const v = answer(200, {
      success: true,
      session: {
        user_id: 'usr_1',
        email: 'a@x.test',
        name: 'Ada',
        user_type: 'admin',
        ip_address: '10.0.0.1',
        user_agent: 'UA',
        device_id: 'dev',
      },
    });
    expect(v).toEqual({
      kind: 'valid',
      session: {
        user_id: 'usr_1',
        email: 'a@x.test',
        name: 'Ada',
        user_type: 'admin',
        ip_address: '10.0.0.1',
        user_agent: 'UA',
        device_id: 'dev',
        expires_at: null,
        user: { id: 'usr_1', email: 'a@x.test', name: 'Ada', user_type: 'admin' },
      },
    });
  });

  it('reads current Flowless: user record kept whole, camelCase session', () => {
    const user = {
      id: 'usr_2',
      email: 'b@x.test',
      name: 'Bo',
      user_type: 'user',
      picture: 'p.png',
      extra: { a: 1 },
    };
    const v = answer(200, {
      success: true,
      user,
      session: { id: 'x', userId: 'usr_2', expiresAt: LATER, ipAddress: '::1', userAgent: 'UA2' },
      expires_at: LATER,
      cached: false,
    });
    expect(v.kind).toBe('valid');
    if (v.kind !== 'valid') return;
    expect(v.session).toMatchObject({
      user_id: 'usr_2',
      user_type: 'user',
      ip_address: '::1',
      user_agent: 'UA2',
      device_id: null,
      expires_at: LATER,
    });
    expect(v.session.user).toEqual(user);
  });

  it('reads the older data envelope', () => {
    const v = answer(200, {
      success: true,
      data: {
        valid: true,
        trust_token: 'v4.public.x',
        user: { id: 'usr_3', email: 'c@x.test', userType: 'customer' },
        session: { id: 's', expires_at: LATER, created_at: '2025-12-31T00:00:00Z' },
      },
    });
    expect(v).toMatchObject({
      kind: 'valid',
      session: { user_id: 'usr_3', user_type: 'customer', expires_at: LATER },
    });
  });

  it('prefers user_type over userType when both are present', () => {
    const v = answer(200, { success: true, user: { id: 'u', user_type: 'user', userType: 'admin' } });
    expect(v).toMatchObject({ kind: 'valid', session: { user_type: 'user' } });
  });

  it('treats valid:false as invalid even with success:true', () => {
    expect(answer(200, { success: true, valid: false, user: { id: 'u' } })).toEqual({
      kind: 'invalid',
      reason: 'invalid',
    });
    expect(answer(200, { success: true, data: { valid: false } })).toEqual({
      kind: 'invalid',
      reason: 'invalid',
    });
    expect(answer(200, { success: false, error: 'Session expired' })).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
  });

  it('reads an expiry in the past as expired', () => {
    expect(answer(200, { success: true, user: { id: 'u' }, expires_at: '2025-01-01T00:00:00Z' })).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
  });

  it('normalises epoch seconds, epoch milliseconds and ISO strings', () => {
    expect(normalizeInstant(1767225600)).toBe('2026-01-01T00:00:00.000Z');
    expect(normalizeInstant(1767225600000)).toBe('2026-01-01T00:00:00.000Z');
    expect(normalizeInstant('1767225600')).toBe('2026-01-01T00:00:00.000Z');
    expect(normalizeInstant('2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000Z');
    expect(normalizeInstant('soon')).toBeNull();
    expect(normalizeInstant(1e20)).toBeNull();
  });

  it('says unavailable for a 200 it cannot read (no user id)', () => {
    expect(answer(200, { success: true, session: { email: 'x' } })).toEqual({
      kind: 'unavailable',
      failure: 'bad_response',
    });
  });
});

describe('failure semantics', () => {
  it.each([401, 403, 404])('%i with a JSON body is an invalid session', (status) => {
    expect(answer(status, { success: false, error: 'Invalid or expired session' })).toEqual({
      kind: 'invalid',
      reason: 'invalid',
    });
  });

  it('401 Session expired is expired; IP and device mismatches are invalid', () => {
    expect(answer(401, { success: false, error: 'Session expired' })).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
    expect(answer(403, { success: false, error: 'IP address mismatch' })).toEqual({
      kind: 'invalid',
      reason: 'invalid',
    });
    expect(answer(403, { success: false, error: 'Device ID mismatch' })).toEqual({
      kind: 'invalid',
      reason: 'invalid',
    });
  });

  it.each([
    [500, 'http_5xx'],
    [502, 'http_5xx'],
    [503, 'http_5xx'],
    [429, 'http_429'],
  ])('%i is unavailable (%s)', (status, failure) => {
    expect(answer(status, { success: false })).toEqual({ kind: 'unavailable', failure });
  });

  it('keeps Retry-After from a 429/503, clamped', () => {
    expect(answer(503, {}, '7')).toEqual({ kind: 'unavailable', failure: 'http_5xx', retryAfter: 7 });
    expect(parseRetryAfter('600')).toBe(60);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  });

  it('non-JSON is unavailable, also on 401/404 (a proxy page, not Flowless)', () => {
    expect(answer(200, '<html>down</html>')).toEqual({ kind: 'unavailable', failure: 'non_json' });
    expect(answer(404, '<html>not found</html>')).toEqual({ kind: 'unavailable', failure: 'non_json' });
  });

  it('a wrong bridge secret or a missing session id is a call problem, not an invalid session', () => {
    expect(
      answer(401, { success: false, error: 'Invalid bridge secret', code: 'INVALID_BRIDGE_SECRET' }),
    ).toEqual({
      kind: 'unavailable',
      failure: 'bridge_secret',
    });
    expect(answer(401, { success: false, error: 'Session ID required' })).toEqual({
      kind: 'unavailable',
      failure: 'protocol',
    });
    expect(answer(400, { success: false })).toEqual({ kind: 'unavailable', failure: 'protocol' });
    expect(answer(302, '')).toEqual({ kind: 'unavailable', failure: 'protocol' });
  });
});
