export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive unavailability results that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe call is let through. */
  cooldownMs: number;
  now?: () => number;
  /** Called on open and on close (not on every refused call): the place for one log line. */
  onChange?: (state: 'open' | 'closed') => void;
}

/**
 * The circuit breaker in front of Flowless. While open, calls fail at once instead of each waiting out
 * its timeout against a dead server; after the cooldown exactly one call probes, and its outcome closes
 * or reopens the breaker.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) return 'half_open';
    return this.current;
  }

  /** May a call go out now? In half-open, only the first caller gets a yes. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.state !== 'half_open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Flowless answered (valid or invalid: either way it is up). */
  success(): void {
    const was = this.current;
    this.failures = 0;
    this.probing = false;
    this.current = 'closed';
    if (was !== 'closed') this.options.onChange?.('closed');
  }

  failure(): void {
    this.failures++;
    if (this.probing || this.failures >= this.options.threshold) {
      const was = this.current;
      this.current = 'open';
      this.openedAt = this.now();
      if (was !== 'open') this.options.onChange?.('open');
    }
    this.probing = false;
  }

  /** Seconds until a probe may go out; 0 when closed. */
  retryAfterSeconds(): number {
    if (this.current === 'closed') return 0;
    return Math.max(0, (this.options.cooldownMs - (this.now() - this.openedAt)) / 1000);
  }
}
