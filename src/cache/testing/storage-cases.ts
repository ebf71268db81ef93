import { expect, it } from 'vitest';
import { FlowfullConfigError } from '../../errors.js';
import type { ContractContext, User } from './support.js';

/** Storing, expiry, invalidation, setIfAbsent, metrics, copies and options. */
export function storageCases(ctx: ContractContext): void {
  it('stores and returns values; null is a value; set(undefined) deletes', async () => {
    const cache = await ctx.cacheOf<User | null>();
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
    const cache = await ctx.cacheOf();
    for (const k of ['a', 'b', 'c']) await cache.set(k, { id: 1, name: k });
    expect(await cache.has('a')).toBe(true);
    await cache.delete('a');
    expect(await cache.has('a')).toBe(false);
    await cache.deleteMany(['b', 'c', 'missing']);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
  });

  it('expires at the absolute TTL: reads do not extend it', async () => {
    const cache = await ctx.cacheOf({ ttl: 0.4 });
    await cache.set('a', { id: 1, name: 'Ada' });
    ctx.clock().advance(200);
    expect(await cache.get('a')).toEqual({ id: 1, name: 'Ada' });
    ctx.clock().advance(300);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('a per-entry TTL overrides the cache TTL', async () => {
    const cache = await ctx.cacheOf({ ttl: 60 });
    await cache.set('short', { id: 1, name: 's' }, { ttl: 0.2 });
    await cache.set('long', { id: 2, name: 'l' });
    ctx.clock().advance(350);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toEqual({ id: 2, name: 'l' });
  });

  it('jitter shortens TTLs by at most the given fraction', async () => {
    const cache = await ctx.cacheOf({ ttl: 0.6, jitter: 0.5 });
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, { id: i, name: 'j' });
    const present = async () =>
      (await Promise.all(Array.from({ length: 20 }, (_, i) => cache.has(`k${i}`)))).filter(Boolean);
    ctx.clock().advance(299); // before 0.6 * (1 - 0.5) = 0.3 s: nothing expired
    expect((await present()).length).toBe(20);
    ctx.clock().advance(301); // at 0.6 s: everything expired
    expect((await present()).length).toBe(0);
  });

  it('clear empties its own namespace only', async () => {
    const cache = await ctx.cacheOf();
    await cache.set('a', { id: 1, name: 'a' });
    const rt = ctx.runtime();
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
    const cache = await ctx.cacheOf();
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

  it('setIfAbsent: the first writer wins', async () => {
    const cache = await ctx.cacheOf();
    expect(await cache.setIfAbsent('once', { id: 1, name: 'first' })).toEqual({ id: 1, name: 'first' });
    expect(await cache.setIfAbsent('once', { id: 2, name: 'second' })).toEqual({ id: 1, name: 'first' });
    expect(await cache.get('once')).toEqual({ id: 1, name: 'first' });
    // an expired value or a remembered absence does not count as present
    await cache.getOrSet('gone', async (ctx) => ctx.absent(60));
    expect(await cache.setIfAbsent('gone', { id: 3, name: 'now' })).toEqual({ id: 3, name: 'now' });
    await cache.set('old', { id: 4, name: 'old' }, { ttl: 1 });
    ctx.clock().advance(1500);
    expect(await cache.setIfAbsent('old', { id: 5, name: 'new' })).toEqual({ id: 5, name: 'new' });
  });

  it('metrics count hits, misses and loader calls', async () => {
    const cache = await ctx.cacheOf();
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
    const shared = await ctx.cacheOf();
    await shared.set('a', { id: 1, name: 'a', tags: [] });
    (await shared.get('a'))!.tags!.push('mutated');
    expect((await shared.get('a'))!.tags).toEqual(['mutated']);

    const cloned = await ctx.cacheOf({ namespace: 'cloned', cloneOnL1: true });
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
    const cache = await ctx.cacheOf<{ at: Date }>({ serializer, cloneOnL1: true });
    const at = new Date('2024-01-02T03:04:05.000Z');
    await cache.set('d', { at });
    const back = await cache.get('d');
    expect(back?.at).toBeInstanceOf(Date);
    expect(back?.at.getTime()).toBe(at.getTime());
  });

  it('rejects invalid options with FlowfullConfigError naming the option', async () => {
    const cache = await ctx.cacheOf();
    const rt = ctx.runtime();
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
}
