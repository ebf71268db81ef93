import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before comparing. */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given === '' || expected === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
