import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeValidator } from '../../src/auth/validator.js';
import { AppError } from '../../src/errors.js';
import { ManualClock } from '../../src/resilience/index.js';
import { captureLogger } from '../support/log-capture.js';
import { serviceAvailable } from '../support/services.js';
import { eventually, Harness } from './helpers.js';

const AFTER = 30;

/** The error code validate() refuses with, or 'served'. */
async function outcome(validator: BridgeValidator, sessionId: string): Promise<string> {
  try {
    await validator.validate(sessionId);
    return 'served';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe.skipIf(!(await serviceAvailable('redis')))(
  'revalidation of cached sessions (BRIDGE_REVALIDATE_AFTER, stand-in over HTTP, Redis)',
  () => {
    const h = new Harness();
    beforeAll(() => h.start());
    afterAll(() => h.close());
    beforeEach(() => {
      h.standin.resetFaults();
      h.standin.resetStats();
    });

    it('a session ended at Flowless, with no hook and no gateway, is refused after the threshold plus one request', async () => {
      const clock = new ManualClock(Date.now());
      const { validator } = await h.auth({ clock, revalidateAfter: AFTER });
      const { sessionId } = await h.newSession();
      expect(await outcome(validator, sessionId)).toBe('served');
      await h.standin.revokeSession(sessionId);
      clock.advance((AFTER - 1) * 1000);
      // Younger than the threshold: the cached copy is trusted, Flowless is not asked.
      expect(await outcome(validator, sessionId)).toBe('served');
      expect(h.standin.stats().bridgeValidateCalls).toBe(1);
      clock.advance(2000);
      // The first request past the threshold is served at once and starts the check...
      expect(await outcome(validator, sessionId)).toBe('served');
      // ...whose "no" is seen by the next requests as soon as it arrives (real HTTP round trip).
      expect(await eventually(async () => (await outcome(validator, sessionId)) === 'INVALID_SESSION')).toBe(
        true,
      );
      expect(h.standin.stats().bridgeValidateCalls).toBe(2);
      // Negative-cached: further requests cost no call.
      expect(await outcome(validator, sessionId)).toBe('INVALID_SESSION');
      expect(h.standin.stats().bridgeValidateCalls).toBe(2);
      // The eviction (cache delete + bus) follows the negative entry that refuses at once.
      expect(await eventually(() => validator.metrics().invalidated === 1)).toBe(true);
    });

    it('the eviction reaches another instance sharing Redis, whose own copy is still young', async () => {
      const clockA = new ManualClock(Date.now());
      const clockB = new ManualClock(Date.now());
      const a = await h.auth({ clock: clockA, revalidateAfter: AFTER });
      const b = await h.auth({ clock: clockB, revalidateAfter: AFTER });
      const { sessionId } = await h.newSession();
      expect(await outcome(a.validator, sessionId)).toBe('served');
      // B gets A's copy (and its confirmation time) from Redis.
      expect(
        await eventually(async () => {
          await b.validator.validate(sessionId);
          return h.standin.stats().bridgeValidateCalls === 1 && b.validator.metrics().cacheHits >= 1;
        }),
      ).toBe(true);
      await h.standin.revokeSession(sessionId);
      clockA.advance(1000); // past A's hot window, far from the threshold: A alone would keep serving
      expect(await outcome(a.validator, sessionId)).toBe('served');
      clockB.advance((AFTER + 1) * 1000);
      expect(await outcome(b.validator, sessionId)).toBe('served');
      expect(
        await eventually(async () => (await outcome(b.validator, sessionId)) === 'INVALID_SESSION'),
      ).toBe(true);
      // A's clock moves only past its hot window (250 ms) between polls: its copy is never old to A.
      const refusedOnA = await eventually(async () => {
        clockA.advance(300);
        return (await outcome(a.validator, sessionId)) === 'INVALID_SESSION';
      });
      expect(refusedOnA).toBe(true);
      expect(clockA.now() - clockB.now()).toBeLessThan(-AFTER * 1000 + 20_000);
    });

    it('1,000 concurrent requests past the threshold make exactly one upstream call', async () => {
      const clock = new ManualClock(Date.now());
      const { validator } = await h.auth({ clock, revalidateAfter: AFTER });
      const { sessionId } = await h.newSession();
      await validator.validate(sessionId);
      clock.advance((AFTER + 1) * 1000);
      h.standin.setFaults({ latencyMs: 50 });
      const served = await Promise.all(Array.from({ length: 1000 }, () => outcome(validator, sessionId)));
      expect(served.every((o) => o === 'served')).toBe(true);
      expect(await eventually(() => h.standin.stats().bridgeValidateCalls === 2)).toBe(true);
      // The check refreshed the confirmation time: the next wave is young again and costs nothing.
      expect(
        await eventually(async () => (await validator.validate(sessionId)).validated_at === clock.now()),
      ).toBe(true);
      await Promise.all(Array.from({ length: 1000 }, () => validator.validate(sessionId)));
      expect(h.standin.stats().bridgeValidateCalls).toBe(2);
    });

    it('Flowless unavailable past the threshold: the copy is still served, not evicted, not logged per request', async () => {
      const clock = new ManualClock(Date.now());
      const { logger, lines } = captureLogger('info');
      const { validator } = await h.auth({ clock, revalidateAfter: AFTER, retryAttempts: 0, logger });
      const { sessionId } = await h.newSession();
      await validator.validate(sessionId);
      clock.advance((AFTER + 1) * 1000);
      h.standin.setFaults({ status: 503 });
      for (let i = 1; i <= 3; i++) {
        clock.advance(300); // past the hot window, so each request reads the cached copy again
        expect(await outcome(validator, sessionId)).toBe('served');
        // Each check is answered (503) before the next request, which then starts its own.
        expect(await eventually(() => validator.metrics().outcomes.unavailable === i)).toBe(true);
      }
      expect(h.standin.stats().bridgeValidateCalls).toBe(4);
      expect(await outcome(validator, sessionId)).toBe('served');
      expect(validator.metrics().invalidated).toBe(0);
      expect(validator.cachedSessions()).toBe(1);
      // An outage is logged once per interval with a count (src/log/throttle.ts), never per request.
      expect(lines().filter((l) => l.includes('"level":40')).length).toBeLessThanOrEqual(1);
      expect(lines().filter((l) => l.includes('"level":50'))).toEqual([]);
    });

    it('0 turns it off: an old copy is served without asking Flowless', async () => {
      const clock = new ManualClock(Date.now());
      const { validator } = await h.auth({ clock, revalidateAfter: 0 });
      const { sessionId } = await h.newSession();
      await validator.validate(sessionId);
      await h.standin.revokeSession(sessionId);
      clock.advance(200_000);
      for (let i = 0; i < 3; i++) expect(await outcome(validator, sessionId)).toBe('served');
      expect(h.standin.stats().bridgeValidateCalls).toBe(1);
    });
  },
);
