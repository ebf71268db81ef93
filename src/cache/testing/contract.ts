import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect } from 'vitest';
import { ManualClock } from '../../resilience/clock.js';
import type { CacheOptions, CacheRuntime, HybridCache } from '../types.js';
import { loaderCases } from './loader-cases.js';
import { storageCases } from './storage-cases.js';
import type { ContractContext, User } from './support.js';

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

    const context: ContractContext = { clock: () => clock, runtime, cacheOf };
    storageCases(context);
    loaderCases(context);
  });
}
