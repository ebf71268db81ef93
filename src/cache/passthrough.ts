import { AppError } from '../errors.js';
import { Counters } from './metrics.js';
import type { Absent, CacheMetrics, GetOrSetOptions, HybridCache, LoaderContext } from './types.js';

class NoValue {}

/**
 * CACHE_ENABLED=false: nothing is stored, every getOrSet calls its loader, every get misses.
 * setIfAbsent returns the value it was given (nothing is shared, so there is no first writer).
 */
export class PassThroughCache<T> implements HybridCache<T> {
  private readonly counters = new Counters();

  constructor(readonly namespace: string) {}

  get(): Promise<T | undefined> {
    this.counters.misses++;
    return Promise.resolve(undefined);
  }

  async set(): Promise<void> {}
  async delete(): Promise<void> {}
  async deleteMany(): Promise<void> {}
  async invalidateTag(): Promise<void> {}
  async clear(): Promise<void> {}

  async has(): Promise<boolean> {
    return false;
  }

  async getOrSet(
    _key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T | Absent>,
    _options?: GetOrSetOptions,
  ): Promise<T | undefined> {
    this.counters.misses++;
    this.counters.loaderCalls++;
    const started = performance.now();
    try {
      const result = await loader({ absent: () => new NoValue() as unknown as Absent });
      return result instanceof NoValue ? undefined : (result as T);
    } catch (error) {
      this.counters.loaderErrors++;
      throw error;
    } finally {
      this.counters.loaderLatency.record(performance.now() - started);
    }
  }

  async setIfAbsent(_key: string, value: T): Promise<T> {
    if (value === undefined) {
      throw new AppError('CACHE_INVALID_VALUE', 'cache: setIfAbsent cannot store undefined', { status: 500 });
    }
    return value;
  }

  metrics(): CacheMetrics {
    return this.counters.snapshot('closed', 0, 0);
  }
}
