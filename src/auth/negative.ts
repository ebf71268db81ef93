import { LRUCache } from 'lru-cache';
import type { Clock } from '../resilience/index.js';

/** Flowless's definitive "no" for a session id. */
export type Rejection = 'invalid' | 'expired';

/**
 * Invalid ids remembered briefly, in this instance's memory only: a flood of random ids costs at most
 * `maxEntries` small entries and no Flowless call each. Undefined when `ttlSeconds` is 0 (off).
 */
export function createNegativeCache(
  ttlSeconds: number,
  maxEntries: number,
  clock: Clock,
): LRUCache<string, Rejection> | undefined {
  if (ttlSeconds <= 0) return undefined;
  return new LRUCache<string, Rejection>({
    max: maxEntries,
    ttl: ttlSeconds * 1000,
    ttlResolution: 0,
    perf: { now: () => clock.now() },
  });
}
