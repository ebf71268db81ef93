import type { CircuitBreaker, MetricPoint, MetricsSource } from '../resilience/index.js';
import { breakerStateValue } from '../resilience/index.js';

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
      const counter = (name: string, help: string, value: number, labels?: Record<string, string>) =>
        ({ name, help, type: 'counter', value, ...(labels ? { labels } : {}) }) as MetricPoint;
      return [
        counter('flowfull_gateway_forwarded_total', 'Auth calls forwarded to Flowless', counters.forwarded),
        counter('flowfull_gateway_refused_total', 'Auth calls refused before Flowless', counters.refused),
        counter('flowfull_gateway_unavailable_total', 'Auth calls answered 503', counters.unavailable),
        counter('flowfull_gateway_effects_total', 'Session hooks run', counters.effects),
        counter(
          'flowfull_gateway_effect_failures_total',
          'Session hooks that failed',
          counters.effectFailures,
        ),
        ...Object.entries(counters.byClass).map(([cls, value]) =>
          counter('flowfull_gateway_answers_total', 'Flowless answers by status class', value, {
            class: cls,
          }),
        ),
        {
          name: 'flowfull_gateway_breaker_state',
          help: 'Gateway breaker: 0 closed, 1 half-open, 2 open',
          type: 'gauge',
          value: breakerStateValue(breaker.state),
        },
      ];
    },
  };
}
