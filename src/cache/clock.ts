import { type Clock, systemClock } from '../resilience/clock.js';

/**
 * Wall-clock milliseconds, read at most once per burst. A cache hit must not pay for Date.now()
 * (about a third of a raw lru-cache get), so a reading of the system clock is reused for up to
 * REUSE_CALLS calls or until the event loop turns once (an unref'd 1 ms timer), whichever comes first.
 * Entries can therefore be served up to about a millisecond past their expiry; nothing needs finer
 * precision. An injected clock (a test's ManualClock) is read on every call instead: reusing its
 * reading would hide the jumps the test makes.
 */
const REUSE_CALLS = 256;

export class CoarseClock {
  private cached = 0;
  private left = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly reuse: number;
  private readonly expire = (): void => {
    this.left = 0;
    this.timer = undefined;
  };

  constructor(readonly source: Clock = systemClock) {
    this.reuse = source === systemClock ? REUSE_CALLS : 0;
  }

  now(): number {
    if (this.left > 0) {
      this.left--;
      return this.cached;
    }
    return this.refresh();
  }

  /** An exact reading, for values that leave the process (expiry written to Redis). */
  exact(): number {
    return this.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.left = 0;
  }

  private refresh(): number {
    this.cached = this.source.now();
    if (this.reuse === 0) return this.cached;
    this.left = this.reuse;
    if (this.timer === undefined) {
      this.timer = setTimeout(this.expire, 1);
      this.timer.unref();
    }
    return this.cached;
  }
}
