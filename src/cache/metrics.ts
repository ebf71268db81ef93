import type { BreakerState, CacheMetrics, LatencySummary } from './types.js';

const SAMPLES = 1024;

/** Loader latency: exact count and mean, percentiles over the last SAMPLES calls. */
export class LatencyRecorder {
  private readonly ring = new Float64Array(SAMPLES);
  private next = 0;
  private count = 0;
  private sum = 0;

  record(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
    this.count++;
    this.sum += ms;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: 0 };
    const n = Math.min(this.count, SAMPLES);
    const sorted = this.ring.slice(0, n).sort();
    const at = (q: number) => round(sorted[Math.min(n - 1, Math.floor(q * n))]!);
    return { count: this.count, mean: round(this.sum / this.count), p50: at(0.5), p99: at(0.99) };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Plain integer fields, bumped in place by the cache: no object is allocated per call. Totals and
 * rates are derived when read.
 */
export class Counters {
  lruHits = 0;
  redisHits = 0;
  coalesced = 0;
  misses = 0;
  loaderCalls = 0;
  loaderErrors = 0;
  errors = 0;
  timeouts = 0;
  staleServed = 0;
  softTimeouts = 0;
  busInvalidations = 0;
  readonly loaderLatency = new LatencyRecorder();

  snapshot(breakerState: BreakerState, l1Entries: number, pendingL2: number): CacheMetrics {
    const cacheHits = this.lruHits + this.redisHits + this.coalesced;
    const totalRequests = cacheHits + this.misses;
    return {
      totalRequests,
      cacheHits,
      cacheMisses: this.misses,
      redisHits: this.redisHits,
      lruHits: this.lruHits,
      dbHits: this.loaderCalls,
      errors: this.errors,
      hitRate: totalRequests === 0 ? 0 : Math.round((cacheHits / totalRequests) * 10_000) / 100,
      timeouts: this.timeouts,
      breakerState,
      loaderLatencyMs: this.loaderLatency.summary(),
      coalesced: this.coalesced,
      staleServed: this.staleServed,
      softTimeouts: this.softTimeouts,
      loaderErrors: this.loaderErrors,
      pendingL2,
      busInvalidations: this.busInvalidations,
      l1Entries,
    };
  }
}
