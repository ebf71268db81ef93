import type { BreakerState } from './breaker.js';
import { FAILURE_KINDS, type FailureKind } from './normalize.js';

export interface LatencySummary {
  count: number;
  mean: number;
  p50?: number;
  p99?: number;
}

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

/** Last N samples; percentiles are computed when metrics are read, never on the request path. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;
  private count = 0;

  constructor(size = 1024) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
    this.total += ms;
    this.count++;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: 0 };
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { count: this.count, mean: round(this.total / this.count), p50: at(0.5), p99: at(0.99) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
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
}
