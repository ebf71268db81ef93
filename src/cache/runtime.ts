import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FlowfullConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { systemClock } from '../resilience/clock.js';
import { breakerStateValue, type MetricPoint, points } from '../resilience/metrics.js';
import { InvalidationBus } from './bus.js';
import { CoarseClock } from './clock.js';
import { TieredCache } from './hybrid.js';
import { cacheRedisOptions, createRedisConnection, L2Link } from './l2.js';
import { CACHE_METRIC_PREFIX } from './metrics.js';
import { resolveCacheOptions, resolveRuntimeOptions } from './options.js';
import { PassThroughCache } from './passthrough.js';
import type {
  CacheHealth,
  CacheMetrics,
  CacheOptions,
  CacheRuntime,
  CacheRuntimeOptions,
  HybridCache,
} from './types.js';

const QUIT_DEADLINE_MS = 300;

/** quit() with a deadline: a frozen Redis never answers QUIT. */
async function quitSafely(connection: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    connection.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, QUIT_DEADLINE_MS);
    }),
  ]);
  clearTimeout(timer);
  connection.disconnect();
}

/**
 * Builds the caches of one process (or one test): one shared Redis command connection, one subscriber
 * connection for the invalidation bus, one breaker, any number of namespaces. Every option is checked
 * here: a mistake throws FlowfullConfigError naming it, before any connection is opened.
 */
export function createCacheRuntime(options: CacheRuntimeOptions = {}): CacheRuntime {
  const settings = resolveRuntimeOptions(options);
  const logger: Logger = options.logger ?? silentLogger();
  const source = options.clock ?? systemClock;
  const clock = new CoarseClock(source);
  const caches = new Map<string, TieredCache<unknown> | PassThroughCache<unknown>>();
  const instanceId = randomBytes(8).toString('hex');
  const ownsRedis = options.redis === undefined && options.redisUrl !== undefined;
  const redis =
    options.redis ??
    (options.redisUrl
      ? createRedisConnection(options.redisUrl, { connectionName: `${settings.prefix}:cache` })
      : undefined);
  if (redis === undefined) logger.info('cache: REDIS_URL not set; caches run on L1 (in-process) only');

  const eachCache = (fn: (cache: TieredCache<unknown>) => void) => {
    for (const cache of caches.values()) if (cache instanceof TieredCache) fn(cache);
  };
  const link =
    redis &&
    new L2Link(redis, {
      timeoutMs: settings.l2TimeoutMs,
      breakerThreshold: settings.breakerThreshold,
      breakerCooldownMs: settings.breakerCooldownMs,
      clock: source,
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
          const cache = caches.get(message.namespace);
          if (cache instanceof TieredCache) cache.onBusMessage(message);
        },
        resync: () => eachCache((cache) => cache.resync()),
      },
      logger,
    );
  }

  const host = {
    clock,
    logger,
    link,
    bus,
    prefix: settings.prefix,
    retryDelayMs: settings.breakerCooldownMs,
  };
  const ready = () => (link === undefined || link.usable()) && (bus === undefined || bus.subscribed);
  let closed = false;

  return {
    redis,
    gate: link,
    createCache<T>(cacheOptions: CacheOptions): HybridCache<T> {
      const resolved = resolveCacheOptions(cacheOptions, settings);
      if (caches.has(resolved.namespace)) {
        throw new FlowfullConfigError(`cache: namespace "${resolved.namespace}" is already in use`);
      }
      const cache = settings.enabled
        ? new TieredCache<T>(host, resolved)
        : new PassThroughCache<T>(resolved.namespace);
      caches.set(resolved.namespace, cache as TieredCache<unknown> | PassThroughCache<unknown>);
      return cache;
    },
    l2Usable: () => link?.usable() ?? false,
    health(): CacheHealth {
      const breaker = link?.state ?? 'closed';
      if (link === undefined)
        return { status: settings.enabled ? 'up' : 'disabled', redis: 'not_configured', breaker };
      const up = link.usable();
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
    collectMetrics(): MetricPoint[] {
      const collected: MetricPoint[] = [];
      for (const cache of caches.values()) collected.push(...cache.collectMetrics());
      if (link !== undefined) {
        const { counter, gauge } = points(CACHE_METRIC_PREFIX);
        collected.push(
          gauge(
            'breaker_state',
            'Redis breaker of the cache: 0 closed, 1 half-open, 2 open',
            breakerStateValue(link.state),
          ),
          counter('breaker_opened_total', 'Times the Redis breaker of the cache opened', link.breaker.opened),
        );
      }
      return collected;
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
      link?.close();
      bus?.close();
      clock.stop();
      await Promise.all([
        subscriber ? quitSafely(subscriber) : undefined,
        ownsRedis && redis ? quitSafely(redis) : undefined,
      ]);
    },
  };
}
