import { describe, expect, it } from 'vitest';
import {
  CACHE_DEFAULTS,
  cacheRuntimeOptionsFromConfig,
  createCacheRuntime,
  type HybridCache,
} from '../../src/cache/index.js';
import { parseConfig } from '../../src/config/index.js';
import { FlowfullConfigError } from '../../src/errors.js';
import { ManualClock, type MetricPoint } from '../../src/resilience/index.js';

describe('cache defaults and options', () => {
  it('the CACHE_* schema defaults are CACHE_DEFAULTS', () => {
    const { config } = parseConfig({});
    expect(cacheRuntimeOptionsFromConfig(config!)).toEqual(CACHE_DEFAULTS);
  });

  it('a runtime built without options uses CACHE_DEFAULTS', async () => {
    const runtime = createCacheRuntime();
    const cache = runtime.createCache<string>({ namespace: 'd' });
    await cache.set('k', 'v');
    expect(runtime.health()).toEqual({ status: 'up', redis: 'not_configured', breaker: 'closed' });
    await runtime.close();
  });

  it.each([
    [{ defaultTtl: -1 }, 'defaultTtl'],
    [{ defaultTtl: 0 }, 'defaultTtl'],
    [{ l1MaxEntries: 0 }, 'l1MaxEntries'],
    [{ l1MaxBytes: -1 }, 'l1MaxBytes'],
    [{ l2TimeoutMs: 0 }, 'l2TimeoutMs'],
    [{ breakerThreshold: 1.5 }, 'breakerThreshold'],
    [{ breakerCooldownMs: -5 }, 'breakerCooldownMs'],
    [{ prefix: '' }, 'prefix'],
    [{ prefix: 'has space' }, 'prefix'],
    [{ prefix: 'glob*' }, 'prefix'],
    [{ enabled: 'yes' as unknown as boolean }, 'enabled'],
  ])('createCacheRuntime(%j) throws FlowfullConfigError naming %s', (options, name) => {
    expect(() => createCacheRuntime(options)).toThrow(FlowfullConfigError);
    expect(() => createCacheRuntime(options)).toThrow(name);
  });

  it('createCache rejects bad cache options at construction, naming them', async () => {
    const runtime = createCacheRuntime();
    const bad = [
      [{ namespace: '' }, 'namespace'],
      [{ namespace: 'n1', ttl: -3 }, 'ttl'],
      [{ namespace: 'n2', maxEntries: 0 }, 'maxEntries'],
      [{ namespace: 'n3', maxBytes: -1 }, 'maxBytes'],
      [{ namespace: 'n4', jitter: -0.1 }, 'jitter'],
      [{ namespace: 'n5', serializer: {} as never }, 'serializer'],
    ] as const;
    for (const [options, name] of bad) {
      expect(() => runtime.createCache(options)).toThrow(FlowfullConfigError);
      expect(() => runtime.createCache(options)).toThrow(name);
    }
    await runtime.close();
  });
});

describe('cache metrics through the resilience kit', () => {
  it('collectMetrics() reports every cache by namespace, as metrics() does', async () => {
    const runtime = createCacheRuntime({ clock: new ManualClock() });
    const users: HybridCache<string> = runtime.createCache<string>({ namespace: 'users' });
    runtime.createCache<string>({ namespace: 'other' });
    await users.set('a', 'x');
    await users.get('a');
    await users.get('missing');
    await users.getOrSet('b', async () => 'loaded');
    const points = runtime.collectMetrics();
    const value = (name: string, namespace: string) =>
      (
        points.find((p) => p.name === name && p.labels?.namespace === namespace) as
          | Extract<MetricPoint, { value: number }>
          | undefined
      )?.value;
    expect(value('flowfull_cache_l1_hits_total', 'users')).toBe(users.metrics().lruHits);
    expect(value('flowfull_cache_l1_hits_total', 'users')).toBe(1);
    expect(value('flowfull_cache_misses_total', 'users')).toBe(2);
    expect(value('flowfull_cache_loader_calls_total', 'users')).toBe(1);
    expect(value('flowfull_cache_l1_entries', 'users')).toBe(2);
    expect(value('flowfull_cache_l1_hits_total', 'other')).toBe(0);
    const latency = points.find((p) => p.type === 'latency' && p.labels?.namespace === 'users');
    expect(latency?.type === 'latency' && latency.window.count).toBe(1);
    await runtime.close();
  });
});
