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

type Labels = Readonly<Record<string, string>>;

/** Builders of one component's points: every name gets the component's prefix, every point its labels. */
export interface PointBuilder {
  counter(name: string, help: string, value: number, labels?: Labels): MetricPoint;
  gauge(name: string, help: string, value: number, labels?: Labels): MetricPoint;
  latency(name: string, help: string, window: LatencyWindow, labels?: Labels): MetricPoint;
}

/**
 * `points('flowfull_cache_', { namespace })`: the one way components name and label their figures, so
 * `/metrics` shows one naming scheme (`flowfull_<component>_<what>[_total]`).
 */
export function points(prefix: string, base?: Labels): PointBuilder {
  const merged = (labels?: Labels): { labels?: Labels } => {
    if (base === undefined && labels === undefined) return {};
    return { labels: { ...base, ...labels } };
  };
  return {
    counter: (name, help, value, labels) => ({
      name: prefix + name,
      help,
      type: 'counter',
      value,
      ...merged(labels),
    }),
    gauge: (name, help, value, labels) => ({
      name: prefix + name,
      help,
      type: 'gauge',
      value,
      ...merged(labels),
    }),
    latency: (name, help, window, labels) => ({
      name: prefix + name,
      help,
      type: 'latency',
      window,
      ...merged(labels),
    }),
  };
}
