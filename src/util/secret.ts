import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented secret with the expected one. Both sides are hashed to 32
 * bytes first, so the comparison leaks neither content nor length. Anything but a non-empty string
 * (absent header, array, number) never matches, and neither does an empty expected secret.
 */
export function secretMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given === '' || typeof expected !== 'string' || expected === '') {
    return false;
  }
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
