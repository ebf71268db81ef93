import { LatencyWindow } from '../resilience/latency.js';
import { type MetricPoint, points } from '../resilience/metrics.js';

/** Every cache figure is named `flowfull_cache_<what>`, labelled with its namespace. */
export const CACHE_METRIC_PREFIX = 'flowfull_cache_';

import type { BreakerState, CacheMetrics } from './types.js';

/** What is not a counter of the cache itself: read from its parts when metrics are read. */
export interface CacheGauges {
  breakerState: BreakerState;
  l1Entries: number;
  pendingL2: number;
}

/**
 * Plain integer fields, bumped in place by the cache: no object is allocated per call. Totals and
 * rates are derived when read, as the metrics() snapshot or as the resilience kit's metric points.
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
  readonly loaderLatency = new LatencyWindow();

  snapshot(gauges: CacheGauges): CacheMetrics {
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
      breakerState: gauges.breakerState,
      loaderLatencyMs: this.loaderLatency.summary(),
      coalesced: this.coalesced,
      staleServed: this.staleServed,
      softTimeouts: this.softTimeouts,
      loaderErrors: this.loaderErrors,
      pendingL2: gauges.pendingL2,
      busInvalidations: this.busInvalidations,
      l1Entries: gauges.l1Entries,
    };
  }

  /** The same figures as metric points, labelled with the namespace (the breaker is the runtime's). */
  points(namespace: string, gauges: CacheGauges): MetricPoint[] {
    const { counter, gauge, latency } = points(CACHE_METRIC_PREFIX, { namespace });
    return [
      counter('l1_hits_total', 'Reads answered from L1', this.lruHits),
      counter('l2_hits_total', 'Reads answered from Redis', this.redisHits),
      counter('coalesced_total', 'getOrSet calls that joined a load in flight', this.coalesced),
      counter('misses_total', 'Reads that found no fresh value', this.misses),
      counter('loader_calls_total', 'Loader calls', this.loaderCalls),
      counter('loader_errors_total', 'Loader calls that failed', this.loaderErrors),
      counter('errors_total', 'Redis failures and undecodable or unserializable values', this.errors),
      counter('timeouts_total', 'Redis commands past the L2 timeout', this.timeouts),
      counter('stale_served_total', 'Stale values served by fail-safe or soft timeout', this.staleServed),
      counter('soft_timeouts_total', 'Loads that outlasted their soft timeout', this.softTimeouts),
      counter(
        'bus_invalidations_total',
        'Invalidations received from other instances',
        this.busInvalidations,
      ),
      gauge('l1_entries', 'Entries in L1', gauges.l1Entries),
      gauge('pending_l2', 'Invalidations waiting to be replayed on Redis', gauges.pendingL2),
      latency('loader_latency_ms', 'Loader latency', this.loaderLatency),
    ];
  }
}
