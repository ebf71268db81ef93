import type { Flight, SingleFlight } from '../resilience/single-flight.js';
import { AbsentValue, absent, type CacheEntry } from './entry.js';
import { checkGetOrSetOptions, secondsToMs } from './options.js';
import type { CacheStack } from './stack.js';
import type { Absent, GetOrSetOptions, Loader, LoaderContext } from './types.js';

/**
 * getOrSet past the fast path: one flight per key (callers of a key in flight join it), a lookup in
 * both tiers, then the loader, with fail-safe (a stale value instead of the loader's error) and the
 * soft timeout (a stale value after softTimeoutMs while the loader goes on in the background).
 */
export class GetOrSetHandler<T> {
  private readonly flights: SingleFlight<string, T | undefined>;

  constructor(private readonly stack: CacheStack) {
    this.flights = stack.flights as SingleFlight<string, T | undefined>;
  }

  handle(key: string, loader: Loader<T>, options: GetOrSetOptions): Promise<T | undefined> {
    const joined = this.flights.get(key);
    if (joined !== undefined) {
      this.stack.counters.coalesced++;
      return joined;
    }
    try {
      checkGetOrSetOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.flights.run(key, (flight) => this.fly(key, loader, options, flight));
  }

  private async fly(
    key: string,
    loader: Loader<T>,
    options: GetOrSetOptions,
    flight: Flight,
  ): Promise<T | undefined> {
    const found = await this.stack.lookup(key, true);
    if (found.hit !== undefined) return this.read(found.hit);
    this.stack.counters.misses++;
    const stale = this.usableStale(found.stale, options);
    const loading = this.load(key, loader, options, flight, stale);
    if (stale === undefined || options.softTimeoutMs === undefined) return loading;
    // Callers arriving while the load goes on join the early answer instead of loading again.
    flight.holdUntil(loading);
    return this.withSoftTimeout(loading, stale, options.softTimeoutMs);
  }

  private read(entry: CacheEntry): T | undefined {
    return this.stack.entries.read(entry) as T | undefined;
  }

  private usableStale(stale: CacheEntry | undefined, options: GetOrSetOptions): CacheEntry | undefined {
    if (stale === undefined || stale.absent || options.failSafe === undefined) return undefined;
    const now = this.stack.clock.now();
    const graceEnd = stale.expiresAt + options.failSafe.maxStaleSeconds * 1000;
    return now < stale.staleUntil && now < graceEnd ? stale : undefined;
  }

  private load(
    key: string,
    loader: Loader<T>,
    options: GetOrSetOptions,
    flight: Flight,
    stale: CacheEntry | undefined,
  ): Promise<T | undefined> {
    const counters = this.stack.counters;
    const ctx: LoaderContext<T> = { absent };
    if (stale !== undefined) ctx.stale = this.read(stale);
    counters.loaderCalls++;
    const started = performance.now();
    let call: Promise<T | Absent>;
    try {
      call = Promise.resolve(loader(ctx));
    } catch (error) {
      call = Promise.reject(error);
    }
    return call.then(
      (result) => {
        counters.loaderLatency.record(performance.now() - started);
        return this.keep(key, result, options, flight);
      },
      (error: unknown) => {
        counters.loaderLatency.record(performance.now() - started);
        counters.loaderErrors++;
        if (stale === undefined) throw error;
        counters.staleServed++;
        return this.read(stale);
      },
    );
  }

  /** The stale value after ms, while the loader goes on and stores its result when it finishes. */
  private withSoftTimeout(
    loading: Promise<T | undefined>,
    stale: CacheEntry,
    ms: number,
  ): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stack.counters.softTimeouts++;
        this.stack.counters.staleServed++;
        resolve(this.read(stale));
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

  /**
   * Stores a loader's result, unless the key was written or invalidated meanwhile (the flight was then
   * detached), and returns what the caller gets. The Redis write goes on in the background: the caller
   * has its value already.
   */
  private keep(key: string, result: T | Absent, options: GetOrSetOptions, flight: Flight): T | undefined {
    if (result instanceof AbsentValue) {
      if (!flight.detached)
        void this.stack.put(key, undefined, { ttlMs: result.ttlMs, absent: true, publish: false });
      return undefined;
    }
    if (result === undefined) return undefined;
    if (!flight.detached) {
      const staleMs = options.failSafe
        ? secondsToMs(options.failSafe.maxStaleSeconds, 'failSafe.maxStaleSeconds')
        : 0;
      void this.stack.put(key, result, {
        ttlMs: this.stack.ttlOf(options),
        staleMs,
        tags: options.tags,
        publish: false,
      });
    }
    return result as T;
  }
}
