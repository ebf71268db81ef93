import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cacheRuntimeOptionsFromConfig,
  createCacheRuntime,
  createSeedCaches,
} from '../../src/cache/index.js';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { RuntimePool, runPrefix } from './helpers.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'debug' }) };
}

describe('cache runtime', () => {
  const pool = new RuntimePool();
  afterEach(() => pool.closeAll());

  it('maps CACHE_* and REDIS_URL from the configuration', () => {
    const { config } = parseConfig({
      CACHE_ENABLED: 'false',
      REDIS_URL: 'redis://127.0.0.1:6390',
      CACHE_TTL: '120',
      CACHE_PREFIX: 'app',
      CACHE_L1_MAX_ENTRIES: '500',
      CACHE_L1_MAX_BYTES: '1048576',
      CACHE_L2_TIMEOUT_MS: '25',
      CACHE_BREAKER_THRESHOLD: '5',
      CACHE_BREAKER_COOLDOWN_MS: '1000',
      CACHE_BUS_ENABLED: 'false',
    });
    expect(cacheRuntimeOptionsFromConfig(config!)).toEqual({
      enabled: false,
      redisUrl: 'redis://127.0.0.1:6390',
      prefix: 'app',
      defaultTtl: 120,
      l1MaxEntries: 500,
      l1MaxBytes: 1048576,
      l2TimeoutMs: 25,
      breakerThreshold: 5,
      breakerCooldownMs: 1000,
      busEnabled: false,
    });
    const defaults = cacheRuntimeOptionsFromConfig(parseConfig({}).config!);
    expect(defaults).toMatchObject({ enabled: true, defaultTtl: 300, l2TimeoutMs: 50, busEnabled: true });
    expect(defaults.redisUrl).toBeUndefined();
  });

  it('without Redis: L1 only, one log line saying so, health up / not_configured', async () => {
    const { lines, logger } = capture();
    const rt = pool.create({ logger, prefix: runPrefix() });
    const notes = lines.filter((l) => String(l.msg).includes('L1 (in-process) only'));
    expect(notes).toHaveLength(1);
    expect(rt.redis).toBeUndefined();
    expect(rt.l2Usable()).toBe(false);
    expect(await rt.whenReady(10)).toBe(true);
    expect(rt.health()).toEqual({ status: 'up', redis: 'not_configured', breaker: 'closed' });
    const { userContext, permissions } = createSeedCaches(rt);
    await userContext.set('u', { id: 1 });
    expect(await userContext.get('u')).toEqual({ id: 1 });
    expect(Object.keys(rt.metrics()).sort()).toEqual(['permissions', 'user_ctx']);
    expect(permissions.namespace).toBe('permissions');
  });

  it('CACHE_ENABLED=false: every cache is a pass-through to its loader', async () => {
    const rt = pool.create({ enabled: false, prefix: runPrefix() });
    const cache = rt.createCache<string>({ namespace: 'p' });
    let calls = 0;
    const loader = async () => {
      calls++;
      return 'v';
    };
    await cache.set('k', 'stored?');
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.getOrSet('k', loader)).toBe('v');
    expect(await cache.getOrSet('k', loader)).toBe('v');
    expect(calls).toBe(2);
    expect(await cache.getOrSet('n', async (ctx) => ctx.absent(10))).toBeUndefined();
    expect(await cache.setIfAbsent('s', 'mine')).toBe('mine');
    await expect(cache.getOrSet('e', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(rt.health().status).toBe('disabled');
    expect(cache.metrics()).toMatchObject({ dbHits: 4, cacheHits: 0, loaderErrors: 1 });
  });

  it('bounds L1 by entries and, optionally, by bytes', async () => {
    const rt = pool.create({ prefix: runPrefix() });
    const byCount = rt.createCache<string>({ namespace: 'count', maxEntries: 10 });
    for (let i = 0; i < 50; i++) await byCount.set(`k${i}`, 'v');
    expect(byCount.metrics().l1Entries).toBe(10);
    expect(await byCount.get('k49')).toBe('v');
    expect(await byCount.get('k0')).toBeUndefined();
    const byBytes = rt.createCache<string>({ namespace: 'bytes', maxEntries: 10_000, maxBytes: 20_000 });
    for (let i = 0; i < 100; i++) await byBytes.set(`k${i}`, 'x'.repeat(1000));
    const entries = byBytes.metrics().l1Entries;
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(20);
  });

  it('two runtimes in one process share nothing without Redis', async () => {
    const a = pool.create({ prefix: 'same' }).createCache<string>({ namespace: 'n' });
    const b = pool.create({ prefix: 'same' }).createCache<string>({ namespace: 'n' });
    await a.set('k', 'a');
    expect(await b.get('k')).toBeUndefined();
  });

  it('close() is idempotent and a closed runtime keeps answering from L1', async () => {
    const rt = createCacheRuntime({ prefix: runPrefix(), redisUrl: 'redis://127.0.0.1:1' });
    const cache = rt.createCache<string>({ namespace: 'n' });
    await cache.set('k', 'v');
    await rt.close();
    await rt.close();
    expect(await cache.get('k')).toBe('v');
  });
});

describe('pass-through cache (CACHE_ENABLED=false)', () => {
  const pool = new RuntimePool();
  afterEach(() => pool.closeAll());

  it('coalesces concurrent loads of one key into one loader call', async () => {
    const cache = pool
      .create({ enabled: false, prefix: runPrefix() })
      .createCache<string>({ namespace: 'p' });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loader = async () => {
      const call = ++calls;
      await gate;
      return `v${call}`;
    };
    const all = Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('k', loader)));
    const other = cache.getOrSet('other', loader); // another key loads on its own
    release();
    expect(new Set(await all)).toEqual(new Set(['v1']));
    await other;
    expect(calls).toBe(2);
    expect(cache.metrics()).toMatchObject({ dbHits: 2, coalesced: 999 });
    // nothing is stored: the next call loads again
    expect(await cache.getOrSet('k', loader)).toBe('v3');
  });

  it('a delete during a load detaches it: later callers do not receive the older load', async () => {
    const cache = pool
      .create({ enabled: false, prefix: runPrefix() })
      .createCache<string>({ namespace: 'p' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = cache.getOrSet('s', async () => {
      await gate;
      return 'before revocation';
    });
    await cache.delete('s');
    const after = cache.getOrSet('s', async () => 'after revocation');
    release();
    expect(await before).toBe('before revocation');
    expect(await after).toBe('after revocation');
  });
});
