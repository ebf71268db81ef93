import { FlowfullConfigError } from '../errors.js';
import type { Logger } from './logger.js';

/** Interval of the failure throttle when none is given, ms. @default 10000 */
export const LOG_THROTTLE_INTERVAL_MS = 10_000;

/** Distinct keys remembered; beyond it the oldest go first (a flood of distinct failures stays bounded). */
const MAX_KEYS = 1000;

export interface LogThrottleOptions {
  /** One line per key per interval, ms. @default LOG_THROTTLE_INTERVAL_MS */
  intervalMs?: number;
  /** Milliseconds now (tests move it). @default Date.now */
  now?: () => number;
}

export type ThrottledLevel = 'warn' | 'error';

/**
 * Repeated identical failures, logged once per interval with a count. The first occurrence of a key is
 * logged at once; the ones after it within the interval are only counted, and the next line of that key
 * carries `repeated` (how many were left out since the last line). An outage of a thousand requests a
 * second is then one line per interval, not a thousand.
 */
export interface LogThrottle {
  /** Logs `fields` at `level` unless `key` was logged less than an interval ago; true when it logged. */
  log(level: ThrottledLevel, key: string, fields: Record<string, unknown>, message: string): boolean;
}

export function createLogThrottle(logger: Logger, options: LogThrottleOptions = {}): LogThrottle {
  const intervalMs = options.intervalMs ?? LOG_THROTTLE_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new FlowfullConfigError(
      `createLogThrottle: intervalMs must be a number >= 0 (got ${String(options.intervalMs)})`,
    );
  }
  const now = options.now ?? Date.now;
  // Insertion order is the order keys were last logged: the first key is the oldest.
  const seen = new Map<string, { at: number; left: number }>();

  return {
    log(level, key, fields, message) {
      const t = now();
      const entry = seen.get(key);
      if (entry !== undefined && t - entry.at < intervalMs) {
        entry.left++;
        return false;
      }
      const repeated = entry?.left ?? 0;
      seen.delete(key);
      seen.set(key, { at: t, left: 0 });
      if (seen.size > MAX_KEYS) seen.delete(seen.keys().next().value!);
      logger[level](repeated > 0 ? { ...fields, repeated } : fields, message);
      return true;
    },
  };
}
