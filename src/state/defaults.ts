/**
 * Defaults of the state stores, stated once. No imports: the config schema builds its defaults from
 * this file.
 */
export const STATE_DEFAULTS = {
  /** Key prefix of every Redis key of the store. @default 'flowfull:state:' */
  prefix: 'flowfull:state:',
  /** Deadline of one Redis command in ms: a frozen Redis costs at most this, then the breaker opens. @default 200 */
  timeoutMs: 200,
  /** Consecutive Redis failures that open the store's breaker. @default 3 */
  breakerThreshold: 3,
  /** Time the breaker refuses at once before one probe command. @default 2000 */
  breakerCooldownMs: 2000,
  /** Bound of the in-memory store, in keys (one binding and one activity window per session). @default 50000 */
  maxEntries: 50_000,
} as const;
