import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowfullConfigError } from '../../errors.js';
import { ManualClock } from '../../resilience/clock.js';
import type { CacheOptions, CacheRuntime, HybridCache, LoaderContext } from '../types.js';

/**
 * The HybridCache contract as a reusable vitest suite: whatever a caller can observe through the API
 * must hold on every set-up (L1 alone, L1 + the project's Redis, a user's own Redis or shared
 * connection). Time is a ManualClock handed to the runtime, so TTLs are crossed by moving it, not by
 * sleeping. Loaded only from the testing entry: it imports vitest.
 *
 *   runCacheContractSuite('my Redis', ({ clock, prefix }) =>
 *     createCacheRuntime({ redisUrl: process.env.REDIS_URL, clock, prefix }));
 */

export interface CacheContractRuntimeOptions {
  /** Pass it to createCacheRuntime: the suite moves it. */
  clock: ManualClock;
  /** A fresh prefix per runtime, so that runs never see each other's keys. */
  prefix: string;
}

export interface CacheContractHooks {
  /** After each test, with the prefixes it used: remove their keys from the store. */
  cleanup?(prefixes: string[]): Promise<void>;
}

export type CacheRuntimeFactory = (options: CacheContractRuntimeOptions) => CacheRuntime;

type User = { id: number; name: string; tags?: string[] };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise and its resolver: a loader that waits on it finishes exactly when the test says so. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, wait };
}

