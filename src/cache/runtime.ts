import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { InvalidationBus } from './bus.js';
import { CoarseClock } from './clock.js';
import { type Codec, jsonCodec, serializerCodec } from './codec.js';
import { HybridCacheImpl, type ResolvedCacheOptions, secondsToMs } from './hybrid.js';
import { cacheRedisOptions, createRedisConnection, L2Link } from './l2.js';
import { PassThroughCache } from './passthrough.js';
import type {
  CacheHealth,
  CacheMetrics,
  CacheOptions,
  CacheRuntime,
  CacheRuntimeOptions,
  HybridCache,
} from './types.js';

const NAMESPACE = /^[A-Za-z0-9_.-]{1,100}$/;

interface Settings {
  enabled: boolean;
  prefix: string;
  defaultTtl: number;
  l1MaxEntries: number;
  l1MaxBytes: number;
  l2TimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  busEnabled: boolean;
}

function invalid(message: string): AppError {
  return new AppError('CACHE_INVALID_OPTION', `cache: ${message}`, { status: 500 });
}

function positiveInt(value: number | undefined, fallback: number, name: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw invalid(`${name} must be an integer >= ${min}`);
  return v;
}

function settingsOf(options: CacheRuntimeOptions): Settings {
  return {
    enabled: options.enabled ?? true,
    prefix: options.prefix ?? 'flowfull',
    defaultTtl: options.defaultTtl ?? 300,
    l1MaxEntries: positiveInt(options.l1MaxEntries, 10_000, 'l1MaxEntries'),
    l1MaxBytes: positiveInt(options.l1MaxBytes, 0, 'l1MaxBytes', 0),
    l2TimeoutMs: positiveInt(options.l2TimeoutMs, 50, 'l2TimeoutMs'),
    breakerThreshold: positiveInt(options.breakerThreshold, 3, 'breakerThreshold'),
    breakerCooldownMs: positiveInt(options.breakerCooldownMs, 2000, 'breakerCooldownMs'),
    busEnabled: options.busEnabled ?? true,
  };
}

function resolveCacheOptions(options: CacheOptions, settings: Settings): ResolvedCacheOptions {
  if (typeof options.namespace !== 'string' || !NAMESPACE.test(options.namespace)) {
    throw invalid('namespace must be 1-100 characters of letters, digits, "_", "-" or "."');
  }
  const jitter = options.jitter ?? 0;
  if (!(jitter >= 0 && jitter <= 1)) throw invalid('jitter must be between 0 and 1');
  const codec: Codec = options.serializer ? serializerCodec(options.serializer) : jsonCodec;
  return {
    namespace: options.namespace,
    ttlMs: secondsToMs(options.ttl ?? settings.defaultTtl, 'ttl'),
    maxEntries: positiveInt(options.maxEntries, settings.l1MaxEntries, 'maxEntries'),
    maxBytes: positiveInt(options.maxBytes, settings.l1MaxBytes, 'maxBytes', 0),
    l2First: options.l2First ?? false,
    jitter,
    codec,
    clone: options.cloneOnL1 ?? false,
  };
}

/** quit() with a deadline: a frozen Redis never answers QUIT. */
async function quitSafely(connection: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    connection.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 300);
    }),
  ]);
  clearTimeout(timer);
  connection.disconnect();
}

/**
 * Builds the caches of one process (or one test): one shared Redis command connection, one subscriber
 * connection for the invalidation bus, one breaker, any number of namespaces.
 */
export function createCacheRuntime(options: CacheRuntimeOptions = {}): CacheRuntime {
  const settings = settingsOf(options);
  secondsToMs(settings.defaultTtl, 'defaultTtl');
  const logger: Logger = options.logger ?? silentLogger();
  const clock = new CoarseClock();
  const caches = new Map<string, HybridCacheImpl<unknown> | PassThroughCache<unknown>>();
  const instanceId = randomBytes(8).toString('hex');
  const ownsRedis = options.redis === undefined && options.redisUrl !== undefined;
  const redis =
    options.redis ??
    (options.redisUrl
      ? createRedisConnection(options.redisUrl, { connectionName: `${settings.prefix}:cache` })
      : undefined);
  if (redis === undefined) logger.info('cache: REDIS_URL not set; caches run on L1 (in-process) only');

  const eachCache = (fn: (cache: HybridCacheImpl<unknown>) => void) => {
    for (const cache of caches.values()) if (cache instanceof HybridCacheImpl) fn(cache);
  };
  const l2 =
    redis &&
    new L2Link(redis, {
      timeoutMs: settings.l2TimeoutMs,
      breakerThreshold: settings.breakerThreshold,
      breakerCooldownMs: settings.breakerCooldownMs,
      logger,
      onUsable: () => eachCache((cache) => void cache.flushPending()),
    });

  let subscriber: Redis | undefined;
  let bus: InvalidationBus | undefined;
  if (redis !== undefined && settings.busEnabled && settings.enabled) {
    const busOptions = {
      ...cacheRedisOptions(),
      autoResubscribe: false,
      connectionName: `${settings.prefix}:cache-bus`,
    };
    subscriber = options.redisUrl
      ? createRedisConnection(options.redisUrl, busOptions)
      : redis.duplicate(busOptions);
    bus = new InvalidationBus(
      subscriber,
      `${settings.prefix}:cache-bus`,
      instanceId,
      {
        message: (message) => {
          const cache = caches.get(message.n);
          if (cache instanceof HybridCacheImpl) cache.onBusMessage(message);
        },
        resync: () => eachCache((cache) => cache.resync()),
      },
      logger,
    );
  }

  const host = { clock, logger, l2, bus, prefix: settings.prefix, retryDelayMs: settings.breakerCooldownMs };
  const ready = () => (l2 === undefined || l2.usable()) && (bus === undefined || bus.subscribed);
  let closed = false;

  return {
    redis,
    createCache<T>(cacheOptions: CacheOptions): HybridCache<T> {
      const resolved = resolveCacheOptions(cacheOptions, settings);
      if (caches.has(resolved.namespace))
        throw invalid(`namespace "${resolved.namespace}" is already in use`);
      const cache = settings.enabled
        ? new HybridCacheImpl<T>(host, resolved)
        : new PassThroughCache<T>(resolved.namespace);
      caches.set(resolved.namespace, cache as HybridCache<unknown> as HybridCacheImpl<unknown>);
      return cache;
    },
    l2Usable: () => l2?.usable() ?? false,
    health(): CacheHealth {
      const breaker = l2?.state ?? 'closed';
      if (l2 === undefined)
        return { status: settings.enabled ? 'up' : 'disabled', redis: 'not_configured', breaker };
      const up = l2.usable();
      const status = !settings.enabled
        ? 'disabled'
        : up && (bus === undefined || bus.subscribed)
          ? 'up'
          : 'degraded';
      return { status, redis: up ? 'up' : 'down', breaker };
    },
    metrics(): Record<string, CacheMetrics> {
      const out: Record<string, CacheMetrics> = {};
      for (const [namespace, cache] of caches) out[namespace] = cache.metrics();
      return out;
    },
    async whenReady(timeoutMs = 2000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (!ready() && !closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return ready();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      eachCache((cache) => cache.close());
      l2?.close();
      bus?.close();
      clock.stop();
      await Promise.all([
        subscriber ? quitSafely(subscriber) : undefined,
        ownsRedis && redis ? quitSafely(redis) : undefined,
      ]);
    },
  };
}
