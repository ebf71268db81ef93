export { BREAKER_DEFAULTS, type BreakerOptions, type BreakerState, CircuitBreaker } from './breaker.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { type ConnectionGate, ConnectionUnavailableError, type UnavailableReason } from './gate.js';
export { LATENCY_WINDOW_DEFAULT_SIZE, type LatencySummary, LatencyWindow } from './latency.js';
export {
  breakerStateValue,
  type MetricPoint,
  type MetricsSource,
  type PointBuilder,
  points,
} from './metrics.js';
export { type Flight, SingleFlight } from './single-flight.js';
