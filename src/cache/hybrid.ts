import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BusMessage, InvalidationBus } from './bus.js';
import type { CoarseClock } from './clock.js';
import { type Codec, decodeEnvelope, encodeEnvelope } from './codec.js';
import { L2_FAILED, type L2Link } from './l2.js';
import { Counters } from './metrics.js';
import { PendingWrites } from './pending.js';
import { DELETE_KEYS, INVALIDATE_TAG, runScript, SET_ENTRY, SET_IF_ABSENT } from './scripts.js';
import type {
  Absent,
  CacheMetrics,
  EntryOptions,
  GetOrSetOptions,
  HybridCache,
  LoaderContext,
} from './types.js';

/** L1's value for a remembered absence (negative cache). */
const ABSENT: unique symbol = Symbol('absent');

class AbsentMarker {
  constructor(readonly ttlMs: number) {}
}

function absent(ttlSeconds: number): Absent {
  return new AbsentMarker(secondsToMs(ttlSeconds, 'absent ttl')) as unknown as Absent;
}

export function secondsToMs(seconds: number, what: string): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new AppError('CACHE_INVALID_OPTION', `cache: ${what} must be a positive number of seconds`, {
      status: 500,
    });
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/**
 * One L1 entry. x: logical expiry (epoch ms); s: physical end (x, or later by the fail-safe window);
 * v: the value itself, its serialized text when cloneOnL1, or ABSENT.
 */
interface L1Entry {
  v: unknown;
  x: number;
  s: number;
  t: string[] | undefined;
}

interface Lookup {
  hit?: L1Entry;
  stale?: L1Entry;
}

/** One getOrSet load in progress; invalidated when the key is written or deleted meanwhile. */
interface Flight<T> {
  invalidated: boolean;
  result: Promise<T | undefined>;
}

export interface CacheHost {
  clock: CoarseClock;
  logger: Logger;
  l2: L2Link | undefined;
  bus: InvalidationBus | undefined;
  /** Runtime prefix, e.g. 'flowfull'. */
  prefix: string;
  /** Delay before replaying pending invalidations after a failed attempt. */
  retryDelayMs: number;
}

export interface ResolvedCacheOptions {
  namespace: string;
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  l2First: boolean;
  jitter: number;
  codec: Codec;
  clone: boolean;
}

const NO_OPTIONS: GetOrSetOptions = {};
const DELETE_BATCH = 500;
const SCAN_COUNT = 1000;
// Approximate per-entry overhead in bytes (entry object, key, LRU bookkeeping) for maxBytes accounting.
const ENTRY_OVERHEAD = 96;

