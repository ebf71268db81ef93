import { FlowfullConfigError } from '../errors.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { BREAKER_DEFAULTS } from './defaults.js';

export { BREAKER_DEFAULTS };

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  threshold?: number;
  /** How long it stays open before one probe is let through (with initialCooldownMs: the longest). @default 5000 */
  cooldownMs?: number;
  /**
   * Optional backoff: the first cooldown after closing is this long, and each failed probe doubles it,
   * up to cooldownMs. A short outage is then probed within moments, a long one rarely. Absent: every
   * cooldown is cooldownMs.
   */
  initialCooldownMs?: number;
  clock?: Clock;
  /** Called on open and on close (not on every refused call): the place for one log line. */
  onChange?: (state: 'open' | 'closed') => void;
}

/**
 * Closed, open, half-open with exactly one probe. While open, callers are refused at once instead of each
 * waiting out a timeout against a dead dependency; after the cooldown the first caller to ask is the
 * probe, and its outcome closes or reopens the breaker. Used by the cache's Redis link, the Flowless
 * client and anything else that talks to a service that may disappear.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: 'closed' | 'open' = 'closed';
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly initialCooldownMs: number;
  /** The cooldown of the current opening (grows with failed probes when backing off). */
  private cooldown: number;
  private readonly clock: Clock;
  private readonly onChange: ((state: 'open' | 'closed') => void) | undefined;
  /** Times opened since creation: a counter for metrics. */
  opened = 0;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? BREAKER_DEFAULTS.threshold;
    this.cooldownMs = options.cooldownMs ?? BREAKER_DEFAULTS.cooldownMs;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new FlowfullConfigError(
        `CircuitBreaker: threshold must be an integer >= 1 (got ${String(options.threshold)})`,
      );
    }
    if (!Number.isFinite(this.cooldownMs) || this.cooldownMs < 0) {
      throw new FlowfullConfigError(
        `CircuitBreaker: cooldownMs must be a number >= 0 (got ${String(options.cooldownMs)})`,
      );
    }
    this.initialCooldownMs = options.initialCooldownMs ?? this.cooldownMs;
    if (
      !Number.isFinite(this.initialCooldownMs) ||
      this.initialCooldownMs < 0 ||
      this.initialCooldownMs > this.cooldownMs
    ) {
      throw new FlowfullConfigError(
        `CircuitBreaker: initialCooldownMs must be a number from 0 to cooldownMs (got ${String(options.initialCooldownMs)})`,
      );
    }
    this.cooldown = this.initialCooldownMs;
    this.clock = options.clock ?? systemClock;
    this.onChange = options.onChange;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.cooldown) return 'half_open';
    return this.current;
  }

  /** May a call go out now? Closed: yes. Half-open: only the first caller (the probe). Open: no. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.probing || this.state !== 'half_open') return false;
    this.probing = true;
    return true;
  }

  /** The dependency answered. */
  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') {
      this.current = 'closed';
      this.cooldown = this.initialCooldownMs;
      this.onChange?.('closed');
    }
  }

  /** The dependency failed (timeout, refused, 5xx): a failed probe reopens at once. */
  failure(): void {
    this.failures++;
    const wasProbe = this.probing;
    this.probing = false;
    if (wasProbe || (this.current === 'closed' && this.failures >= this.threshold)) {
      this.openedAt = this.clock.now();
      // The dependency is still down after a cooldown: wait longer before the next probe.
      if (wasProbe && this.current === 'open')
        this.cooldown = Math.min(this.cooldownMs, this.cooldown * 2 || 1);
      if (this.current !== 'open') {
        this.current = 'open';
        this.opened++;
        this.onChange?.('open');
      }
    }
  }

  /** A probe that was let through ended without a verdict (cancelled): let the next caller probe. */
  release(): void {
    this.probing = false;
  }

  /**
   * Something outside the calls themselves (a health check) saw the dependency answer again: the rest
   * of the cooldown is skipped and the next caller is the probe. No effect unless open.
   */
  endCooldown(): void {
    if (this.current === 'open') this.openedAt = this.clock.now() - this.cooldown;
  }

  /** Seconds until a probe may go out; 0 when closed or half-open. */
  retryAfterSeconds(): number {
    if (this.current === 'closed') return 0;
    return Math.max(0, (this.cooldown - (this.clock.now() - this.openedAt)) / 1000);
  }
}
