import type { Logger } from '../log/logger.js';
import { SingleFlight } from '../resilience/single-flight.js';
import type { InvalidationBus } from './bus.js';
import type { CoarseClock } from './clock.js';
import { type CacheEntry, EntryCodec } from './entry.js';
import { L2_FAILED, type L2Link } from './l2.js';
import { LocalCache } from './local-cache.js';
import { Counters } from './metrics.js';
import type { ResolvedCacheOptions } from './options.js';
import { secondsToMs } from './options.js';
import { PendingInvalidations } from './pending.js';
import { ReadGuard } from './read-guard.js';
import { RemoteCache } from './remote-cache.js';
import { PendingReplay } from './replay.js';
import { RedisKeys } from './tags.js';
import type { BreakerState, EntryOptions } from './types.js';

/** What the runtime shares with every cache it creates. */
export interface CacheHost {
  clock: CoarseClock;
  logger: Logger;
  link: L2Link | undefined;
  bus: InvalidationBus | undefined;
  /** Runtime prefix, e.g. 'flowfull'. */
  prefix: string;
  /** Delay before replaying pending invalidations after a failed attempt. */
  retryDelayMs: number;
}

/** What a lookup found: a fresh entry, or the newest expired one still kept for fail-safe. */
export interface Lookup {
  hit?: CacheEntry;
  stale?: CacheEntry;
}

export interface PutOptions {
  ttlMs: number;
  /** Extra life past the expiry, for fail-safe. Default 0. */
  staleMs?: number;
  tags?: string[] | undefined;
  /** Store a remembered absence instead of the value. */
  absent?: boolean;
  /** Tell other instances to drop their copy, and record the write for replay if Redis missed it. */
  publish: boolean;
}

/**
 * One cache's tiers and the state they share: L1, L2 (when Redis is configured), the entry codec, the
 * single-flight of its loads, the read guard and the pending invalidations. The HybridCache facade and
 * the get-or-set handler are built on it.
 */
export class CacheStack {
  readonly counters = new Counters();
  readonly local: LocalCache;
  readonly remote: RemoteCache | undefined;
  readonly replay: PendingReplay | undefined;
  readonly pending = new PendingInvalidations();
  readonly entries: EntryCodec;
  readonly flights = new SingleFlight<string, unknown>();
  /** False only for l2First caches with Redis configured. */
  readonly l1First: boolean;
  readonly clock: CoarseClock;
  private readonly guard = new ReadGuard();
  private warnedUnserializable = false;

  constructor(
    private readonly host: CacheHost,
    readonly options: ResolvedCacheOptions,
  ) {
    this.clock = host.clock;
    this.local = new LocalCache(host.clock, options.maxEntries, options.maxBytes);
    const link = host.link;
    this.remote =
      link &&
      new RemoteCache(
        link,
        new RedisKeys(host.prefix, options.namespace),
        options.namespace,
        host.bus,
        this.counters,
      );
    this.replay = this.remote && new PendingReplay(this.pending, this.remote, host.retryDelayMs);
    this.l1First = !options.l2First || link === undefined;
    this.entries = new EntryCodec(
      options.codec,
      options.clone,
      options.jitter,
      link !== undefined,
      options.maxBytes > 0,
    );
  }

  breakerState(): BreakerState {
    return this.host.link?.state ?? 'closed';
  }

  ttlOf(options: EntryOptions | undefined): number {
    return options?.ttl === undefined ? this.options.ttlMs : secondsToMs(options.ttl, 'ttl');
  }

  /** L1 then L2 (or L2 then L1): a fresh entry as hit, else the newest expired one still kept. */
  async lookup(key: string, count: boolean): Promise<Lookup> {
    const local = this.local.live(key);
    if (this.l1First && local !== undefined && local.expiresAt > this.clock.now()) {
      if (count) this.counters.lruHits++;
      return { hit: local };
    }
    const remote = await this.readRemote(key);
    if (remote) {
      if (remote.expiresAt > this.clock.now()) {
        if (count) this.counters.redisHits++;
        return { hit: remote };
      }
      return { stale: remote };
    }
    if (remote === null && !this.l1First) {
      // Strict ordering: a reachable Redis is authoritative, so a local copy it does not have is dropped.
      if (local !== undefined) this.local.delete(key);
      return {};
    }
    const after = this.local.live(key); // a write may have landed while Redis was being asked
    if (after !== undefined && after.expiresAt > this.clock.now()) {
      if (count) this.counters.lruHits++;
      return { hit: after };
    }
    return after === undefined ? {} : { stale: after };
  }

  /** The L2 entry (also filled into L1), null when Redis answered "none", undefined when not asked or failed. */
  private async readRemote(key: string): Promise<CacheEntry | null | undefined> {
    const remote = this.remote;
    if (remote === undefined || !this.pending.allowsRead(key)) return undefined;
    const ticket = this.guard.begin();
    const raw = await remote.read(key);
    const fillable = this.guard.end(key, ticket);
    if (raw === L2_FAILED) return undefined;
    if (raw === null) return null;
    const entry = this.decode(raw);
    if (entry === undefined || this.pending.blocksTags(entry.tags)) return null;
    if (fillable && entry.staleUntil > this.clock.now()) this.local.store(key, entry, raw.length);
    return entry;
  }

  decode(raw: string): CacheEntry | undefined {
    const entry = this.entries.decode(raw);
    if (entry === undefined) this.counters.errors++;
    return entry;
  }

  /** Local write, then the Redis write; never rejects. */
  async put(key: string, value: unknown, options: PutOptions): Promise<void> {
    const now = this.clock.exact();
    const shape = {
      ttlMs: options.ttlMs,
      staleMs: options.staleMs ?? 0,
      tags: options.tags,
      absent: options.absent ?? false,
    };
    const built = this.entries.build(value, now, shape);
    if (built === undefined || !built.serializable) this.warnUnserializable();
    this.guard.written(key);
    if (built === undefined) this.local.delete(key);
    else this.local.store(key, built.entry, built.envelope?.length);
    const remote = this.remote;
    if (remote === undefined) return;
    const ok =
      built?.envelope === undefined
        ? await remote.delete([key]) // keep Redis from serving an older value we could not replace
        : await remote.write(key, built.envelope, built.entry, now, options.publish);
    if (!options.publish) return;
    if (ok) this.pending.settleKeys([key]);
    else this.replay?.markKeys([key]);
  }

  /** A load or an L2 read of key in progress must not store its (possibly older) answer. */
  invalidateKey(key: string): void {
    this.flights.forget(key);
    this.guard.written(key);
  }

  deleteLocal(key: string): void {
    this.local.delete(key);
    this.invalidateKey(key);
  }

  evictTagLocally(tag: string): void {
    this.local.evictTag(tag);
    this.invalidateAll();
  }

  clearLocal(): void {
    this.local.clear();
    this.invalidateAll();
  }

  /** Bus resync: nothing in L1 can be trusted as fresh, yet each entry may still serve fail-safe. */
  markLocalStale(): void {
    this.local.markAllStale(this.clock.exact());
    this.invalidateAll();
  }

  private invalidateAll(): void {
    this.flights.forgetAll();
    this.guard.writtenAll();
  }

  private warnUnserializable(): void {
    this.counters.errors++;
    if (this.warnedUnserializable) return;
    this.warnedUnserializable = true;
    this.host.logger.warn(
      { namespace: this.options.namespace },
      'cache: a value could not be serialized; it is kept in this instance only',
    );
  }
}