/** Checked before the loader runs, so that a bad option never surfaces after a successful load. */
function checkGetOrSetOptions(options: GetOrSetOptions): void {
  if (options.ttl !== undefined) secondsToMs(options.ttl, 'ttl');
  if (options.failSafe !== undefined) secondsToMs(options.failSafe.maxStaleSeconds, 'maxStaleSeconds');
  const soft = options.softTimeoutMs;
  if (soft !== undefined && !(typeof soft === 'number' && soft >= 0 && Number.isFinite(soft))) {
    throw new AppError('CACHE_INVALID_OPTION', 'cache: softTimeoutMs must be a number of ms >= 0', {
      status: 500,
    });
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export class HybridCacheImpl<T> implements HybridCache<T> {
  readonly namespace: string;
  readonly counters = new Counters();
  private readonly l1: LRUCache<string, L1Entry>;
  /** False only for l2First caches with Redis configured. */
  private readonly l1First: boolean;
  private readonly clone: boolean;
  private readonly clock: CoarseClock;
  private readonly l2: L2Link | undefined;
  private readonly bus: InvalidationBus | undefined;
  private readonly dataPrefix: string;
  private readonly tagPrefix: string;
  private readonly flights = new Map<string, Flight<T>>();
  private readonly tagIndex = new Map<string, Set<string>>();
  private readonly pending = new PendingWrites();
  /**
   * Guards L2 reads against writes that land while they are in flight: such a read's answer may predate
   * the write and must not fill L1. Every local write or invalidation bumps writeSeq; while reads are in
   * flight, writes also note their key. A read costs two counter updates when nothing is written.
   */
  private writeSeq = 0;
  private readsInFlight = 0;
  private readonly writtenDuringReads = new Map<string, number>();
  private wholeInvalidatedAt = 0;
  private flushing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private warnedUnserializable = false;

  constructor(
    private readonly host: CacheHost,
    private readonly options: ResolvedCacheOptions,
  ) {
    this.namespace = options.namespace;
    this.clock = host.clock;
    this.l2 = host.l2;
    this.bus = host.bus;
    this.l1First = !options.l2First || host.l2 === undefined;
    this.clone = options.clone;
    this.dataPrefix = `${host.prefix}:${options.namespace}:v:`;
    this.tagPrefix = `${host.prefix}:${options.namespace}:t:`;
    this.l1 = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      ...(options.maxBytes > 0 ? { maxSize: options.maxBytes } : {}),
      dispose: (entry, key) => {
        if (entry.t !== undefined) this.untag(key, entry.t);
      },
    });
  }

  // ---- reads -------------------------------------------------------------------------------------

  get(key: string): Promise<T | undefined> {
    if (this.l1First) {
      const e = this.l1.get(key);
      if (e !== undefined && e.x > this.clock.now()) {
        this.counters.lruHits++;
        return Promise.resolve(e.v === ABSENT ? undefined : this.clone ? this.fromText(e.v) : (e.v as T));
      }
    }
    return this.getSlow(key);
  }

  getOrSet(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    options?: GetOrSetOptions,
  ): Promise<T | undefined> {
    if (this.l1First) {
      const e = this.l1.get(key);
      if (e !== undefined && e.x > this.clock.now()) {
        this.counters.lruHits++;
        return Promise.resolve(e.v === ABSENT ? undefined : this.clone ? this.fromText(e.v) : (e.v as T));
      }
    }
    const flight = this.flights.get(key);
    if (flight !== undefined) {
      this.counters.coalesced++;
      return flight.result;
    }
    return this.fly(key, loader, options ?? NO_OPTIONS);
  }

  async has(key: string): Promise<boolean> {
    const found = await this.lookup(key, false);
    return found.hit !== undefined && found.hit.v !== ABSENT;
  }

  private async getSlow(key: string): Promise<T | undefined> {
    const found = await this.lookup(key, true);
    if (found.hit !== undefined) return this.valueOf(found.hit);
    this.counters.misses++;
    return undefined;
  }

  private valueOf(entry: L1Entry): T | undefined {
    if (entry.v === ABSENT) return undefined;
    return this.clone ? this.fromText(entry.v) : (entry.v as T);
  }

  private fromText(text: unknown): T {
    return this.options.codec.fromText(text as string) as T;
  }

  /** L1 then L2 (or L2 then L1): a fresh entry as hit, else the newest expired one still kept. */
  private async lookup(key: string, count: boolean): Promise<Lookup> {
    const local = this.liveLocal(key);
    if (this.l1First && local !== undefined && local.x > this.clock.now()) {
      if (count) this.counters.lruHits++;
      return { hit: local };
    }
    const remote = await this.readRemote(key);
    if (remote) {
      if (remote.x > this.clock.now()) {
        if (count) this.counters.redisHits++;
        return { hit: remote };
      }
      return { stale: remote };
    }
    if (remote === null && !this.l1First) {
      // Strict ordering: a reachable Redis is authoritative, so a local copy it does not have is dropped.
      if (local !== undefined) this.l1.delete(key);
      return {};
    }
    const after = this.liveLocal(key); // a write may have landed while Redis was being asked
    if (after !== undefined && after.x > this.clock.now()) {
      if (count) this.counters.lruHits++;
      return { hit: after };
    }
    return after === undefined ? {} : { stale: after };
  }

  /** The L1 entry unless it is past even its fail-safe window. */
  private liveLocal(key: string): L1Entry | undefined {
    const e = this.l1.get(key);
    if (e !== undefined && e.s <= this.clock.now()) {
      this.l1.delete(key);
      return undefined;
    }
    return e;
  }

  /** The L2 entry (also filled into L1), null when Redis answered "none", undefined when not asked or failed. */
  private async readRemote(key: string): Promise<L1Entry | null | undefined> {
    const l2 = this.l2;
    if (l2 === undefined || !this.pending.allowsRead(key)) return undefined;
    const seq = this.writeSeq;
    this.readsInFlight++;
    const raw = await l2.run(this.counters, (redis) => redis.get(this.dataPrefix + key));
    const fillable = seq === this.writeSeq || this.unwrittenSince(key, seq);
    if (--this.readsInFlight === 0 && this.writtenDuringReads.size > 0) this.writtenDuringReads.clear();
    if (raw === L2_FAILED) return undefined;
    if (raw === null) return null;
    const entry = this.entryFromRaw(raw);
    if (entry === undefined || this.pending.blocksTags(entry.t)) return null;
    if (fillable && entry.s > this.clock.now()) this.storeLocal(key, entry, raw.length);
    return entry;
  }

  private entryFromRaw(raw: string): L1Entry | undefined {
    const env = decodeEnvelope(raw);
    if (env === undefined) {
      this.counters.errors++;
      return undefined;
    }
    const tags = Array.isArray(env.t) ? env.t : undefined;
    const s = typeof env.s === 'number' ? env.s : env.e;
    if (env.a === 1) return { v: ABSENT, x: env.e, s, t: tags };
    try {
      const v = this.clone
        ? this.options.codec.textFromEnvelope(env.v)
        : this.options.codec.fromEnvelope(env.v);
      return { v, x: env.e, s, t: tags };
    } catch {
      this.counters.errors++;
      return undefined;
    }
  }

  // ---- getOrSet: single flight, loader, fail-safe -------------------------------------------------

  private fly(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    options: GetOrSetOptions,
  ): Promise<T | undefined> {
    try {
      checkGetOrSetOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const flight = { invalidated: false } as Flight<T>;
    this.flights.set(key, flight);
    flight.result = this.runFlight(key, loader, options, flight);
    return flight.result;
  }

  private async runFlight(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    options: GetOrSetOptions,
    flight: Flight<T>,
  ): Promise<T | undefined> {
    let found: Lookup;
    try {
      found = await this.lookup(key, true);
      if (found.hit !== undefined) {
        this.land(key, flight);
        return this.valueOf(found.hit);
      }
    } catch (error) {
      this.land(key, flight); // never leave a failed flight for later callers to join
      throw error;
    }
    this.counters.misses++;
    return this.load(key, loader, options, flight, this.usableStale(found.stale, options));
  }

  private usableStale(stale: L1Entry | undefined, options: GetOrSetOptions): L1Entry | undefined {
    if (stale === undefined || stale.v === ABSENT || options.failSafe === undefined) return undefined;
    const now = this.clock.now();
    const graceEnd = stale.x + options.failSafe.maxStaleSeconds * 1000;
    return now < stale.s && now < graceEnd ? stale : undefined;
  }

  private land(key: string, flight: Flight<T>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }

  private load(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    options: GetOrSetOptions,
    flight: Flight<T>,
    stale: L1Entry | undefined,
  ): Promise<T | undefined> {
    const ctx: LoaderContext<T> = { absent };
    if (stale !== undefined) ctx.stale = this.valueOf(stale);
    this.counters.loaderCalls++;
    const started = performance.now();
    let call: Promise<T | Absent>;
    try {
      call = Promise.resolve(loader(ctx));
    } catch (error) {
      call = Promise.reject(error);
    }
    const loading = call.then(
      (result) => {
        this.counters.loaderLatency.record(performance.now() - started);
        this.land(key, flight);
        return this.keep(key, result, options, flight);
      },
      (error: unknown) => {
        this.counters.loaderLatency.record(performance.now() - started);
        this.counters.loaderErrors++;
        this.land(key, flight);
        if (stale === undefined) throw error;
        this.counters.staleServed++;
        return this.valueOf(stale);
      },
    );
    if (stale === undefined || options.softTimeoutMs === undefined) return loading;
    return this.withSoftTimeout(loading, stale, options.softTimeoutMs);
  }

  /** The stale value after ms, while the loader goes on and stores its result when it finishes. */
  private withSoftTimeout(
    loading: Promise<T | undefined>,
    stale: L1Entry,
    ms: number,
  ): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.counters.softTimeouts++;
        this.counters.staleServed++;
        resolve(this.valueOf(stale));
      }, ms);
      loading.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Stores a loader's result (unless the key was written meanwhile) and returns what the caller gets. */
  private keep(key: string, result: T | Absent, options: GetOrSetOptions, flight: Flight<T>): T | undefined {
    if (result instanceof AbsentMarker) {
      if (!flight.invalidated) void this.put(key, ABSENT, result.ttlMs, 0, undefined, false);
      return undefined;
    }
    if (result === undefined) return undefined;
    if (!flight.invalidated) {
      const staleMs = options.failSafe ? secondsToMs(options.failSafe.maxStaleSeconds, 'maxStaleSeconds') : 0;
      // The Redis write goes on in the background: the caller has its value already.
      void this.put(key, result, this.ttlOf(options), staleMs, options.tags, false);
    }
    return result as T;
  }

  // ---- writes -------------------------------------------------------------------------------------

  async set(key: string, value: T, options?: EntryOptions): Promise<void> {
    if (value === undefined) return this.delete(key);
    this.invalidateKey(key);
    await this.put(key, value, this.ttlOf(options), 0, options?.tags, true);
  }

  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.l1.delete(key);
      this.invalidateKey(key);
    }
    if (this.l2 === undefined) return;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      if (await this.deleteRemote(batch)) this.pending.settleKeys(batch);
      else this.markPendingKeys(batch);
    }
  }

  async setIfAbsent(key: string, value: T, options?: EntryOptions): Promise<T> {
    if (value === undefined) {
      throw new AppError('CACHE_INVALID_VALUE', 'cache: setIfAbsent cannot store undefined', { status: 500 });
    }
    const now = this.clock.exact();
    const entry = this.newEntry(value, now, this.ttlOf(options), 0, options?.tags);
    if (entry === undefined) return value;
    if (this.l2 !== undefined && entry.envelope !== undefined && this.pending.allowsRead(key)) {
      const won = await this.setIfAbsentRemote(key, entry.envelope, entry.entry, now);
      if (won !== L2_FAILED) {
        if (won === true) {
          this.invalidateKey(key);
          this.storeLocal(key, entry.entry, entry.envelope.length);
          return value;
        }
        return won;
      }
      this.markPendingKeys([key]);
    }
    const current = this.liveLocal(key);
    if (current !== undefined && current.v !== ABSENT && current.x > now) return this.valueOf(current) as T;
    this.invalidateKey(key);
    this.storeLocal(key, entry.entry, entry.envelope?.length);
    return value;
  }

  /** true: ours was stored; T: the value already there; L2_FAILED: Redis could not decide. */
  private async setIfAbsentRemote(
    key: string,
    envelope: string,
    entry: L1Entry,
    now: number,
  ): Promise<true | T | typeof L2_FAILED> {
    const rkey = this.dataPrefix + key;
    const message = this.bus ? this.bus.encode(this.namespace, 'd', [key]) : '';
    const keys = [rkey, ...this.tagKeys(entry.t)];
    const args = [envelope, Math.max(1, entry.s - now), this.bus?.channel ?? '', message, now];
    const result = await this.l2!.run(this.counters, (redis) => runScript(redis, SET_IF_ABSENT, keys, args));
    if (result === L2_FAILED) return L2_FAILED;
    if (typeof result !== 'string') return true;
    const existing = this.entryFromRaw(result);
    if (existing === undefined || existing.v === ABSENT) return L2_FAILED;
    this.storeLocal(key, existing, result.length);
    return this.valueOf(existing) as T;
  }

  async invalidateTag(tag: string): Promise<void> {
    this.evictTagLocally(tag);
    if (this.l2 === undefined) return;
    if (!(await this.invalidateTagRemote(tag))) {
      this.pending.markTag(tag);
      this.scheduleFlush();
    }
  }

  async clear(): Promise<void> {
    this.clearLocal();
    if (this.l2 === undefined) return;
    const seq = this.pending.currentSeq;
    if (await this.clearRemote()) this.pending.settleUpTo(seq);
    else {
      this.pending.markClear();
      this.scheduleFlush();
    }
  }

  /**
   * Builds the L1 entry and, when Redis or L1 needs it, its serialized envelope. A value that cannot be
   * serialized stays in this instance's L1 only (never with cloneOnL1, which needs the text).
   */
  private newEntry(
    value: unknown,
    now: number,
    ttlMs: number,
    staleMs: number,
    tags: string[] | undefined,
  ): { entry: L1Entry; envelope: string | undefined } | undefined {
    const x = now + this.jittered(ttlMs);
    const t = tags !== undefined && tags.length > 0 ? tags : undefined;
    const entry: L1Entry = { v: value, x, s: x + staleMs, t };
    const needText = this.l2 !== undefined || this.clone || this.options.maxBytes > 0;
    if (value === ABSENT) {
      return { entry, envelope: needText ? encodeEnvelope(x, entry.s, t, undefined) : undefined };
    }
    if (!needText) return { entry, envelope: undefined };
    const codec = this.options.codec;
    const text = this.clone ? codec.toText(value) : undefined;
    const payload = !this.clone
      ? codec.payload(value)
      : text === undefined
        ? undefined
        : codec.payloadFromText(text);
    if (payload === undefined) {
      this.warnUnserializable();
      return this.clone ? undefined : { entry, envelope: undefined };
    }
    if (this.clone) entry.v = text;
    return { entry, envelope: encodeEnvelope(x, entry.s, t, payload) };
  }

  /** Local write, then the Redis write; never rejects. publish: tell other instances to drop their copy. */
  private async put(
    key: string,
    value: unknown,
    ttlMs: number,
    staleMs: number,
    tags: string[] | undefined,
    publish: boolean,
  ): Promise<void> {
    const now = this.clock.exact();
    const built = this.newEntry(value, now, ttlMs, staleMs, tags);
    this.invalidateReads(key);
    if (built === undefined) this.l1.delete(key);
    else this.storeLocal(key, built.entry, built.envelope?.length);
    if (this.l2 === undefined) return;
    const ok =
      built?.envelope === undefined
        ? await this.deleteRemote([key]) // keep Redis from serving an older value we could not replace
        : await this.writeRemote(key, built.envelope, built.entry, now, publish);
    if (!publish) return;
    if (ok) this.pending.settleKeys([key]);
    else this.markPendingKeys([key]);
  }

  private async writeRemote(
    key: string,
    envelope: string,
    entry: L1Entry,
    now: number,
    publish: boolean,
  ): Promise<boolean> {
    const rkey = this.dataPrefix + key;
    const pttl = Math.max(1, entry.s - now);
    const message = publish && this.bus ? this.bus.encode(this.namespace, 'd', [key]) : '';
    const result =
      entry.t === undefined && message === ''
        ? await this.l2!.run(this.counters, (redis) => redis.set(rkey, envelope, 'PX', pttl))
        : await this.l2!.run(this.counters, (redis) =>
            runScript(
              redis,
              SET_ENTRY,
              [rkey, ...this.tagKeys(entry.t)],
              [envelope, pttl, this.bus?.channel ?? '', message],
            ),
          );
    return result !== L2_FAILED;
  }

  private async deleteRemote(keys: string[]): Promise<boolean> {
    const message = this.bus ? this.bus.encode(this.namespace, 'd', keys) : '';
    const rkeys = keys.map((key) => this.dataPrefix + key);
    const result = await this.l2!.run(this.counters, (redis) =>
      runScript(redis, DELETE_KEYS, rkeys, [this.bus?.channel ?? '', message]),
    );
    return result !== L2_FAILED;
  }

  private async invalidateTagRemote(tag: string): Promise<boolean> {
    const message = this.bus ? this.bus.encode(this.namespace, 't', undefined, tag) : '';
    const result = await this.l2!.run(this.counters, (redis) =>
      runScript(redis, INVALIDATE_TAG, [this.tagPrefix + tag], [this.bus?.channel ?? '', message]),
    );
    return result !== L2_FAILED;
  }

  /** SCAN (never KEYS) over this namespace, UNLINK in batches, then one bus message. */
  private async clearRemote(): Promise<boolean> {
    const l2 = this.l2!;
    const pattern = `${escapeGlob(`${this.host.prefix}:${this.namespace}:`)}*`;
    let cursor = '0';
    do {
      const page = await l2.run(this.counters, (redis) =>
        redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT),
      );
      if (page === L2_FAILED) return false;
      const [next, keys] = page;
      if (keys.length > 0 && (await l2.run(this.counters, (redis) => redis.unlink(...keys))) === L2_FAILED) {
        return false;
      }
      cursor = next;
    } while (cursor !== '0');
    if (this.bus === undefined) return true;
    const message = this.bus.encode(this.namespace, 'c');
    const channel = this.bus.channel;
    return (await l2.run(this.counters, (redis) => redis.publish(channel, message))) !== L2_FAILED;
  }

  // ---- L1 bookkeeping -------------------------------------------------------------------------------

  private storeLocal(key: string, entry: L1Entry, textLength: number | undefined): void {
    if (this.options.maxBytes > 0) {
      const size = ENTRY_OVERHEAD + 2 * (key.length + (textLength ?? 256));
      this.l1.set(key, entry, { size });
    } else {
      this.l1.set(key, entry);
    }
    if (entry.t !== undefined && this.l1.get(key) === entry) {
      for (const tag of entry.t) {
        let keys = this.tagIndex.get(tag);
        if (keys === undefined) {
          keys = new Set();
          this.tagIndex.set(tag, keys);
        }
        keys.add(key);
      }
    }
  }

  private untag(key: string, tags: string[]): void {
    for (const tag of tags) {
      const keys = this.tagIndex.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.tagIndex.delete(tag);
    }
  }

  private evictTagLocally(tag: string): void {
    const keys = this.tagIndex.get(tag);
    if (keys !== undefined) for (const key of [...keys]) this.l1.delete(key);
    this.invalidateAll();
  }

  private clearLocal(): void {
    this.l1.clear();
    this.tagIndex.clear();
    this.invalidateAll();
  }

  /** A load or an L2 read of key in progress must not store its (possibly older) answer. */
  private invalidateKey(key: string): void {
    const flight = this.flights.get(key);
    if (flight !== undefined) flight.invalidated = true;
    this.invalidateReads(key);
  }

  private invalidateReads(key: string): void {
    this.writeSeq++;
    if (this.readsInFlight > 0) this.writtenDuringReads.set(key, this.writeSeq);
  }

  private unwrittenSince(key: string, seq: number): boolean {
    return this.wholeInvalidatedAt <= seq && (this.writtenDuringReads.get(key) ?? 0) <= seq;
  }

  private invalidateAll(): void {
    for (const flight of this.flights.values()) flight.invalidated = true;
    this.writeSeq++;
    this.wholeInvalidatedAt = this.writeSeq;
  }

  private ttlOf(options: EntryOptions | undefined): number {
    return options?.ttl === undefined ? this.options.ttlMs : secondsToMs(options.ttl, 'ttl');
  }

  private jittered(ttlMs: number): number {
    if (this.options.jitter === 0) return ttlMs;
    return Math.max(1, Math.round(ttlMs * (1 - this.options.jitter * Math.random())));
  }

  private warnUnserializable(): void {
    this.counters.errors++;
    if (this.warnedUnserializable) return;
    this.warnedUnserializable = true;
    this.host.logger.warn(
      { namespace: this.namespace },
      'cache: a value could not be serialized; it is kept in this instance only',
    );
  }

  // ---- pending replay and bus ------------------------------------------------------------------

  private markPendingKeys(keys: string[]): void {
    this.pending.markKeys(keys);
    this.scheduleFlush();
  }

  /** A retry for writes that failed while Redis still looked usable (no recovery event will come). */
  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.l2?.usable()) void this.flushPending();
    }, this.host.retryDelayMs);
    this.flushTimer.unref();
  }

  /** Replays invalidations Redis may have missed; called when Redis becomes usable again. */
  async flushPending(): Promise<void> {
    if (this.flushing || this.pending.size === 0 || this.l2 === undefined) return;
    this.flushing = true;
    try {
      // Records added while replaying, or a replay cut short, get another attempt.
      if (!(await this.replay()) || this.pending.size > 0) this.scheduleFlush();
    } finally {
      this.flushing = false;
    }
  }

  private async replay(): Promise<boolean> {
    const snap = this.pending.snapshot();
    if (snap.clear !== 0) {
      if (!(await this.clearRemote())) return false;
      this.pending.settleUpTo(snap.clear);
    }
    for (const [tag, seq] of snap.tags) {
      if (!(await this.invalidateTagRemote(tag))) return false;
      this.pending.settleTag(tag, seq);
    }
    for (let i = 0; i < snap.keys.length; i += DELETE_BATCH) {
      const batch = snap.keys.slice(i, i + DELETE_BATCH);
      if (!(await this.deleteRemote(batch.map(([key]) => key)))) return false;
      for (const [key, seq] of batch) this.pending.settleKey(key, seq);
    }
    return true;
  }

  /** An invalidation published by another instance. */
  onBusMessage(message: BusMessage): void {
    this.counters.busInvalidations++;
    if (message.o === 'd' && Array.isArray(message.k)) {
      for (const key of message.k) {
        this.l1.delete(key);
        this.invalidateKey(key);
      }
    } else if (message.o === 't' && typeof message.g === 'string') {
      this.evictTagLocally(message.g);
    } else if (message.o === 'c') {
      this.clearLocal();
    }
  }

  /** The bus was down: messages may have been lost, so nothing in L1 can be trusted. */
  resync(): void {
    this.clearLocal();
  }

  close(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  metrics(): CacheMetrics {
    return this.counters.snapshot(this.l2?.state ?? 'closed', this.l1.size, this.pending.size);
  }

  private tagKeys(tags: string[] | undefined): string[] {
    return tags === undefined ? [] : tags.map((tag) => this.tagPrefix + tag);
  }
}
