import { LRUCache } from 'lru-cache';
import type { CoarseClock } from './clock.js';
import type { CacheEntry } from './entry.js';
import { TagIndex } from './tags.js';

// Approximate per-entry overhead in bytes (entry object, key, LRU bookkeeping) for maxBytes accounting.
const ENTRY_OVERHEAD = 96;
// Assumed text length of an entry stored without its serialized form (maxBytes accounting).
const UNKNOWN_TEXT_LENGTH = 256;

/**
 * L1: this instance's bounded LRU of entries, with its tag index. Expiry is checked here against the
 * cache's coarse clock rather than by lru-cache's own TTL, so that a fail-safe entry can outlive its
 * expiry and a hit costs one map read and one comparison.
 */
export class LocalCache {
  private readonly lru: LRUCache<string, CacheEntry>;
  private readonly tags = new TagIndex();

  constructor(
    private readonly clock: CoarseClock,
    maxEntries: number,
    private readonly maxBytes: number,
  ) {
    this.lru = new LRUCache<string, CacheEntry>({
      max: maxEntries,
      ...(maxBytes > 0 ? { maxSize: maxBytes } : {}),
      dispose: (entry, key) => {
        if (entry.tags !== undefined) this.tags.remove(key, entry.tags);
      },
    });
  }

  /** The fast path of every read: the entry when it is fresh, else undefined. */
  fresh(key: string): CacheEntry | undefined {
    const entry = this.lru.get(key);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? entry : undefined;
  }

  /** The entry, fresh or stale, unless it is past even its fail-safe window (then it is dropped). */
  live(key: string): CacheEntry | undefined {
    const entry = this.lru.get(key);
    if (entry !== undefined && entry.staleUntil <= this.clock.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /** textLength: the serialized length when known (maxBytes accounting). */
  store(key: string, entry: CacheEntry, textLength: number | undefined): void {
    if (this.maxBytes > 0) {
      const size = ENTRY_OVERHEAD + 2 * (key.length + (textLength ?? UNKNOWN_TEXT_LENGTH));
      this.lru.set(key, entry, { size });
    } else {
      this.lru.set(key, entry);
    }
    // An entry larger than maxBytes is refused by the LRU: only what was stored is indexed.
    if (entry.tags !== undefined && this.lru.get(key) === entry) this.tags.add(key, entry.tags);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /**
   * Every entry becomes stale now, none is dropped: a read revalidates it (L2, then the loader), and a
   * cache with fail-safe can still serve it within its window when the loader fails. Entries are
   * rewritten in place; staleUntil is kept, so no entry lives longer than it was written to.
   */
  markAllStale(now: number): void {
    for (const entry of this.lru.values()) if (entry.expiresAt > now) entry.expiresAt = now;
  }

  evictTag(tag: string): void {
    for (const key of this.tags.keysOf(tag)) this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
    this.tags.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
