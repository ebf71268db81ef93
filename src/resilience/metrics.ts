import type { LatencyWindow } from './latency.js';

/**
 * The one shape in which every component reports what it measured. `/metrics` (and tests) read every
 * component the same way, whatever it is; a component never depends on the metrics library.
 */
export type MetricPoint =
  | {
      name: string;
      help: string;
      type: 'counter' | 'gauge';
      value: number;
      labels?: Readonly<Record<string, string>>;
    }
  | {
      name: string;
      help: string;
      type: 'latency';
      /** Milliseconds. */
      window: LatencyWindow;
      labels?: Readonly<Record<string, string>>;
    };

export interface MetricsSource {
  /** Current values; called when metrics are read, never on the request path. */
  collectMetrics(): MetricPoint[];
}

/** Numeric gauge for a breaker state: 0 closed, 1 half-open, 2 open. */
export function breakerStateValue(state: 'closed' | 'open' | 'half_open'): number {
  return state === 'closed' ? 0 : state === 'half_open' ? 1 : 2;
}
