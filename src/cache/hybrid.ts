import { AppError, FlowfullConfigError } from '../errors.js';
import type { MetricPoint, MetricsSource } from '../resilience/metrics.js';
import type { BusMessage } from './bus.js';
import type { CacheEntry } from './entry.js';
import { GetOrSetHandler } from './get-or-set.js';
import { L2_FAILED } from './l2.js';
import type { CacheGauges } from './metrics.js';
import { checkStorable, type ResolvedCacheOptions } from './options.js';
import { DELETE_BATCH } from './replay.js';
import { type CacheHost, CacheStack } from './stack.js';
import type { CacheMetrics, EntryOptions, GetOrSetOptions, HybridCache, Loader } from './types.js';

const NO_OPTIONS: GetOrSetOptions = {};

function undecided(): AppError {
  return new AppError(
    'SERVICE_UNAVAILABLE',
    'cache: Redis could not decide setIfAbsent; nothing was stored',
    {
      retryAfter: 1,
    },
  );
}

/**
 * The HybridCache facade over one cache's tiers (CacheStack): the fast path, writes and their
 * invalidations, setIfAbsent, and what the runtime routes to it (bus messages, resync, replay).
 */
export class TieredCache<T> implements HybridCache<T>, MetricsSource {
  readonly namespace: string;
  private readonly stack: CacheStack;
  private readonly getOrSetHandler: GetOrSetHandler<T>;

  constructor(host: CacheHost, options: ResolvedCacheOptions) {
    this.namespace = options.namespace;
    this.stack = new CacheStack(host, options);
    this.getOrSetHandler = new GetOrSetHandler<T>(this.stack);
  }

  // ---- reads -------------------------------------------------------------------------------------

  /**
   * The one fast path of get and getOrSet: a fresh L1 entry of a cache that reads L1 first, counted as
   * an L1 hit. Everything else goes through the stack's lookup.
   */
  private freshLocal(key: string): CacheEntry | undefined {
    if (!this.stack.l1First) return undefined;
    const entry = this.stack.local.fresh(key);
    if (entry !== undefined) this.stack.counters.lruHits++;
    return entry;
  }

  get(key: string): Promise<T | undefined> {
    const entry = this.freshLocal(key);
    if (entry !== undefined) return Promise.resolve(this.stack.entries.read(entry) as T | undefined);
    return this.getSlow(key);
  }

  getOrSet(key: string, loader: Loader<T>, options?: GetOrSetOptions): Promise<T | undefined> {
    const entry = this.freshLocal(key);
    if (entry !== undefined) return Promise.resolve(this.stack.entries.read(entry) as T | undefined);
    return this.getOrSetHandler.handle(key, loader, options ?? NO_OPTIONS);
  }

  async has(key: string): Promise<boolean> {
    const found = await this.stack.lookup(key, false);
    return found.hit !== undefined && !found.hit.absent;
  }

  private async getSlow(key: string): Promise<T | undefined> {
    const found = await this.stack.lookup(key, true);
    if (found.hit !== undefined) return this.stack.entries.read(found.hit) as T | undefined;
    this.stack.counters.misses++;
    return undefined;
  }

  // ---- writes -------------------------------------------------------------------------------------

  async set(key: string, value: T, options?: EntryOptions): Promise<void> {
    if (value === undefined) {
      await this.delete(key);
      return;
    }
    const ttlMs = this.stack.ttlOf(options);
    this.stack.invalidateKey(key);
    await this.stack.put(key, value, { ttlMs, tags: options?.tags, publish: true });
  }

