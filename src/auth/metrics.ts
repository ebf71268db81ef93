import {
  type BreakerState,
  breakerStateValue,
  type LatencySummary,
  LatencyWindow,
  type MetricPoint,
  points,
} from '../resilience/index.js';
import { FAILURE_KINDS, type FailureKind } from './normalize.js';

export interface ValidatorMetrics {
  /** validate() calls with a well-formed id. */
  validations: number;
  /** Answered without this call waiting for Flowless (L1/Redis hit, or joined another call's load). */
  cacheHits: number;
  /** Answered from the negative cache. */
  negativeHits: number;
  /** Ids refused for their shape before any lookup. */
  malformed: number;
  /** HTTP requests sent to /auth/bridge/validate (every attempt counts). */
  upstreamCalls: number;
  /** Failed attempts (and breaker refusals) by kind. */
  upstreamFailures: Record<FailureKind, number>;
  upstreamLatencyMs: LatencySummary;
  /** Final outcomes of loads from Flowless. */
  outcomes: { valid: number; invalid: number; expired: number; unavailable: number };
  /** Sessions accepted from an expired cache entry while Flowless was unavailable (stale-if-error). */
  staleServed: number;
  /** Requests refused with AUTH_UNAVAILABLE. */
  unavailableErrors: number;
  negativeEntries: number;
  breaker: BreakerState;
  /** Session ids evicted by invalidate() (hook, logout, validation modes). */
  invalidated: number;
  logouts: { ok: number; failed: number };
}

/** Plain counters: a cache hit must cost an increment, nothing more. */
export class ValidatorCounters {
  validations = 0;
  cacheHits = 0;
  negativeHits = 0;
  malformed = 0;
  upstreamCalls = 0;
  readonly failures: Record<FailureKind, number> = Object.fromEntries(
    FAILURE_KINDS.map((kind) => [kind, 0]),
  ) as Record<FailureKind, number>;
  readonly latency = new LatencyWindow();
  valid = 0;
  invalid = 0;
  expired = 0;
  unavailable = 0;
  staleServed = 0;
  unavailableErrors = 0;
  invalidated = 0;
  logoutsOk = 0;
  logoutsFailed = 0;

  snapshot(breaker: BreakerState, negativeEntries: number): ValidatorMetrics {
    return {
      validations: this.validations,
      cacheHits: this.cacheHits,
      negativeHits: this.negativeHits,
      malformed: this.malformed,
      upstreamCalls: this.upstreamCalls,
      upstreamFailures: { ...this.failures },
      upstreamLatencyMs: this.latency.summary(),
      outcomes: {
        valid: this.valid,
        invalid: this.invalid,
        expired: this.expired,
        unavailable: this.unavailable,
      },
      staleServed: this.staleServed,
      unavailableErrors: this.unavailableErrors,
      negativeEntries,
      breaker,
      invalidated: this.invalidated,
      logouts: { ok: this.logoutsOk, failed: this.logoutsFailed },
    };
  }

  /** The same figures as MetricPoints (MetricsSource), for /metrics. */
  points(breaker: BreakerState, breakerOpened: number, negativeEntries: number): MetricPoint[] {
    const { counter, gauge, latency } = points('flowfull_auth_');
    return [
      counter('validations_total', 'Session validations with a well-formed id', this.validations),
      counter('cache_hits_total', 'Validations answered without waiting for Flowless', this.cacheHits),
      counter('negative_hits_total', 'Validations answered from the negative cache', this.negativeHits),
      counter('malformed_total', 'Session ids refused for their shape', this.malformed),
      counter('upstream_calls_total', 'HTTP requests to /auth/bridge/validate', this.upstreamCalls),
      ...FAILURE_KINDS.map((kind) =>
        counter('upstream_failures_total', 'Failed Flowless attempts by kind', this.failures[kind], { kind }),
      ),
      latency('upstream_latency_ms', 'Latency of bridge validation calls', this.latency),
      counter('outcomes_total', 'Loads from Flowless by outcome', this.valid, { outcome: 'valid' }),
      counter('outcomes_total', 'Loads from Flowless by outcome', this.invalid, { outcome: 'invalid' }),
      counter('outcomes_total', 'Loads from Flowless by outcome', this.expired, { outcome: 'expired' }),
      counter('outcomes_total', 'Loads from Flowless by outcome', this.unavailable, {
        outcome: 'unavailable',
      }),
      counter(
        'stale_served_total',
        'Sessions accepted stale while Flowless was unavailable',
        this.staleServed,
      ),
      counter('unavailable_errors_total', 'Requests refused with AUTH_UNAVAILABLE', this.unavailableErrors),
      counter('invalidated_total', 'Session ids evicted by invalidate()', this.invalidated),
      counter('logouts_total', 'Logouts at Flowless by result', this.logoutsOk, { result: 'ok' }),
      counter('logouts_total', 'Logouts at Flowless by result', this.logoutsFailed, { result: 'failed' }),
      gauge('negative_entries', 'Invalid ids remembered by this instance', negativeEntries),
      gauge('breaker_state', 'Flowless breaker: 0 closed, 1 half-open, 2 open', breakerStateValue(breaker)),
      counter('breaker_opened_total', 'Times the Flowless breaker opened', breakerOpened),
    ];
  }
}
