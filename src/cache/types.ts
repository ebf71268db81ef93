import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../resilience/clock.js';
import type { ConnectionGate } from '../resilience/gate.js';
import type { LatencySummary } from '../resilience/latency.js';
import type { MetricsSource } from '../resilience/metrics.js';

export type { LatencySummary } from '../resilience/latency.js';

/** Defaults: CACHE_DEFAULTS (src/cache/defaults.ts), where each is stated once. */
export interface CacheRuntimeOptions {
  /** false: every cache is a pass-through to its loader (CACHE_ENABLED). */
  enabled?: boolean;
  /** Absent (and no `redis`): L1 only, with one log line saying so. */
  redisUrl?: string;
  /** Global key prefix of every cache of this runtime in Redis (CACHE_PREFIX). */
  prefix?: string;
  /** Seconds (CACHE_TTL). */
  defaultTtl?: number;
  /** Default L1 bound per cache in entries (CACHE_L1_MAX_ENTRIES). */
  l1MaxEntries?: number;
  /** Default L1 bound per cache in approximate bytes (CACHE_L1_MAX_BYTES); 0: entries only. */
  l1MaxBytes?: number;
  /** Deadline of each Redis command in ms (CACHE_L2_TIMEOUT_MS). */
  l2TimeoutMs?: number;
  /** Consecutive Redis errors or timeouts that open the breaker (CACHE_BREAKER_THRESHOLD). */
  breakerThreshold?: number;
  /** Time the breaker stays open before a background probe (CACHE_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs?: number;
  /** Cross-instance L1 invalidation through Redis pub/sub (CACHE_BUS_ENABLED). */
  busEnabled?: boolean;
  logger?: Logger;
  /**
   * Time of TTLs, expiries and the breaker's cooldown; default the system clock (read coarsely on the
   * hit path). Tests pass a ManualClock and move time instead of sleeping.
   */
  clock?: Clock;
  /**
   * An existing ioredis command connection to share. The runtime does not quit it on close().
   * Configure it with `enableOfflineQueue: false` so that commands fail fast while it is disconnected.
   */
  redis?: Redis;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CacheHealth {
  status: 'up' | 'degraded' | 'disabled';
  redis: 'up' | 'down' | 'not_configured';
  breaker: BreakerState;
}

/** collectMetrics(): every cache's figures labelled by namespace, plus the Redis breaker. */
export interface CacheRuntime extends MetricsSource {
  /** One cache per namespace; all caches of a runtime share one command and one subscriber connection. */
  createCache<T>(options: CacheOptions): HybridCache<T>;
  /** The shared command connection (for atomic operations elsewhere); undefined without Redis. */
  readonly redis: Redis | undefined;
  /**
   * The deadline and the one breaker of that connection, for every store and limiter that shares it
   * (the state store, the token store): a frozen Redis is learnt once, by all of them. Undefined without Redis.
   */
  readonly gate: ConnectionGate | undefined;
  /** Breaker closed and connection ready. */
  l2Usable(): boolean;
  health(): CacheHealth;
  /** Per namespace. */
  metrics(): Record<string, CacheMetrics>;
  /**
   * Resolves true once Redis is usable and the bus is subscribed (immediately without Redis), false
   * when that has not happened within timeoutMs. Startup and tests use it; requests never need to.
   */
  whenReady(timeoutMs?: number): Promise<boolean>;
  /** Quits the connections this runtime opened and clears its timers. */
  close(): Promise<void>;
}

export interface Serializer {
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
}

export interface CacheOptions {
  /** Key prefix of this cache: letters, digits, '_', '-', '.'. One cache per namespace per runtime. */
  namespace: string;
  /** Seconds; default the runtime's defaultTtl. */
  ttl?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** The seed's strict ordering: read Redis before L1 while Redis is usable. */
  l2First?: boolean;
  /** 0..1: fraction of the TTL randomly subtracted from each entry's TTL. */
  jitter?: number;
  /** Default JSON. */
  serializer?: Serializer;
  /**
   * true: L1 keeps the serialized form and every read returns a fresh copy. false (default): L1 keeps
   * the object itself, and every reader shares it, so a caller that mutates a returned value mutates
   * the cached value of this instance.
   */
  cloneOnL1?: boolean;
}

export interface EntryOptions {
  /** Seconds; overrides the cache's TTL for this entry. */
  ttl?: number;
  tags?: string[];
}

export interface GetOrSetOptions extends EntryOptions {
  /** Serve a stale value when the loader fails, for at most this long past its expiry. */
  failSafe?: { maxStaleSeconds: number };
  /** With a stale value available (fail-safe), return it after this long and let the loader finish. */
  softTimeoutMs?: number;
}

declare const absentBrand: unique symbol;
/** Opaque "no value" marker returned by LoaderContext.absent(); getOrSet returns undefined for it. */
export interface Absent {
  readonly [absentBrand]: true;
}

export interface LoaderContext<T> {
  /** Negative cache: remember "no value" for ttlSeconds. */
  absent(ttlSeconds: number): Absent;
  /** The expired value kept by fail-safe, if any. */
  stale?: T;
}

export type Loader<T> = (ctx: LoaderContext<T>) => Promise<T | Absent>;

export interface CacheMetrics {
  /** get and getOrSet calls. */
  totalRequests: number;
  /** lruHits + redisHits + coalesced. */
  cacheHits: number;
  /** Calls that found no fresh value at any level. */
  cacheMisses: number;
  redisHits: number;
  lruHits: number;
  /** Loader calls. */
  dbHits: number;
  /** Redis command failures (timeouts included) and undecodable entries. */
  errors: number;
  /** cacheHits / totalRequests in percent, two decimals. */
  hitRate: number;
  /** Redis commands of this cache that exceeded the L2 timeout. */
  timeouts: number;
  breakerState: BreakerState;
  loaderLatencyMs: LatencySummary;
  /** getOrSet calls that joined a load already in flight (counted as hits). */
  coalesced: number;
  /** Stale values served by fail-safe (loader error) or soft timeout. */
  staleServed: number;
  softTimeouts: number;
  loaderErrors: number;
  /** Writes and invalidations waiting to be replayed on Redis when it is usable again. */
  pendingL2: number;
  /** Invalidations received from other instances. */
  busInvalidations: number;
  l1Entries: number;
}

export interface HybridCache<T> {
  readonly namespace: string;
  get(key: string): Promise<T | undefined>;
  /** set(key, undefined) is delete(key); null is a value. */
  set(key: string, value: T, options?: EntryOptions): Promise<void>;
  /**
   * Removes the key from this instance at once, then from Redis and (through the bus) every instance.
   * Resolves true when Redis took it (or there is no Redis), false when only this instance has applied
   * it so far: it is queued and replayed when Redis is usable again. Never rejects for Redis trouble.
   */
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<boolean>;
  has(key: string): Promise<boolean>;
  getOrSet(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    options?: GetOrSetOptions,
  ): Promise<T | undefined>;
  /**
   * First writer wins; returns the stored value. With Redis configured Redis decides, atomically
   * across instances; when it cannot (unreachable, breaker open, past its deadline) nothing is stored
   * and the call rejects with AppError SERVICE_UNAVAILABLE (503), never "won" in this instance alone.
   */
  setIfAbsent(key: string, value: T, options?: EntryOptions): Promise<T>;
  invalidateTag(tag: string): Promise<void>;
  /** Empties this namespace (L1 of every instance, and Redis). */
  clear(): Promise<void>;
  metrics(): CacheMetrics;
}
