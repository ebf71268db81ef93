import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CacheRuntimeOptions } from '../../src/cache/index.js';
import { createSeedCaches } from '../../src/cache/index.js';
import { ManualClock } from '../../src/resilience/index.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { RuntimePool, runPrefix, scanKeys, until } from './helpers.js';

describe.skipIf(!(await serviceAvailable('redis')))('HybridCache with Redis (L2)', () => {
  const pool = new RuntimePool();
  const admin = new Redis(SERVICE_URLS.redis, { maxRetriesPerRequest: 1 });

  afterEach(() => pool.closeAll(SERVICE_URLS.redis));
  afterAll(() => {
    admin.disconnect();
  });

  async function runtime(options: CacheRuntimeOptions = {}) {
    const rt = pool.create({ redisUrl: SERVICE_URLS.redis, prefix: runPrefix(), ...options });
    expect(await rt.whenReady(5000)).toBe(true);
    return rt;
  }

  it('an L2 hit fills L1 with the remaining TTL, not a fresh one', async () => {
    const prefix = runPrefix();
    const clock = new ManualClock(); // both instances read the same time
    const a = (await runtime({ prefix, clock })).createCache<string>({ namespace: 'n', ttl: 0.8 });
    const b = (await runtime({ prefix, clock })).createCache<string>({ namespace: 'n', ttl: 0.8 });
    await a.set('k', 'v');
    // the write's bus message must reach b first: a read it overtakes does not fill L1
    await until('the bus message', 3000, async () => b.metrics().busInvalidations === 1);
    clock.advance(500);
    expect(await b.get('k')).toBe('v'); // from Redis, 0.3 s left
    expect(b.metrics().redisHits).toBe(1);
    expect(await b.get('k')).toBe('v'); // from L1
    expect(b.metrics().lruHits).toBe(1);
    clock.advance(400); // past the original expiry; a fresh TTL would still hold it
    expect(await b.get('k')).toBeUndefined();
  });

  it('stores a JSON envelope with the absolute expiry under prefix:namespace:v:key', async () => {
    const prefix = runPrefix();
    const cache = (await runtime({ prefix })).createCache<object>({ namespace: 'env', ttl: 30 });
    const before = Date.now();
    await cache.set('k', { at: new Date(0), n: 1 });
    const raw = await admin.get(`${prefix}:env:v:k`);
    const env = JSON.parse(raw!) as { e: number; v: unknown };
    expect(env.v).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 }); // a Date becomes its ISO string
    expect(env.e).toBeGreaterThanOrEqual(before + 29_000);
    const pttl = await admin.pttl(`${prefix}:env:v:k`);
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('values read back from Redis are JSON: a Date arrives as a string', async () => {
    const prefix = runPrefix();
    const a = (await runtime({ prefix })).createCache<{ at: unknown }>({ namespace: 'd' });
    const b = (await runtime({ prefix })).createCache<{ at: unknown }>({ namespace: 'd' });
    await a.set('k', { at: new Date(0) });
    expect((await a.get('k'))?.at).toBeInstanceOf(Date); // L1 keeps the object itself
    expect((await b.get('k'))?.at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('l2First reads Redis before L1 while Redis is usable', async () => {
    const prefix = runPrefix();
    const rt = await runtime({ prefix, busEnabled: false });
    const strict = rt.createCache<string>({ namespace: 'strict', l2First: true });
    const relaxed = rt.createCache<string>({ namespace: 'relaxed' });
    await strict.set('k', 'one');
    await relaxed.set('k', 'one');
    // another writer changes Redis behind this instance's back (no bus here)
    const env = (v: string) => JSON.stringify({ e: Date.now() + 60_000, v });
    await admin.set(`${prefix}:strict:v:k`, env('two'), 'PX', 60_000);
    await admin.set(`${prefix}:relaxed:v:k`, env('two'), 'PX', 60_000);
    expect(await strict.get('k')).toBe('two');
    expect(await relaxed.get('k')).toBe('one');
    await admin.del(`${prefix}:strict:v:k`);
    expect(await strict.get('k')).toBeUndefined(); // Redis is authoritative
  });

  it('clear removes the namespace from Redis (SCAN, tag sets included) and nothing else', async () => {
    const prefix = runPrefix();
    const rt = await runtime({ prefix });
    const a = rt.createCache<number>({ namespace: 'a' });
    const a2 = rt.createCache<number>({ namespace: 'a-2' });
    for (let i = 0; i < 2500; i++) await a.set(`k${i}`, i, i % 2 ? { tags: ['odd'] } : undefined);
    await a2.set('k', 1);
    await a.clear();
    expect(await scanKeys(admin, `${prefix}:a:*`)).toEqual([]);
    expect(await admin.exists(`${prefix}:a-2:v:k`)).toBe(1);
  });

  it('tag invalidation removes the tagged keys and the tag set from Redis', async () => {
    const prefix = runPrefix();
    const cache = (await runtime({ prefix })).createCache<number>({ namespace: 't' });
    await cache.set('x', 1, { tags: ['g'] });
    await cache.set('y', 2, { tags: ['g', 'h'] });
    await cache.set('z', 3, { tags: ['h'] });
    expect(await admin.smembers(`${prefix}:t:t:g`)).toHaveLength(2);
    await cache.invalidateTag('g');
    expect(await admin.exists(`${prefix}:t:v:x`, `${prefix}:t:v:y`, `${prefix}:t:t:g`)).toBe(0);
    expect(await admin.exists(`${prefix}:t:v:z`)).toBe(1);
  });

  it('negative entries and fail-safe windows live in Redis too', async () => {
    const prefix = runPrefix();
    const clock = new ManualClock();
    const a = (await runtime({ prefix, clock })).createCache<string>({ namespace: 'n', ttl: 0.2 });
    const b = (await runtime({ prefix, clock })).createCache<string>({ namespace: 'n', ttl: 0.2 });
    await a.getOrSet('ghost', async (ctx) => ctx.absent(30));
    await until(
      'the background Redis write',
      3000,
      async () => (await admin.exists(`${prefix}:n:v:ghost`)) === 1,
    );
    let calls = 0;
    expect(
      await b.getOrSet('ghost', async () => {
        calls++;
        return 'x';
      }),
    ).toBeUndefined();
    expect(calls).toBe(0);
    await a.getOrSet('s', async () => 'v1', { failSafe: { maxStaleSeconds: 30 } });
    await until(
      'the background Redis write',
      3000,
      async () => (await admin.exists(`${prefix}:n:v:s`)) === 1,
    );
    clock.advance(300);
    const fromB = await b.getOrSet(
      's',
      async () => {
        throw new Error('down');
      },
      { failSafe: { maxStaleSeconds: 30 } },
    );
    expect(fromB).toBe('v1'); // the stale value came from Redis
  });

  it('one command connection and one subscriber connection for many caches', async () => {
    const prefix = runPrefix();
    const rt = await runtime({ prefix });
    const caches = Array.from({ length: 5 }, (_, i) => rt.createCache<number>({ namespace: `c${i}` }));
    await Promise.all(caches.map((c, i) => c.set('k', i)));
    const clients = (await admin.client('LIST')) as string;
    const ours = clients.split('\n').filter((line) => line.includes(`name=${prefix}:`));
    expect(ours.map((line) => /name=(\S+)/.exec(line)?.[1]).sort()).toEqual([
      `${prefix}:cache`,
      `${prefix}:cache-bus`,
    ]);
    expect(rt.redis).toBeDefined();
  });

  it('health says up with Redis, breaker closed', async () => {
    const rt = await runtime();
    expect(rt.health()).toEqual({ status: 'up', redis: 'up', breaker: 'closed' });
    expect(rt.l2Usable()).toBe(true);
  });

  it('the seed caches: userContext 300 s and permissions 600 s', async () => {
    const prefix = runPrefix();
    const rt = await runtime({ prefix });
    const { userContext, permissions } = createSeedCaches(rt);
    expect(userContext.namespace).toBe('user_ctx');
    expect(permissions.namespace).toBe('permissions');
    await userContext.set('u', { id: 1 });
    await permissions.set('u', ['read']);
    const ttl = (key: string) => admin.pttl(key);
    expect(Math.round((await ttl(`${prefix}:user_ctx:v:u`)) / 1000)).toBe(300);
    expect(Math.round((await ttl(`${prefix}:permissions:v:u`)) / 1000)).toBe(600);
  });

  it('a value that cannot be serialized stays in this instance and clears the Redis copy', async () => {
    const prefix = runPrefix();
    const cache = (await runtime({ prefix })).createCache<unknown>({ namespace: 'big' });
    await cache.set('k', { n: 1 });
    await cache.set('k', { n: 10n });
    expect(await cache.get('k')).toEqual({ n: 10n });
    expect(await admin.exists(`${prefix}:big:v:k`)).toBe(0);
    expect(cache.metrics().errors).toBe(1);
  });
});
