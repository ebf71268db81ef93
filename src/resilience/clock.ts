import { FlowfullConfigError } from '../errors.js';

/**
 * Time as the resilience pieces, the cache and the auth layer read it. Injected so that tests move time
 * instead of sleeping through TTLs and cooldowns.
 */
export interface Clock {
  /** Wall-clock milliseconds (Date.now() semantics). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests of TTLs, cooldowns and windows. */
export class ManualClock implements Clock {
  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0))
      throw new FlowfullConfigError('ManualClock.advance takes a non-negative number of milliseconds');
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
