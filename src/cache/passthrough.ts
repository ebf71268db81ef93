import type { MetricPoint, MetricsSource } from '../resilience/metrics.js';
import { SingleFlight } from '../resilience/single-flight.js';
import { AbsentValue, absent } from './entry.js';
import type { CacheGauges } from './metrics.js';
import { Counters } from './metrics.js';
import { checkGetOrSetOptions, checkStorable } from './options.js';
import type { CacheMetrics, GetOrSetOptions, HybridCache, Loader } from './types.js';

const GAUGES: CacheGauges = { breakerState: 'closed', l1Entries: 0, pendingL2: 0 };

/**
 * CACHE_ENABLED=false: nothing is stored, every get misses, and getOrSet calls its loader, but
 * concurrent getOrSet calls of one key still share one loader call (the upstream is protected the same
 * way with the cache on or off). A write or delete of a key detaches its load in flight, so callers
 * after a revocation never receive a load that started before it. setIfAbsent returns the value it
 * was given (nothing is shared, so there is no first writer).
 */
export class PassThroughCache<T> implements HybridCache<T>, MetricsSource {
  private readonly counters = new Counters();
  private readonly flights = new SingleFlight<string, T | undefined>();

  constructor(readonly namespace: string) {}

  get(): Promise<T | undefined> {
    this.counters.misses++;
    return Promise.resolve(undefined);
  }

  async set(key: string): Promise<void> {
    this.flights.forget(key);
  }

  async delete(key: string): Promise<boolean> {
    this.flights.forget(key);
    return true;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    for (const key of keys) this.flights.forget(key);
    return true;
  }

  async invalidateTag(): Promise<void> {
    this.flights.forgetAll();
  }

  async clear(): Promise<void> {
    this.flights.forgetAll();
  }

  async has(): Promise<boolean> {
    return false;
  }

  getOrSet(key: string, loader: Loader<T>, options?: GetOrSetOptions): Promise<T | undefined> {
    const joined = this.flights.get(key);
    if (joined !== undefined) {
      this.counters.coalesced++;
      return joined;
    }
    try {
      if (options !== undefined) checkGetOrSetOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.flights.run(key, () => this.load(loader));
  }

  private async load(loader: Loader<T>): Promise<T | undefined> {
    this.counters.misses++;
    this.counters.loaderCalls++;
    const started = performance.now();
    try {
      const result = await loader({ absent });
      return result instanceof AbsentValue ? undefined : (result as T);
    } catch (error) {
      this.counters.loaderErrors++;
      throw error;
    } finally {
      this.counters.loaderLatency.record(performance.now() - started);
    }
  }

  async setIfAbsent(_key: string, value: T): Promise<T> {
    checkStorable(value, 'setIfAbsent');
    return value;
  }

  metrics(): CacheMetrics {
    return this.counters.snapshot(GAUGES);
  }

  collectMetrics(): MetricPoint[] {
    return this.counters.points(this.namespace, GAUGES);
  }
}
