import { expect, it } from 'vitest';
import type { LoaderContext } from '../types.js';
import { type ContractContext, gate, realSleep, type User, until } from './support.js';

/** getOrSet: single flight, negative caching, loader errors, fail-safe, soft timeout, races with writes. */
export function loaderCases(ctx: ContractContext): void {
  it('getOrSet: 10,000 concurrent callers of one key share one loader call', async () => {
    const cache = await ctx.cacheOf();
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
    const cache = await ctx.cacheOf();
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
    ctx.clock().advance(450);
    expect(await cache.getOrSet('ghost', loader)).toBeUndefined();
    expect(calls).toBe(2);
    // a later real value replaces the remembered absence
    await cache.set('ghost', { id: 9, name: 'real' });
    expect(await cache.getOrSet('ghost', loader)).toEqual({ id: 9, name: 'real' });
  });

  it('getOrSet: a loader that resolves undefined caches nothing', async () => {
    const cache = await ctx.cacheOf();
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
    const cache = await ctx.cacheOf();
    let calls = 0;
    const failing = async (): Promise<User> => {
      calls++;
      throw new Error('upstream down');
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => cache.getOrSet('x', failing)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    expect(await cache.getOrSet('x', async () => ({ id: 1, name: 'ok' }))).toEqual({ id: 1, name: 'ok' });
    expect(cache.metrics().loaderErrors).toBe(1);
  });

  it('fail-safe: serves the stale value when the loader fails, within the grace period only', async () => {
    const cache = await ctx.cacheOf({ ttl: 0.2 });
    const failSafe = { maxStaleSeconds: 0.6 };
    await cache.getOrSet('s', async () => ({ id: 1, name: 'v1' }), { failSafe });
    ctx.clock().advance(300); // expired, inside the grace period
    expect(await cache.get('s')).toBeUndefined(); // plain reads never see stale values
    let seenStale: User | undefined;
    const failing = async (ctx: { stale?: User }): Promise<User> => {
      seenStale = ctx.stale;
      throw new Error('down');
    };
    expect(await cache.getOrSet('s', failing, { failSafe })).toEqual({ id: 1, name: 'v1' });
    expect(seenStale).toEqual({ id: 1, name: 'v1' });
    expect(cache.metrics().staleServed).toBe(1);
    ctx.clock().advance(600); // past expiry + grace
    await expect(cache.getOrSet('s', failing, { failSafe })).rejects.toThrow('down');
  });

  it('soft timeout: returns the stale value, and the slow load lands in the background', async () => {
    const cache = await ctx.cacheOf({ ttl: 0.2 });
    const opts = { failSafe: { maxStaleSeconds: 30 }, softTimeoutMs: 50 };
    await cache.getOrSet('s', async () => ({ id: 1, name: 'old' }), opts);
    ctx.clock().advance(300);
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
    const cache = await ctx.cacheOf();
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
    const cache = await ctx.cacheOf();
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
}
