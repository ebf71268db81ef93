import type { CircuitBreaker, MetricPoint, MetricsSource } from '../resilience/index.js';
import { breakerStateValue, points } from '../resilience/index.js';

/** What the gateway counts; read through collectMetrics() like every other component. */
export class GatewayCounters {
  forwarded = 0;
  /** Refused before reaching Flowless: bad path, blocked area, method, body size. */
  refused = 0;
  /** Answered 503 AUTH_UNAVAILABLE: Flowless unreachable, timed out, or the breaker open. */
  unavailable = 0;
  effects = 0;
  effectFailures = 0;
  readonly byClass: Record<'2xx' | '3xx' | '4xx' | '5xx', number> = {
    '2xx': 0,
    '3xx': 0,
    '4xx': 0,
    '5xx': 0,
  };

  answered(status: number): void {
    const key = status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';
    this.byClass[key]++;
  }
}

export function gatewayMetrics(counters: GatewayCounters, breaker: CircuitBreaker): MetricsSource {
  return {
    collectMetrics(): MetricPoint[] {
      const { counter, gauge } = points('flowfull_gateway_');
      return [
        counter('forwarded_total', 'Auth calls forwarded to Flowless', counters.forwarded),
        counter('refused_total', 'Auth calls refused before Flowless', counters.refused),
        counter('unavailable_total', 'Auth calls answered 503', counters.unavailable),
        counter('effects_total', 'Session hooks run', counters.effects),
        counter(
          'flowfull_gateway_effect_failures_total',
          'Session hooks that failed',
          counters.effectFailures,
        ),
        ...Object.entries(counters.byClass).map(([cls, value]) =>
          counter('answers_total', 'Flowless answers by status class', value, {
            class: cls,
          }),
        ),
        gauge(
          'breaker_state',
          'Gateway breaker: 0 closed, 1 half-open, 2 open',
          breakerStateValue(breaker.state),
        ),
      ];
    },
  };
}
