import { FlowfullConfigError } from '../errors.js';

/** A whole number >= min, or a FlowfullConfigError naming the option. */
export function wholeNumber(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new FlowfullConfigError(
      `${owner}: ${name} must be a whole number >= ${min} (got ${String(value)})`,
    );
  }
  return value;
}

/** A TTL passed to a store method: a positive whole number of milliseconds. */
export function checkTtl(owner: string, ttlMs: number): number {
  return wholeNumber(owner, 'ttlMs', ttlMs, 1);
}
