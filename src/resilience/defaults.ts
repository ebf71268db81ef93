/**
 * The resilience kit's defaults, stated once. Dependency-free, so the configuration schema and other
 * modules' defaults can build on them.
 */
export const BREAKER_DEFAULTS = {
  /** Consecutive failures that open a breaker. @default 5 */
  threshold: 5,
  /** Milliseconds a breaker stays open before one probe is let through. @default 5000 */
  cooldownMs: 5000,
} as const;
