import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheRuntime, HybridCache } from '../../src/cache/index.js';
import { ManualClock } from '../../src/resilience/index.js';
import { serviceAvailable } from '../support/services.js';
import {
  RuntimePool,
  runPrefix,
  sleep,
  sparePort,
  TestRedisServer,
  timed,
  waitUntil,
  warmL1,
} from './helpers.js';

/**
 * Redis trouble on a redis-server this suite starts itself, stopped, frozen, killed and restarted by
 * its pid. Whatever happens to Redis, no cache call fails and none waits longer than the L2 timeout
 * plus a margin for a loaded machine (a hang would take seconds, or forever).
 */
const L2_TIMEOUT_MS = 50;
const MAX_WAIT_MS = L2_TIMEOUT_MS + 250;
const RUNTIME = { l2TimeoutMs: L2_TIMEOUT_MS, breakerThreshold: 3, breakerCooldownMs: 200 };

describe.skipIf(!(await serviceAvailable('redis')))('Redis failures', () => {
  const pool = new RuntimePool();
  const servers: TestRedisServer[] = [];
  const admins: Redis[] = [];

  afterEach(async () => {
    await pool.closeAll();
    for (const admin of admins.splice(0)) admin.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
  });

  async function server(): Promise<TestRedisServer> {
    const s = new TestRedisServer(await sparePort());
    servers.push(s);
    await s.start();
    return s;
  }

  function admin(s: TestRedisServer): Redis {
    const client = new Redis(s.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    admins.push(client);
    return client;
  }

  async function instance(s: TestRedisServer, prefix: string, ready = true) {
    const runtime = pool.create({ redisUrl: s.url, prefix, ...RUNTIME });
    if (ready) expect(await runtime.whenReady(5000)).toBe(true);
    return { runtime, cache: runtime.createCache<string>({ namespace: 'f', ttl: 60 }) };
  }

  /** Every kind of call once, each timed: none may fail or wait past MAX_WAIT_MS. */
  async function everyCall(cache: HybridCache<string>, tag: string): Promise<number[]> {
    const waits: number[] = [];
    const run = async <T>(fn: () => Promise<T>) => {
      const { ms, value } = await timed(fn);
      waits.push(ms);
      return value;
    };
    await run(() => cache.get('warm'));
    await run(() => cache.getOrSet(`cold-${tag}`, async () => 'loaded'));
    await run(() => cache.set(`set-${tag}`, 'v'));
    await run(() => cache.has(`set-${tag}`));
    // Redis alone decides setIfAbsent: when it cannot, the call says so at once (503) and stores nothing.
    const once = await run(() => cache.setIfAbsent(`once-${tag}`, 'v').catch((error: unknown) => error));
    if (once !== 'v') expect(once).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    await run(() => cache.delete(`none-${tag}`));
    await run(() => cache.deleteMany([`none-${tag}`, `none2-${tag}`]));
    await run(() => cache.invalidateTag(`tag-${tag}`));
    await run(() => cache.getOrSet(`cold2-${tag}`, async () => 'loaded'));
    return waits;
  }

  async function assertCalmDuring(cache: HybridCache<string>, rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const waits = await everyCall(cache, `r${i}`);
      expect(Math.max(...waits)).toBeLessThan(MAX_WAIT_MS);
    }
    expect(await cache.get('warm')).toBe('w'); // L1 carried on
  }

  it('stopped (SIGTERM), then restarted: no call fails or waits; L2 is used again without a restart', async () => {
    const s = await server();
    const prefix = runPrefix();
    const { runtime, cache } = await instance(s, prefix);
    await cache.set('warm', 'w');
    await s.stop('SIGTERM');
    await assertCalmDuring(cache, 3);
    await waitUntil('the loss to be seen', 2000, () => !runtime.l2Usable());
    expect(runtime.health()).toMatchObject({ status: 'degraded', redis: 'down' });

    await s.start();
    await waitUntil('L2 back', 5000, () => runtime.l2Usable());
    await cache.set('after', 'back');
    expect(await admin(s).exists(`${prefix}:f:v:after`)).toBe(1);
    expect(runtime.health()).toMatchObject({ redis: 'up', breaker: 'closed' });
  });

  it('frozen (SIGSTOP): waits at most the L2 timeout until the breaker opens, then none; no resurrection', async () => {
    const s = await server();
    const prefix = runPrefix();
    const { runtime, cache } = await instance(s, prefix);
    const probe = admin(s);
    await cache.set('warm', 'w');
    await cache.set('doomed', 'old');
    await cache.set('tagged', 'old', { tags: ['g'] });
    s.freeze();

    // Concurrent cold calls all start before the breaker opens: each waits for its own timeout.
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) => timed(() => cache.getOrSet(`c${i}`, async () => `v${i}`))),
    );
    expect(first.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    expect(Math.max(...first.map((r) => r.ms))).toBeLessThan(MAX_WAIT_MS);
    await waitUntil('the breaker to open', 2000, () => runtime.health().breaker !== 'closed');
    expect(runtime.health()).toMatchObject({ status: 'degraded', redis: 'down' });

    // Breaker open: Redis is not waited for at all.
    const after: number[] = [];
    for (let i = 0; i < 30; i++) after.push((await timed(() => cache.getOrSet(`d${i}`, async () => 'x'))).ms);
    expect(Math.max(...after)).toBeLessThan(L2_TIMEOUT_MS);
    await cache.delete('doomed');
    await cache.invalidateTag('g');
    await assertCalmDuring(cache, 2);
    expect(cache.metrics().timeouts).toBeGreaterThanOrEqual(3);
    expect(cache.metrics().pendingL2).toBeGreaterThan(0);

    s.thaw(); // Redis still holds 'doomed' and 'tagged' from before the freeze
    await waitUntil('L2 back', 5000, () => runtime.l2Usable());
    await waitUntil('pending invalidations replayed', 5000, () => cache.metrics().pendingL2 === 0);
    expect(await probe.exists(`${prefix}:f:v:doomed`, `${prefix}:f:v:tagged`)).toBe(0);
    let calls = 0;
    expect(
      await cache.getOrSet('doomed', async () => {
        calls++;
        return 'new';
      }),
    ).toBe('new');
    expect(calls).toBe(1);
    expect(await cache.get('tagged')).toBeUndefined();
  });

  it('a key deleted while Redis is frozen is not read back by another instance afterwards', async () => {
    const s = await server();
    const prefix = runPrefix();
    const a = await instance(s, prefix);
    const b = await instance(s, prefix);
    await a.cache.set('doomed', 'old');
    s.freeze();
    // open A's breaker first, so that the delete is never sent to Redis (only the replay can carry it)
    await Promise.all([1, 2, 3].map((i) => a.cache.get(`miss${i}`)));
    await waitUntil('the breaker to open', 2000, () => a.runtime.health().breaker !== 'closed');
    await a.cache.delete('doomed');
    expect(await a.cache.get('doomed')).toBeUndefined();
    s.thaw();
    await waitUntil('A replays its delete', 5000, () => a.cache.metrics().pendingL2 === 0);
    expect(await b.cache.get('doomed')).toBeUndefined();
    expect(await a.cache.get('doomed')).toBeUndefined();
  });

  it('setIfAbsent on a frozen Redis: no instance wins alone; once Redis is back exactly one value wins', async () => {
    const s = await server();
    const prefix = runPrefix();
    const a = await instance(s, prefix);
    const b = await instance(s, prefix);
    s.freeze();
    const outcomes = await Promise.allSettled([
      a.cache.setIfAbsent('bind', 'from-a'),
      b.cache.setIfAbsent('bind', 'from-b'),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    }
    // nothing was kept locally as if it had won
    expect(await a.cache.get('bind')).toBeUndefined();
    expect(await b.cache.get('bind')).toBeUndefined();
    s.thaw();
    await waitUntil('L2 back on both', 5000, () => a.runtime.l2Usable() && b.runtime.l2Usable());
    const results = await Promise.all([
      a.cache.setIfAbsent('bind', 'from-a'),
      b.cache.setIfAbsent('bind', 'from-b'),
    ]);
    expect(new Set(results).size).toBe(1);
  });

  it('killed (SIGKILL), then restarted: L1 serves meanwhile; on resubscription L1 is marked stale, never dropped', async () => {
    const s = await server();
    const prefix = runPrefix();
    const a = await instance(s, prefix);
    const b = await instance(s, prefix);
    await a.cache.set('warm', 'w');
    await a.cache.set('k', 'v1');
    await a.cache.set('fresh', 'f1');
    await warmL1(b.cache, 'k', 'v1');
    await warmL1(b.cache, 'fresh', 'f1');
    await s.stop('SIGKILL');
    await waitUntil('the loss to be seen', 2000, () => !b.runtime.l2Usable());
    const during = await timed(() => b.cache.get('k'));
    expect(during.value).toBe('v1'); // from B's L1 while Redis is gone
    expect(during.ms).toBeLessThan(MAX_WAIT_MS);
    await assertCalmDuring(a.cache, 2);

    await s.start();
    expect(await a.runtime.whenReady(5000)).toBe(true);
    expect(await b.runtime.whenReady(5000)).toBe(true);
    // Messages may have been lost while the bus was down: B's entries are stale now, yet still there.
    expect(b.cache.metrics().l1Entries).toBeGreaterThanOrEqual(2);
    expect(await b.cache.get('k')).toBeUndefined(); // a plain read does not serve a stale entry
    // The loader failing (its source down too): the stale entry is served instead of the error.
    const failing = () => Promise.reject(new Error('source down'));
    expect(await b.cache.getOrSet('k', failing, { failSafe: { maxStaleSeconds: 60 } })).toBe('v1');
    // The loader answering: revalidated once, then served from L1 again.
    let loads = 0;
    const loader = async () => {
      loads++;
      return 'f2';
    };
    expect(await b.cache.getOrSet('fresh', loader)).toBe('f2');
    expect(await b.cache.getOrSet('fresh', loader)).toBe('f2');
    expect(loads).toBe(1);
    // and the bus delivers again
    await b.cache.set('k', 'v2');
    expect(await a.cache.get('k')).toBe('v2');
    await b.cache.set('k', 'v3');
    await waitUntil('A to see the new value', 3000, () => a.cache.metrics().busInvalidations > 0);
    expect(await a.cache.get('k')).toBe('v3');
  });

  it('frozen: one request of several sequential Redis calls on the connection pays one timeout at most', async () => {
    const s = await server();
    const { runtime, cache } = await instance(s, runPrefix());
    const gate = runtime.gate!;
    const redis = runtime.redis!;
    s.freeze();
    // One "request": a cache read, then a state-store read and a token claim through the shared gate.
    await cache.get('session');
    const second = await gate.call(() => redis.get('binding')).catch((error: unknown) => error);
    const third = await gate.call(() => redis.get('token')).catch((error: unknown) => error);
    expect(cache.metrics().timeouts).toBe(1);
    // Queued behind an unanswered command: failed at once, not timed out.
    expect(second).toMatchObject({ name: 'ConnectionUnavailableError', reason: 'failed' });
    expect(third).toMatchObject({ name: 'ConnectionUnavailableError' });
    expect((third as { reason: string }).reason).not.toBe('timeout');
    // Once the stall has outlasted another timeout, the refusals open the one breaker of the connection.
    for (let i = 0; i < 100 && runtime.health().breaker === 'closed'; i++) {
      await cache.get(`more${i}`);
      await sleep(20);
    }
    expect(runtime.health().breaker).not.toBe('closed');
    expect(cache.metrics().timeouts).toBe(1);
    const refused = await gate.call(() => redis.get('x')).catch((error: unknown) => error);
    expect(refused).toMatchObject({ reason: 'refused' });
    s.thaw();
    await waitUntil('L2 back', 5000, () => runtime.l2Usable());
    expect(await gate.call(() => redis.ping())).toBe('PONG');
  });

  it('refusing connections from the start: L1 only at once, L2 as soon as a server appears', async () => {
    const s = new TestRedisServer(await sparePort());
    servers.push(s);
    const prefix = runPrefix();
    const { runtime, cache } = await instance(s, prefix, false);
    await cache.set('warm', 'w');
    await assertCalmDuring(cache, 3);
    expect(runtime.health()).toMatchObject({ status: 'degraded', redis: 'down' });
    expect(await runtime.whenReady(100)).toBe(false);

    await s.start();
    expect(await runtime.whenReady(5000)).toBe(true);
    await cache.set('now', 'stored');
    expect(await admin(s).exists(`${prefix}:f:v:now`)).toBe(1);
    expect(runtime.health()).toEqual({ status: 'up', redis: 'up', breaker: 'closed' });
  });

  it("the breaker's cooldown runs on the injected clock; the thaw itself is seen at once", async () => {
    const s = await server();
    const clock = new ManualClock();
    const runtime = pool.create({ redisUrl: s.url, prefix: runPrefix(), ...RUNTIME, clock });
    expect(await runtime.whenReady(5000)).toBe(true);
    const cache = runtime.createCache<string>({ namespace: 'f', ttl: 60 });
    s.freeze();
    await Promise.all([1, 2, 3].map((i) => cache.get(`miss${i}`)));
    await waitUntil('the breaker to open', 2000, () => runtime.health().breaker === 'open');
    // Real time passes well beyond the cooldown (200 ms), the clock does not: no probe is let through,
    // and callers' own requests never probe.
    for (let i = 0; i < 10; i++) {
      await cache.get(`still-open${i}`);
      await sleep(50);
    }
    expect(runtime.health().breaker).toBe('open');
    clock.advance(RUNTIME.breakerCooldownMs);
    expect(runtime.health().breaker).toBe('half_open');
    // The commands stuck in the frozen Redis get their answers: that is the sign to probe now.
    s.thaw();
    await waitUntil('the probe to close the breaker', 3000, () => runtime.l2Usable());
    expect(runtime.health()).toMatchObject({ redis: 'up', breaker: 'closed' });
    expect(runtime.collectMetrics()).toContainEqual(
      expect.objectContaining({ name: 'flowfull_cache_breaker_opened_total', value: 1 }),
    );
  });

  it('thawed while the breaker is open: closed without waiting out the cooldown', async () => {
    const s = await server();
    const runtime = pool.create({
      redisUrl: s.url,
      prefix: runPrefix(),
      ...RUNTIME,
      breakerCooldownMs: 60_000,
    });
    expect(await runtime.whenReady(5000)).toBe(true);
    const cache = runtime.createCache<string>({ namespace: 'f', ttl: 60 });
    s.freeze();
    await Promise.all([1, 2, 3].map((i) => cache.get(`miss${i}`)));
    await waitUntil('the breaker to open', 2000, () => runtime.health().breaker === 'open');
    s.thaw();
    await waitUntil('L2 back long before the 60 s cooldown', 3000, () => runtime.l2Usable());
  });

  it('frozen at close: close() returns promptly', async () => {
    const s = await server();
    const { runtime, cache } = await instance(s, runPrefix());
    await cache.set('k', 'v');
    s.freeze();
    const closing = await timed(() => (runtime as CacheRuntime).close());
    expect(closing.ms).toBeLessThan(2000);
    s.thaw();
  });
});
