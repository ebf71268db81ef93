import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { hashId } from '../../src/log/logger.js';
import { ManualClock } from '../../src/resilience/index.js';
import { RESPONSE_STYLES } from '../../src/standin/index.js';
import { serviceAvailable } from '../support/services.js';
import { eventually, Harness, SECRET } from './helpers.js';

async function rejection(p: unknown): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!(await serviceAvailable('redis')))(
  'BridgeValidator against the stand-in (HTTP, Redis)',
  () => {
    const h = new Harness();
    beforeAll(() => h.start());
    afterAll(() => h.close());
    beforeEach(() => {
      h.standin.resetFaults();
      h.standin.setResponseStyle('current');
      h.standin.setResponseOverride(null);
      h.standin.resetStats();
    });

    describe('requests and responses', () => {
      it.each(RESPONSE_STYLES)('normalises the %s success body into one Session', async (style) => {
        h.standin.setResponseStyle(style);
        const { validator } = await h.auth();
        const { user, sessionId } = await h.newSession('admin', {
          ipAddress: '10.1.2.3',
          userAgent: 'UA/1',
          deviceId: 'dev-1',
        });
        const session = await validator.validate(sessionId);
        expect(session.user_id).toBe(user.id);
        expect(session.email).toBe(user.email);
        expect(session.name).toBe('Ada');
        expect(session.user_type).toBe('admin');
        expect(session.session_id_hash).toBe(hashId(sessionId));
        expect(session.user.id ?? session.user_id).toBe(user.id);
        expect(Date.now() - session.validated_at).toBeLessThan(10_000);
        if (style !== 'older') expect(session.ip_address).toBe('10.1.2.3');
        if (style === 'seed') expect(session.device_id).toBe('dev-1');
        if (style !== 'seed') expect(session.expires_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
        if (style === 'current') expect(session.user).toMatchObject({ picture: null, is_verified: true });
      });

      it('sends the id in the body and X-Session-ID, with the secret header and the request facts', async () => {
        const { validator } = await h.auth();
        const { sessionId } = await h.newSession();
        await validator.validate(sessionId, { ip: '203.0.113.9', userAgent: 'Agent/2', deviceId: 'd-9' });
        const sent = h.standin.stats().lastBridgeRequests.at(-1)!;
        expect(sent.headers['x-bridge-secret']).toBe(SECRET);
        expect(sent.headers['x-session-id']).toBe(sessionId);
        expect(sent.query).toEqual({});
        expect(sent.body).toMatchObject({
          session_id: sessionId,
          ip: '203.0.113.9',
          ip_address: '203.0.113.9',
          user_agent: 'Agent/2',
          device_id: 'd-9',
        });
        expect(sent.body).not.toHaveProperty('bridge_secret');
      });

      it('switches to ?session_id= for old deployments, and can add the legacy body secret', async () => {
        const { validator } = await h.auth({ sessionTransport: 'query', legacyBodySecret: true });
        const { user, sessionId } = await h.newSession();
        expect((await validator.validate(sessionId)).user_id).toBe(user.id);
        const sent = h.standin.stats().lastBridgeRequests.at(-1)!;
        expect(sent.query).toEqual({ session_id: sessionId });
        expect(sent.headers['x-session-id']).toBeUndefined();
        expect(sent.body).toMatchObject({ source: 'flowfull', bridge_secret: SECRET });
        expect(sent.body).not.toHaveProperty('session_id');
      });

      it('takes user_type over userType from an override', async () => {
        h.standin.setResponseOverride({ user: { userType: 'admin' } });
        const { validator } = await h.auth();
        const { sessionId } = await h.newSession('user');
        expect((await validator.validate(sessionId)).user_type).toBe('user');
      });
    });

    describe('invalid versus unavailable', () => {
      it('an unknown or revoked id is 401 Invalid session; an expired one 401 Session expired', async () => {
        const { validator } = await h.auth();
        const unknown = await rejection(validator.validate(`ses_${randomBytes(24).toString('base64url')}`));
        expect([unknown.status, unknown.code, unknown.message]).toEqual([
          401,
          'INVALID_SESSION',
          'Invalid session',
        ]);

        const revoked = await h.newSession();
        await h.standin.revokeSession(revoked.sessionId);
        expect((await rejection(validator.validate(revoked.sessionId))).code).toBe('INVALID_SESSION');

        const expired = await h.newSession();
        await h.standin.expireSession(expired.sessionId);
        const e = await rejection(validator.validate(expired.sessionId));
        expect([e.status, e.code, e.message]).toEqual([401, 'SESSION_EXPIRED', 'Session expired']);
      });

      it('success:true with valid:false is invalid', async () => {
        h.standin.setResponseOverride({ valid: false });
        const { validator } = await h.auth();
        const { sessionId } = await h.newSession();
        expect((await rejection(validator.validate(sessionId))).code).toBe('INVALID_SESSION');
      });

      it.each([
        ['500', { status: 500 }],
        ['502', { status: 502 }],
        ['503', { status: 503 }],
        ['429', { status: 429 }],
        ['non-JSON 200', { nonJson: true }],
        ['refused connection', { refuse: true }],
      ])('%s is 503 AUTH_UNAVAILABLE with Retry-After, and is never cached', async (_name, fault) => {
        const { validator } = await h.auth({ retryAttempts: 0 });
        const { sessionId } = await h.newSession();
        h.standin.setFaults(fault);
        const err = await rejection(validator.validate(sessionId));
        expect([err.status, err.code]).toEqual([503, 'AUTH_UNAVAILABLE']);
        expect(err.message).not.toMatch(/Invalid session|Session expired/);
        expect(err.retryAfter).toBeGreaterThanOrEqual(1);
        h.standin.resetFaults();
        expect((await validator.validate(sessionId)).session_id_hash).toBe(hashId(sessionId));
      });

      it('a wrong bridge secret is a configuration problem (503), never "Invalid session"', async () => {
        const { validator } = await h.auth({
          validationSecret: 'not-the-secret-'.repeat(3),
          retryAttempts: 0,
        });
        const { sessionId } = await h.newSession();
        const err = await rejection(validator.validate(sessionId));
        expect(err.code).toBe('AUTH_UNAVAILABLE');
        expect(validator.metrics().upstreamFailures.bridge_secret).toBe(1);
      });
    });

    describe('retries, deadline and breaker', () => {
      it('retries only while unavailable and succeeds within the deadline', async () => {
        const { validator } = await h.auth({ retryAttempts: 2 });
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ status: 503, failNext: 2 });
        await validator.validate(sessionId);
        expect(h.standin.stats().bridgeValidateCalls).toBe(3);
        expect(validator.metrics().upstreamFailures.http_5xx).toBe(2);
      });

      it('never retries an invalid answer', async () => {
        const { validator } = await h.auth({ retryAttempts: 3 });
        await rejection(validator.validate(`ses_${randomBytes(24).toString('base64url')}`));
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('a hanging Flowless costs one deadline for all attempts together', async () => {
        const { validator } = await h.auth({ timeout: 300, retryAttempts: 5, deadlineMs: 700 });
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ hang: true });
        const started = Date.now();
        const err = await rejection(validator.validate(sessionId));
        const took = Date.now() - started;
        expect(err.code).toBe('AUTH_UNAVAILABLE');
        expect(took).toBeGreaterThanOrEqual(600);
        expect(took).toBeLessThan(2500);
        expect(validator.metrics().upstreamFailures.timeout).toBeGreaterThanOrEqual(2);
        expect(validator.metrics().upstreamFailures.timeout).toBeLessThanOrEqual(3);
      });

      it('opens the breaker, fails fast while open; a health check seeing Flowless back ends the cooldown', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({
          retryAttempts: 0,
          breakerThreshold: 2,
          breakerCooldownMs: 60_000,
          clock,
        });
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ status: 500 });
        await rejection(validator.validate(sessionId));
        await rejection(validator.validate(sessionId));
        expect(validator.metrics().breaker).toBe('open');
        const err = await rejection(validator.validate(sessionId));
        expect(err.code).toBe('AUTH_UNAVAILABLE');
        expect(h.standin.stats().bridgeValidateCalls).toBe(2);
        expect(validator.metrics().upstreamFailures.breaker_open).toBe(1);
        h.standin.resetFaults();
        // The injected clock stands still: only the background GET /health can end the cooldown.
        expect(await eventually(() => validator.metrics().breaker === 'half_open', 3000)).toBe(true);
        await validator.validate(sessionId);
        expect(validator.metrics().breaker).toBe('closed');
        expect(h.standin.stats().bridgeValidateCalls).toBe(3);
      });

      it('the cooldown starts short and grows while Flowless stays down', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({
          retryAttempts: 0,
          breakerThreshold: 1,
          breakerCooldownMs: 5000,
          clock,
        });
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ refuse: true }); // GET /health fails too
        const retryAfters: number[] = [];
        await rejection(validator.validate(sessionId));
        for (let i = 0; i < 3; i++) {
          retryAfters.push((await rejection(validator.validate(sessionId))).retryAfter ?? -1);
          clock.advance(250 * 2 ** i);
          await rejection(validator.validate(sessionId)); // the probe, failing
        }
        // Retry-After is whole seconds (at least 1): the short first cooldowns round up to 1.
        expect(retryAfters).toEqual([1, 1, 1]);
        expect(h.standin.stats().bridgeValidateCalls).toBe(0);
        clock.advance(1999);
        expect(validator.metrics().breaker).toBe('open');
        clock.advance(1);
        expect(validator.metrics().breaker).toBe('half_open');
      });
    });

    describe('cache', () => {
      it('a second validation is a cache hit; keys are hashes, never the id', async () => {
        const auth = await h.auth();
        const { sessionId } = await h.newSession();
        await auth.validator.validate(sessionId);
        await auth.validator.validate(sessionId);
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
        expect(auth.validator.metrics()).toMatchObject({ validations: 2, cacheHits: 1, upstreamCalls: 1 });
        const redis = h.runtimes.at(-1)!.redis!;
        const keys = await redis.keys(`${h.prefix}:*`);
        expect(keys.some((k) => k.includes(hashId(sessionId)))).toBe(true);
        expect(keys.some((k) => k.includes(sessionId))).toBe(false);
        const stored = await redis.get(keys.find((k) => k.includes(hashId(sessionId)))!);
        expect(stored).not.toContain(sessionId);
      });

      it('answers a session validated moments ago synchronously, for hotTtlMs only', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({ hotTtlMs: 200, clock });
        const { sessionId } = await h.newSession();
        const first = validator.validate(sessionId);
        expect(first).toBeInstanceOf(Promise);
        const session = await first;
        expect(validator.validate(sessionId)).toBe(session);
        await validator.invalidate(sessionId);
        expect(validator.validate(sessionId)).toBeInstanceOf(Promise);
        await validator.validate(sessionId);
        expect(validator.validate(sessionId)).not.toBeInstanceOf(Promise);
        clock.advance(250);
        expect(validator.validate(sessionId)).toBeInstanceOf(Promise);
        const off = await h.auth({ hotTtlMs: 0 });
        await off.validator.validate(sessionId);
        expect(off.validator.validate(sessionId)).toBeInstanceOf(Promise);
        expect(h.standin.stats().bridgeValidateCalls).toBe(2);
      });

      it('a second instance sharing Redis gets the session without asking Flowless', async () => {
        const a = await h.auth();
        const b = await h.auth();
        const { sessionId } = await h.newSession();
        await a.validator.validate(sessionId);
        // The Redis write of a load goes on in the background: wait for it, not for a fixed time.
        const redis = h.runtimes.at(-1)!.redis!;
        expect(
          await eventually(async () => (await redis.keys(`${h.prefix}:*${hashId(sessionId)}*`)).length > 0),
        ).toBe(true);
        await b.validator.validate(sessionId);
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('a cached session past its Flowless expires_at is expired, without a call', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({ clock });
        const { sessionId } = await h.newSession('user', { ttlSeconds: 1 });
        await validator.validate(sessionId);
        clock.advance(1100);
        expect((await rejection(validator.validate(sessionId))).code).toBe('SESSION_EXPIRED');
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('remembers an invalid id briefly, and the memory is bounded', async () => {
        const { validator } = await h.auth({ negativeMaxEntries: 3, negativeTtl: 30 });
        const ids = Array.from({ length: 5 }, () => `ses_${randomBytes(24).toString('base64url')}`);
        await rejection(validator.validate(ids[0]!));
        await rejection(validator.validate(ids[0]!));
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
        expect(validator.metrics().negativeHits).toBe(1);
        for (const id of ids.slice(1)) await rejection(validator.validate(id));
        expect(validator.metrics().negativeEntries).toBe(3);
        // The oldest was evicted by the bound: asking again goes to Flowless.
        await rejection(validator.validate(ids[0]!));
        expect(h.standin.stats().bridgeValidateCalls).toBe(6);
      });

      it('N concurrent validations of one new session make one Flowless call', async () => {
        const { validator } = await h.auth();
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ latencyMs: 100 });
        const results = await Promise.all(Array.from({ length: 1000 }, () => validator.validate(sessionId)));
        expect(new Set(results.map((s) => s.user_id)).size).toBe(1);
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('one call per session even when the cache is switched off (CACHE_ENABLED=false)', async () => {
        const { createCacheRuntime } = await import('../../src/cache/index.js');
        const disabled = createCacheRuntime({ enabled: false });
        h.runtimes.push(disabled);
        const { validator } = await h.auth({ cache: disabled });
        const { sessionId } = await h.newSession();
        h.standin.setFaults({ latencyMs: 50 });
        await Promise.all(Array.from({ length: 100 }, () => validator.validate(sessionId)));
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('N concurrent validations of one invalid id make one call and all get 401', async () => {
        const { validator } = await h.auth({ redis: false });
        const id = `ses_${randomBytes(24).toString('base64url')}`;
        const errors = await Promise.all(
          Array.from({ length: 200 }, () => rejection(validator.validate(id))),
        );
        expect(errors.every((e) => e.code === 'INVALID_SESSION')).toBe(true);
        expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      });

      it('refuses empty, oversized and garbage ids without any call', async () => {
        const { validator } = await h.auth();
        for (const id of ['', 'a'.repeat(513), 'ses_a b', 'ses_\u0000x', 'ses_é']) {
          expect((await rejection(validator.validate(id))).code).toBe('INVALID_SESSION');
        }
        expect(h.standin.stats().bridgeValidateCalls).toBe(0);
        expect(validator.metrics().malformed).toBe(5);
      });
    });

    describe('stale-if-error', () => {
      it('accepts a session confirmed recently while Flowless is down', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({ cacheTtl: 1, staleIfError: 30, retryAttempts: 0, clock });
        const { sessionId } = await h.newSession();
        await validator.validate(sessionId);
        clock.advance(1100);
        h.standin.setFaults({ status: 503 });
        expect((await validator.validate(sessionId)).session_id_hash).toBe(hashId(sessionId));
        expect(validator.metrics().staleServed).toBe(1);
        expect(h.standin.stats().bridgeValidateCalls).toBe(2);
      });

      it('0 fails closed', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({ cacheTtl: 1, staleIfError: 0, retryAttempts: 0, clock });
        const { sessionId } = await h.newSession();
        await validator.validate(sessionId);
        clock.advance(1100);
        h.standin.setFaults({ status: 503 });
        expect((await rejection(validator.validate(sessionId))).code).toBe('AUTH_UNAVAILABLE');
      });

      it('a stale copy is not served once Flowless says the session is over', async () => {
        const clock = new ManualClock(Date.now());
        const { validator } = await h.auth({ cacheTtl: 1, staleIfError: 30, clock });
        const { sessionId } = await h.newSession();
        await validator.validate(sessionId);
        await h.standin.revokeSession(sessionId);
        clock.advance(1100);
        expect((await rejection(validator.validate(sessionId))).code).toBe('INVALID_SESSION');
        h.standin.setFaults({ status: 503 });
        expect((await rejection(validator.validate(sessionId))).code).toBe('INVALID_SESSION');
      });
    });

    describe('revocation', () => {
      it('invalidate() evicts the session on every instance within a second', async () => {
        const a = await h.auth();
        const b = await h.auth();
        const { sessionId } = await h.newSession();
        await a.validator.validate(sessionId);
        await b.validator.validate(sessionId);
        await h.standin.revokeSession(sessionId);
        await a.validator.invalidate(sessionId);
        const started = Date.now();
        const evicted = await eventually(async () => {
          try {
            await b.validator.validate(sessionId);
            return false;
          } catch (err) {
            return (err as AppError).code === 'INVALID_SESSION';
          }
        }, 1000);
        expect(evicted).toBe(true);
        expect(Date.now() - started).toBeLessThan(1000);
      });

      it('logoutAtFlowless ends the session there', async () => {
        const { validator } = await h.auth();
        const { sessionId } = await h.newSession();
        await validator.logoutAtFlowless(sessionId);
        const sent = h.standin.stats();
        expect(sent.logoutCalls).toBe(1);
        expect((await rejection(validator.validate(sessionId))).code).toBe('INVALID_SESSION');
        h.standin.setFaults({ status: 503 });
        expect((await rejection(validator.logoutAtFlowless(sessionId))).code).toBe('AUTH_UNAVAILABLE');
      });
    });

    it('never shows the secret when serialised', async () => {
      const { validator } = await h.auth();
      expect(JSON.stringify(validator)).not.toContain(SECRET);
    });
  },
);
