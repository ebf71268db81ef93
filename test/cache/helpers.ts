import { randomBytes } from 'node:crypto';
import type { CacheRuntime, CacheRuntimeOptions, HybridCache } from '../../src/cache/index.js';
import { createCacheRuntime } from '../../src/cache/index.js';
import { deletePrefixes } from '../support/redis.js';
import { sleep } from '../support/time.js';

// Shared with every suite and bench: test/support.
export { deletePrefixes, scanKeys, sparePort, TestRedisServer } from '../support/redis.js';
export { sleep, until, waitUntil } from '../support/time.js';

/** Random per test run, so suites sharing the one Redis never see each other's keys. */
export function runPrefix(): string {
  return `test-cache-${randomBytes(6).toString('hex')}`;
}

/** Runtimes created through this are closed (and their Redis keys removed) by closeAll(). */
export class RuntimePool {
  private readonly runtimes: { runtime: CacheRuntime; prefix: string }[] = [];

  create(options: CacheRuntimeOptions): CacheRuntime {
    const runtime = createCacheRuntime(options);
    this.runtimes.push({ runtime, prefix: options.prefix ?? 'flowfull' });
    return runtime;
  }

  async closeAll(cleanupUrl?: string): Promise<void> {
    const prefixes = new Set(this.runtimes.map((r) => r.prefix));
    await Promise.all(this.runtimes.splice(0).map((r) => r.runtime.close()));
    if (cleanupUrl) await deletePrefixes(cleanupUrl, [...prefixes]);
  }
}

/** Wall time of one call, in ms, with its outcome. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/**
 * Reads key until the cache serves it from its L1: from then on only an invalidation can change what it
 * sees. (An L2 read that crosses an invalidation of its key does not fill L1, so this may take a few reads.)
 */
export async function warmL1<T>(cache: HybridCache<T>, key: string, expected: T): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const before = cache.metrics().lruHits;
    const value = await cache.get(key);
    if (value !== expected) throw new Error(`${key}: expected ${String(expected)}, got ${String(value)}`);
    if (cache.metrics().lruHits === before + 1) return;
    await sleep(5);
  }
  throw new Error(`${key} never reached L1`);
}