  delete(key: string): Promise<boolean> {
    return this.deleteMany([key]);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    for (const key of keys) this.stack.deleteLocal(key);
    const { remote, replay, pending } = this.stack;
    if (remote === undefined) return true;
    let propagated = true;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      if (await remote.delete(batch)) pending.settleKeys(batch);
      else {
        replay?.markKeys(batch);
        propagated = false;
      }
    }
    return propagated;
  }

  /**
   * First writer wins. With Redis configured, Redis alone decides (one script); when it cannot (down,
   * breaker open, past its deadline) nothing is stored and the call rejects with SERVICE_UNAVAILABLE:
   * deciding in this instance would let every instance win. Without Redis, this instance decides.
   */
  async setIfAbsent(key: string, value: T, options?: EntryOptions): Promise<T> {
    checkStorable(value, 'setIfAbsent');
    const { stack } = this;
    const now = stack.clock.exact();
    const shape = { ttlMs: stack.ttlOf(options), staleMs: 0, tags: options?.tags, absent: false };
    const built = stack.entries.build(value, now, shape);
    const remote = stack.remote;
    if (built === undefined || (remote !== undefined && built.envelope === undefined)) {
      throw new FlowfullConfigError('cache: setIfAbsent value must be serializable by the cache serializer');
    }
    if (remote === undefined) {
      const current = stack.local.live(key);
      if (current !== undefined && !current.absent && current.expiresAt > now) {
        return stack.entries.read(current) as T;
      }
      stack.invalidateKey(key);
      stack.local.store(key, built.entry, built.envelope?.length);
      return value;
    }
    const envelope = built.envelope as string;
    if (!stack.pending.allowsRead(key)) {
      // Redis may still hold a value deleted during an outage: remove it before asking Redis to decide.
      if (!(await remote.delete([key]))) throw undecided();
      stack.pending.settleKeys([key]);
    }
    const result = await remote.setIfAbsent(key, envelope, built.entry, now);
    if (result === L2_FAILED) throw undecided();
    if (result === null) {
      stack.invalidateKey(key);
      stack.local.store(key, built.entry, envelope.length);
      return value;
    }
    const existing = stack.decode(result);
    if (existing === undefined || existing.absent) throw undecided();
    stack.local.store(key, existing, result.length);
    return stack.entries.read(existing) as T;
  }

  async invalidateTag(tag: string): Promise<void> {
    this.stack.evictTagLocally(tag);
    const { remote, replay } = this.stack;
    if (remote !== undefined && !(await remote.invalidateTag(tag))) replay?.markTag(tag);
  }

  async clear(): Promise<void> {
    this.stack.clearLocal();
    const { remote, replay, pending } = this.stack;
    if (remote === undefined) return;
    const seq = pending.currentSeq;
    if (await remote.clear()) pending.settleUpTo(seq);
    else replay?.markClear();
  }

  // ---- what the runtime routes here --------------------------------------------------------------

  /** An invalidation published by another instance. */
  onBusMessage(message: BusMessage): void {
    this.stack.counters.busInvalidations++;
    if (message.op === 'delete') for (const key of message.keys) this.stack.deleteLocal(key);
    else if (message.op === 'tag') this.stack.evictTagLocally(message.tag);
    else this.stack.clearLocal();
  }

  /**
   * The bus was down: messages may have been lost, so nothing in L1 can be trusted as fresh. Entries
   * are marked stale rather than dropped: a Redis restart must not turn into an outage while the
   * loader's source is down too (fail-safe serves them), and each is revalidated once on its next read.
   */
  resync(): void {
    this.stack.markLocalStale();
  }

  /** Replays invalidations Redis may have missed; called when Redis becomes usable again. */
  flushPending(): Promise<void> {
    return this.stack.replay?.flush() ?? Promise.resolve();
  }

  close(): void {
    this.stack.replay?.close();
  }

  metrics(): CacheMetrics {
    return this.stack.counters.snapshot(this.gauges());
  }

  collectMetrics(): MetricPoint[] {
    return this.stack.counters.points(this.namespace, this.gauges());
  }

  private gauges(): CacheGauges {
    return {
      breakerState: this.stack.breakerState(),
      l1Entries: this.stack.local.size,
      pendingL2: this.stack.pending.size,
    };
  }
}
