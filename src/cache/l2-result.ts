/** What a Redis operation resolves to when it was skipped (breaker open, disconnected), failed or timed out. */
export const L2_FAILED: unique symbol = Symbol('l2-failed');
export type L2Result<T> = T | typeof L2_FAILED;
