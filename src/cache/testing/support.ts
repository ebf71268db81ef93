import type { ManualClock } from '../../resilience/clock.js';
import type { CacheOptions, CacheRuntime, HybridCache } from '../types.js';

/** What the contract's cases get from the suite: fresh runtimes and caches, and the clock to move. */
export interface ContractContext {
  /** This test's clock (a new one per test). */
  clock(): ManualClock;
  /** A runtime on the store under test, closed (and cleaned up) after the test. */
  runtime(): CacheRuntime;
  /** A cache of a fresh runtime, once that runtime is ready; namespace 'users', ttl 60 unless given. */
  cacheOf<T = User>(options?: Partial<CacheOptions>): Promise<HybridCache<T>>;
}

export type User = { id: number; name: string; tags?: string[] };

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise and its resolver: a loader that waits on it finishes exactly when the test says so. */
export function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, wait };
}

/** Polls an asynchronous condition (work the cache does in the background), at most 3 s. */
export async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > 3000) throw new Error(`timed out waiting for ${what}`);
    await realSleep(5);
  }
}
