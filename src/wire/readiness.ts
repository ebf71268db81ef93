/** What a readiness probe reports: every component (database, Redis, Flowless, state store) speaks it. */
export type ComponentStatus = 'up' | 'degraded' | 'down' | 'disabled';

export interface ComponentReport {
  status: ComponentStatus;
  /** Short, non-sensitive facts (latency, breaker state). Never error text or connection strings. */
  [fact: string]: unknown;
}

/** One readiness probe. A probe that throws or exceeds its timeout counts as down. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<ComponentReport>;
  /** down on this component fails readiness (503); otherwise it only degrades. Default true. */
  critical?: boolean;
}