/** Polls an asynchronous condition (work the cache does in the background), at most 3 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > 3000) throw new Error(`timed out waiting for ${what}`);
    await realSleep(5);
  }
}

export function runCacheContractSuite(
  label: string,
  makeRuntime: CacheRuntimeFactory,
  hooks: CacheContractHooks = {},
): void {
  describe(`HybridCache contract: ${label}`, () => {
    const runtimes: CacheRuntime[] = [];
    const prefixes: string[] = [];
    let clock = new ManualClock();

    afterEach(async () => {
      await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
      const used = prefixes.splice(0);
      if (hooks.cleanup) await hooks.cleanup(used);
      clock = new ManualClock();
    });

    function runtime(): CacheRuntime {
      const prefix = `contract-${randomBytes(6).toString('hex')}`;
      prefixes.push(prefix);
      const rt = makeRuntime({ clock, prefix });
      runtimes.push(rt);
      return rt;
    }

    async function cacheOf<T = User>(options: Partial<CacheOptions> = {}): Promise<HybridCache<T>> {
      const rt = runtime();
      expect(await rt.whenReady(5000)).toBe(true);
      return rt.createCache<T>({ namespace: 'users', ttl: 60, ...options });
    }

    it('stores and returns values; null is a value; set(undefined) deletes', async () => {
      const cache = await cacheOf<User | null>();
      expect(await cache.get('a')).toBeUndefined();
      await cache.set('a', { id: 1, name: 'Ada' });
      expect(await cache.get('a')).toEqual({ id: 1, name: 'Ada' });
      await cache.set('n', null);
      expect(await cache.get('n')).toBeNull();
      expect(await cache.has('n')).toBe(true);
      await cache.set('a', undefined as unknown as User);
      expect(await cache.has('a')).toBe(false);
    });

    it('has, delete and deleteMany', async () => {
      const cache = await cacheOf();
      for (const k of ['a', 'b', 'c']) await cache.set(k, { id: 1, name: k });
      expect(await cache.has('a')).toBe(true);
      await cache.delete('a');
      expect(await cache.has('a')).toBe(false);
      await cache.deleteMany(['b', 'c', 'missing']);
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toBeUndefined();
    });

    it('expires at the absolute TTL: reads do not extend it', async () => {
      const cache = await cacheOf({ ttl: 0.4 });
      await cache.set('a', { id: 1, name: 'Ada' });
      clock.advance(200);
      expect(await cache.get('a')).toEqual({ id: 1, name: 'Ada' });
      clock.advance(300);
      expect(await cache.get('a')).toBeUndefined();
    });

    it('a per-entry TTL overrides the cache TTL', async () => {
      const cache = await cacheOf({ ttl: 60 });
      await cache.set('short', { id: 1, name: 's' }, { ttl: 0.2 });
      await cache.set('long', { id: 2, name: 'l' });
      clock.advance(350);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toEqual({ id: 2, name: 'l' });
    });

    it('jitter shortens TTLs by at most the given fraction', async () => {
      const cache = await cacheOf({ ttl: 0.6, jitter: 0.5 });
      for (let i = 0; i < 20; i++) await cache.set(`k${i}`, { id: i, name: 'j' });
      const present = async () =>
        (await Promise.all(Array.from({ length: 20 }, (_, i) => cache.has(`k${i}`)))).filter(Boolean);
      clock.advance(299); // before 0.6 * (1 - 0.5) = 0.3 s: nothing expired
      expect((await present()).length).toBe(20);
      clock.advance(301); // at 0.6 s: everything expired
      expect((await present()).length).toBe(0);
    });

    it('clear empties its own namespace only', async () => {
      const cache = await cacheOf();
      await cache.set('a', { id: 1, name: 'a' });
      const rt = runtime();
      expect(await rt.whenReady(5000)).toBe(true);
      const other = rt.createCache<User>({ namespace: 'other' });
      const sibling = rt.createCache<User>({ namespace: 'users' });
      await other.set('a', { id: 2, name: 'other' });
      await sibling.set('a', { id: 3, name: 'sibling' });
      await sibling.clear();
      expect(await sibling.get('a')).toBeUndefined();
      expect(await other.get('a')).toEqual({ id: 2, name: 'other' });
      expect(await cache.get('a')).toEqual({ id: 1, name: 'a' }); // another runtime prefix
    });

    it('invalidateTag removes the tagged entries only', async () => {
      const cache = await cacheOf();
      await cache.set('a', { id: 1, name: 'a' }, { tags: ['team:1', 'all'] });
      await cache.set('b', { id: 2, name: 'b' }, { tags: ['team:2', 'all'] });
      await cache.set('c', { id: 3, name: 'c' });
      await cache.invalidateTag('team:1');
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toEqual({ id: 2, name: 'b' });
      await cache.invalidateTag('all');
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toEqual({ id: 3, name: 'c' });
      // a re-set without the tag is not invalidated by it
      await cache.set('a', { id: 1, name: 'a2' });
      await cache.invalidateTag('team:1');
      expect(await cache.get('a')).toEqual({ id: 1, name: 'a2' });
    });

    it('getOrSet: 10,000 concurrent callers of one key share one loader call', async () => {
      const cache = await cacheOf();
      const loaded = gate();
      let calls = 0;
      const loader = async () => {
        calls++;
        await loaded.wait;
        return { id: 7, name: 'loaded' };
      };
      const all = Promise.all(Array.from({ length: 10_000 }, () => cache.getOrSet('hot', loader)));
      loaded.open();
      const results = await all;
      expect(calls).toBe(1);
      expect(new Set(results).size).toBe(1);
      expect(results[0]).toEqual({ id: 7, name: 'loaded' });
      expect(await cache.getOrSet('hot', loader)).toEqual({ id: 7, name: 'loaded' });
      expect(calls).toBe(1);
      const m = cache.metrics();
      expect(m.dbHits).toBe(1);
      expect(m.coalesced).toBe(9_999);
      expect(m.totalRequests).toBe(10_001);
    });

    it('getOrSet: negative caching remembers an absence for its own TTL', async () => {
      const cache = await cacheOf();
      let calls = 0;
      const loader = async (ctx: LoaderContext<User>) => {
        calls++;
        return ctx.absent(0.3);
      };
      expect(await cache.getOrSet('ghost', loader)).toBeUndefined();
      expect(await cache.getOrSet('ghost', loader)).toBeUndefined();
      expect(await cache.get('ghost')).toBeUndefined();
      expect(await cache.has('ghost')).toBe(false);
      expect(calls).toBe(1);
      clock.advance(450);
      expect(await cache.getOrSet('ghost', loader)).toBeUndefined();
      expect(calls).toBe(2);
      // a later real value replaces the remembered absence
      await cache.set('ghost', { id: 9, name: 'real' });
      expect(await cache.getOrSet('ghost', loader)).toEqual({ id: 9, name: 'real' });
    });

    it('getOrSet: a loader that resolves undefined caches nothing', async () => {
      const cache = await cacheOf();
      let calls = 0;
      const loader = async () => {
        calls++;
        return undefined as unknown as User;
      };
      expect(await cache.getOrSet('u', loader)).toBeUndefined();
      expect(await cache.getOrSet('u', loader)).toBeUndefined();
      expect(calls).toBe(2);
    });

    it('getOrSet: a loader error reaches every joined caller and is not cached', async () => {
      const cache = await cacheOf();
      let calls = 0;
      const failing = async (): Promise<User> => {
        calls++;
        throw new Error('upstream down');
      };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => cache.getOrSet('x', failing)),
      );
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
      expect(calls).toBe(1);
      expect(await cache.getOrSet('x', async () => ({ id: 1, name: 'ok' }))).toEqual({ id: 1, name: 'ok' });
      expect(cache.metrics().loaderErrors).toBe(1);
    });

    it('fail-safe: serves the stale value when the loader fails, within the grace period only', async () => {
      const cache = await cacheOf({ ttl: 0.2 });
      const failSafe = { maxStaleSeconds: 0.6 };
      await cache.getOrSet('s', async () => ({ id: 1, name: 'v1' }), { failSafe });
      clock.advance(300); // expired, inside the grace period
      expect(await cache.get('s')).toBeUndefined(); // plain reads never see stale values
      let seenStale: User | undefined;
      const failing = async (ctx: { stale?: User }): Promise<User> => {
        seenStale = ctx.stale;
        throw new Error('down');
      };
      expect(await cache.getOrSet('s', failing, { failSafe })).toEqual({ id: 1, name: 'v1' });
      expect(seenStale).toEqual({ id: 1, name: 'v1' });
      expect(cache.metrics().staleServed).toBe(1);
      clock.advance(600); // past expiry + grace
      await expect(cache.getOrSet('s', failing, { failSafe })).rejects.toThrow('down');
    });

    it('soft timeout: returns the stale value, and the slow load lands in the background', async () => {
      const cache = await cacheOf({ ttl: 0.2 });
      const opts = { failSafe: { maxStaleSeconds: 30 }, softTimeoutMs: 50 };
      await cache.getOrSet('s', async () => ({ id: 1, name: 'old' }), opts);
      clock.advance(300);
      const slowDone = gate();
      let calls = 0;
      const slow = async () => {
        calls++;
        await slowDone.wait;
        return { id: 1, name: 'new' };
      };
      const t0 = performance.now();
      expect(await cache.getOrSet('s', slow, opts)).toEqual({ id: 1, name: 'old' });
      expect(performance.now() - t0).toBeLessThan(250); // the soft timeout is real time
      // callers during the background load get the stale value too, without a second loader call
      expect(await cache.getOrSet('s', slow, opts)).toEqual({ id: 1, name: 'old' });
      slowDone.open();
      await until('the background load to land', async () => (await cache.get('s'))?.name === 'new');
      expect(calls).toBe(1);
      expect(cache.metrics().softTimeouts).toBe(1);
    });

    it('soft timeout without a stale value waits for the loader', async () => {
      const cache = await cacheOf();
      const value = await cache.getOrSet(
        'cold',
        async () => {
          await realSleep(40); // longer than the soft timeout
          return { id: 2, name: 'fresh' };
        },
        { failSafe: { maxStaleSeconds: 10 }, softTimeoutMs: 10 },
      );
      expect(value).toEqual({ id: 2, name: 'fresh' });
    });

    it('a write during a load wins over the load result', async () => {
      const cache = await cacheOf();
      const writeDone = gate();
      let loaderStarted!: () => void;
      const started = new Promise<void>((resolve) => {
        loaderStarted = resolve;
      });
      const loading = cache.getOrSet('k', async () => {
        loaderStarted();
        await writeDone.wait;
        return { id: 1, name: 'from loader' };
      });
      await started;
      await cache.set('k', { id: 2, name: 'written' });
      writeDone.open();
      expect(await loading).toEqual({ id: 1, name: 'from loader' });
      expect(await cache.get('k')).toEqual({ id: 2, name: 'written' });

      const deleteDone = gate();
      let deleting!: () => void;
      const deleteStarted = new Promise<void>((resolve) => {
        deleting = resolve;
      });
      const stale = cache.getOrSet('d', async () => {
        deleting();
        await deleteDone.wait;
        return { id: 3, name: 'stale load' };
      });
      await deleteStarted;
      await cache.delete('d');
      deleteDone.open();
      await stale;
      expect(await cache.get('d')).toBeUndefined();
    });

    it('setIfAbsent: the first writer wins', async () => {
      const cache = await cacheOf();
      expect(await cache.setIfAbsent('once', { id: 1, name: 'first' })).toEqual({ id: 1, name: 'first' });
      expect(await cache.setIfAbsent('once', { id: 2, name: 'second' })).toEqual({ id: 1, name: 'first' });
      expect(await cache.get('once')).toEqual({ id: 1, name: 'first' });
      // an expired value or a remembered absence does not count as present
      await cache.getOrSet('gone', async (ctx) => ctx.absent(60));
      expect(await cache.setIfAbsent('gone', { id: 3, name: 'now' })).toEqual({ id: 3, name: 'now' });
      await cache.set('old', { id: 4, name: 'old' }, { ttl: 1 });
      clock.advance(1500);
      expect(await cache.setIfAbsent('old', { id: 5, name: 'new' })).toEqual({ id: 5, name: 'new' });
    });

    it('metrics count hits, misses and loader calls', async () => {
      const cache = await cacheOf();
      await cache.get('none');
      await cache.set('a', { id: 1, name: 'a' });
      await cache.get('a');
      await cache.getOrSet('b', async () => ({ id: 2, name: 'b' }));
      await cache.getOrSet('b', async () => ({ id: 2, name: 'b' }));
      const m = cache.metrics();
      expect(m).toMatchObject({
        totalRequests: 4,
        cacheHits: 2,
        cacheMisses: 2,
        lruHits: 2,
        redisHits: 0,
        dbHits: 1,
        hitRate: 50,
        errors: 0,
        breakerState: 'closed',
      });
      expect(m.loaderLatencyMs.count).toBe(1);
      expect(m.loaderLatencyMs.p99).toBeGreaterThanOrEqual(0);
    });

    it('shares the cached object by default; cloneOnL1 returns copies', async () => {
      const shared = await cacheOf();
      await shared.set('a', { id: 1, name: 'a', tags: [] });
      (await shared.get('a'))!.tags!.push('mutated');
      expect((await shared.get('a'))!.tags).toEqual(['mutated']);

      const cloned = await cacheOf({ namespace: 'cloned', cloneOnL1: true });
      const original = { id: 1, name: 'a', tags: [] as string[] };
      await cloned.set('a', original);
      original.tags.push('after set');
      (await cloned.get('a'))!.tags!.push('mutated');
      expect((await cloned.get('a'))!.tags).toEqual([]);
    });

    it('a custom serializer is used for copies and Redis', async () => {
      const serializer = {
        serialize: (v: unknown) => JSON.stringify({ wrapped: v, at: (v as { at: Date }).at.toISOString() }),
        deserialize: (s: string) => {
          const o = JSON.parse(s) as { wrapped: object; at: string };
          return { ...o.wrapped, at: new Date(o.at) };
        },
      };
      const cache = await cacheOf<{ at: Date }>({ serializer, cloneOnL1: true });
      const at = new Date('2024-01-02T03:04:05.000Z');
      await cache.set('d', { at });
      const back = await cache.get('d');
      expect(back?.at).toBeInstanceOf(Date);
      expect(back?.at.getTime()).toBe(at.getTime());
    });

    it('rejects invalid options with FlowfullConfigError naming the option', async () => {
      const cache = await cacheOf();
      const rt = runtime();
      const messageOf = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          return error instanceof FlowfullConfigError ? error.message : 'other';
        }
        return 'none';
      };
      expect(messageOf(() => rt.createCache({ namespace: 'a:b' }))).toContain('namespace');
      expect(messageOf(() => rt.createCache({ namespace: 'ok', ttl: 0 }))).toContain('ttl');
      expect(messageOf(() => rt.createCache({ namespace: 'ok2', jitter: 2 }))).toContain('jitter');
      expect(messageOf(() => rt.createCache({ namespace: 'ok3', maxEntries: 0 }))).toContain('maxEntries');
      rt.createCache({ namespace: 'dup' });
      expect(messageOf(() => rt.createCache({ namespace: 'dup' }))).toContain('already in use');
      await expect(cache.set('a', { id: 1, name: 'a' }, { ttl: -1 })).rejects.toThrow(FlowfullConfigError);
      await expect(
        cache.getOrSet('a', async () => ({ id: 1, name: 'a' }), { softTimeoutMs: -5 }),
      ).rejects.toThrow(/softTimeoutMs/);
      await expect(cache.setIfAbsent('a', undefined as unknown as User)).rejects.toThrow(FlowfullConfigError);
    });
  });
}
