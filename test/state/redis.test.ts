import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCacheRuntime } from '../../src/cache/index.js';
import { FlowfullConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/resilience/index.js';
import {
  createRedisStateStore,
  isStateUnavailable,
  STATE_DEFAULTS,
  type StateStore,
} from '../../src/state/index.js';
import { sparePort, TestRedisServer } from '../cache/helpers.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';

const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

/** One "instance": a connection of its own, configured as the cache runtime configures its own. */
function connect(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

async function unavailable(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    return isStateUnavailable(err);
  }
}

describe.skipIf(!(await serviceAvailable('redis')))('Redis state store (shared Redis)', () => {
  const prefix = `state-test-${randomUUID().slice(0, 8)}:`;
  let a: StateStore;
  let b: StateStore;
  let admin: Redis;

  beforeAll(async () => {
    admin = await ready(connect(SERVICE_URLS.redis));
    a = createRedisStateStore(await ready(connect(SERVICE_URLS.redis)), { prefix, timeoutMs: 2000 });
    b = createRedisStateStore(await ready(connect(SERVICE_URLS.redis)), { prefix, timeoutMs: 2000 });
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  });

  it('two instances racing to claim one key: one winner, everyone gets its value', async () => {
    for (let round = 0; round < 10; round++) {
      const key = `race-${round}`;
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim(key, { writer: i }, 60_000)),
      );
      expect(claims.filter((c) => c.won)).toHaveLength(1);
      const winner = claims.find((c) => c.won)!.value;
      expect(claims.every((c) => JSON.stringify(c.value) === JSON.stringify(winner))).toBe(true);
      expect(await a.get(key)).toEqual(winner);
      expect(await b.get(key)).toEqual(winner);
    }
  });

  it('put overwrites, with the TTL in Redis', async () => {
    await a.claim('p', { v: 1 }, 60_000);
    await b.put('p', { v: 2, revokedAt: 1 }, 30_000);
    expect(await a.get('p')).toEqual({ v: 2, revokedAt: 1 });
    expect(await admin.pttl(`${prefix}p`)).toBeGreaterThan(20_000);
    expect((await a.claim('p', { v: 3 }, 60_000)).value).toEqual({ v: 2, revokedAt: 1 });
  });

  it('the activity window is one atomic set: concurrent notes from two instances all count', async () => {
    const w = { nowMs: Date.now(), windowMs: 60_000, maxMembers: 64 };
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).noteMember('w', `net-${i}`, w)));
    expect(await a.noteMember('w', 'net-0', w)).toBe(30);
    expect(await b.noteMember('w', 'old', { ...w, nowMs: w.nowMs + 60_000, maxMembers: 5 })).toBe(1);
  });

  it('an invalid option throws FlowfullConfigError naming it', () => {
    expect(() => createRedisStateStore(admin, { timeoutMs: -1 })).toThrow(FlowfullConfigError);
    expect(() => createRedisStateStore(admin, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => createRedisStateStore(admin, { breakerThreshold: 0 })).toThrow(/breakerThreshold/);
    expect(() => createRedisStateStore(undefined as unknown as Redis)).toThrow(/Redis client/);
    expect(STATE_DEFAULTS.timeoutMs).toBeGreaterThan(0);
  });
});

describe.skipIf(!(await serviceAvailable('redis')))('Redis state store on a frozen Redis (SIGSTOP)', () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    server = new TestRedisServer(await sparePort());
    await server.start();
  });
  afterAll(() => server.stop('SIGKILL'));
  afterEach(() => server.thaw());

  it('costs each caller at most one timeout, then the breaker refuses at once; nothing is decided', async () => {
    const clock = new ManualClock(Date.now());
    const redis = await ready(connect(server.url));
    const store = createRedisStateStore(redis, { timeoutMs: 150, breakerThreshold: 2, clock });
    server.freeze();
    const t0 = performance.now();
    expect(await unavailable(store.claim('k', 'mine', 60_000))).toBe(true);
    expect(await unavailable(store.get('k'))).toBe(true);
    const frozenCost = performance.now() - t0;
    expect(frozenCost).toBeLessThan(2000);
    expect(store.usable()).toBe(false);
    const t1 = performance.now();
    for (let i = 0; i < 50; i++) expect(await unavailable(store.claim('k', 'mine', 60_000))).toBe(true);
    // Waiting out each timeout would take 50 x 150 ms; refused at once, they take a fraction of it.
    expect(performance.now() - t1).toBeLessThan(1000);
    server.thaw();
    clock.advance(STATE_DEFAULTS.breakerCooldownMs);
    // The claim that timed out may still have run once Redis woke up: then it won, nobody else can.
    const after = await store.claim('k', 'later', 60_000);
    expect(after.value === 'mine' ? !after.won : after.won).toBe(true);
    expect(store.usable()).toBe(true);
  });

  it("with the cache runtime's gate: one timeout shared with the cache, then refused at once", async () => {
    const runtime = createCacheRuntime({ redisUrl: server.url, prefix: `state-${randomUUID().slice(0, 8)}` });
    try {
      expect(await runtime.whenReady(5000)).toBe(true);
      const gate = runtime.gate!;
      const store = createRedisStateStore(runtime.redis!, { gate });
      const cache = runtime.createCache<string>({ namespace: 'sessions' });
      expect(await store.claim('g', 'mine', 60_000)).toEqual({ value: 'mine', won: true });
      server.freeze();
      await cache.get('session'); // the cache pays the one timeout
      expect(await unavailable(store.get('g'))).toBe(true); // behind it: refused without waiting
      expect(gate.timeouts).toBe(1);
      expect(store.usable()).toBe(false);
      server.thaw();
      for (let i = 0; i < 200 && !gate.usable(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await store.get('g')).toBe('mine');
    } finally {
      await runtime.close();
    }
  });
});
