import { afterEach, describe, expect, it } from 'vitest';
import type { CacheRuntimeOptions, HybridCache } from '../../src/cache/index.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { RuntimePool, runPrefix, sleep, until, warmL1 } from './helpers.js';

/**
 * Two runtimes in one process on one Redis stand for two instances of the application: each has its
 * own L1, its own connections and its own instance id, and they share the Redis keys and the bus.
 */
describe.skipIf(!(await serviceAvailable('redis')))('cross-instance coherence', () => {
  const pool = new RuntimePool();
  afterEach(() => pool.closeAll(SERVICE_URLS.redis));

  async function twoInstances<T>(
    options: CacheRuntimeOptions = {},
  ): Promise<[HybridCache<T>, HybridCache<T>]> {
    const prefix = runPrefix();
    const a = pool.create({ redisUrl: SERVICE_URLS.redis, prefix, ...options });
    const b = pool.create({ redisUrl: SERVICE_URLS.redis, prefix, ...options });
    expect(await a.whenReady(5000)).toBe(true);
    expect(await b.whenReady(5000)).toBe(true);
    return [a.createCache<T>({ namespace: 'shared' }), b.createCache<T>({ namespace: 'shared' })];
  }

  const warm = warmL1;

  it('set on one instance evicts the old value from the other L1', async () => {
    const [a, b] = await twoInstances<string>();
    await a.set('k', 'v1');
    await warm(b, 'k', 'v1');
    await a.set('k', 'v2');
    await until('propagation', 3000, async () => (await b.get('k')) === 'v2');
    expect(b.metrics().busInvalidations).toBeGreaterThanOrEqual(1);
  });

  it('delete and deleteMany on one instance evict from the other', async () => {
    const [a, b] = await twoInstances<string>();
    await a.set('k1', 'v');
    await a.set('k2', 'v');
    await a.set('k3', 'v');
    for (const k of ['k1', 'k2', 'k3']) await warm(b, k, 'v');
    await a.delete('k1');
    await until('propagation', 3000, async () => (await b.get('k1')) === undefined);
    await a.deleteMany(['k2', 'k3']);
    await until(
      'propagation',
      3000,
      async () => (await b.get('k2')) === undefined && (await b.get('k3')) === undefined,
    );
  });

  it('clear on one instance empties the namespace in the other', async () => {
    const [a, b] = await twoInstances<string>();
    await b.set('k', 'v');
    await warm(b, 'k', 'v');
    await a.clear();
    await until('propagation', 3000, async () => (await b.get('k')) === undefined);
  });

  it('tag invalidation on one instance evicts the tagged keys from the other', async () => {
    const [a, b] = await twoInstances<string>();
    await a.set('t1', 'v', { tags: ['team'] });
    await a.set('t2', 'v', { tags: ['team'] });
    await a.set('keep', 'v');
    for (const k of ['t1', 't2', 'keep']) await warm(b, k, 'v');
    await a.invalidateTag('team');
    await until(
      'propagation',
      3000,
      async () => (await b.get('t1')) === undefined && (await b.get('t2')) === undefined,
    );
    expect(await b.get('keep')).toBe('v');
  });

  it('an instance ignores its own messages: its L1 stays warm after its own write', async () => {
    const [a, b] = await twoInstances<string>();
    await a.set('k', 'v');
    await b.set('other', 'x'); // a message from b, so a's bus is known to deliver
    await sleep(100);
    expect(await a.get('k')).toBe('v');
    expect(a.metrics().lruHits).toBe(1);
    expect(a.metrics().redisHits).toBe(0);
    // each saw exactly the other's message, never its own
    expect(a.metrics().busInvalidations).toBe(1);
    expect(b.metrics().busInvalidations).toBe(1);
  });

  it('setIfAbsent: two instances racing end with one value', async () => {
    // Atomicity, not latency, is tested here: a generous deadline keeps a loaded machine from turning
    // calls into refusals. A refusal (Redis could not decide in time) is allowed; two winners are not.
    const [a, b] = await twoInstances<string>({ l2TimeoutMs: 1000 });
    const decided = async (call: () => Promise<string>): Promise<string | undefined> => {
      try {
        return await call();
      } catch (error) {
        expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        return undefined;
      }
    };
    for (let round = 0; round < 20; round++) {
      const key = `race${round}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => decided(() => (i % 2 ? a : b).setIfAbsent(key, `writer-${i}`))),
      );
      const won = new Set(results.filter((r) => r !== undefined));
      expect(won.size).toBeLessThanOrEqual(1);
      let final: string | undefined;
      while (final === undefined) final = await decided(() => a.setIfAbsent(key, 'late'));
      if (won.size === 1) expect(final).toBe([...won][0]);
      expect(await a.get(key)).toBe(final);
      expect(await b.get(key)).toBe(final);
    }
  });

  it('getOrSet on one instance is served from Redis on the other', async () => {
    const [a, b] = await twoInstances<string>();
    let calls = 0;
    const loader = async () => {
      calls++;
      return 'loaded';
    };
    expect(await a.getOrSet('k', loader)).toBe('loaded');
    await sleep(20); // the Redis write of a getOrSet goes on in the background
    expect(await b.getOrSet('k', loader)).toBe('loaded');
    expect(calls).toBe(1);
    expect(b.metrics().redisHits).toBe(1);
  });
});
