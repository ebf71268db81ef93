import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { CircuitBreaker } from '../resilience/breaker.js';
import type { Clock } from '../resilience/clock.js';
import { type ConnectionGate, ConnectionUnavailableError } from '../resilience/gate.js';
import { Deadlines, type FailureSink, type Waiting } from './deadlines.js';
import { L2_FAILED, type L2Result } from './l2-result.js';
import type { BreakerState } from './types.js';

export type { FailureSink } from './deadlines.js';
export { L2_FAILED, type L2Result } from './l2-result.js';

const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Connection settings for a cache that must never wait on Redis: no offline queue (a command on a
 * disconnected client fails at once), in-flight commands are failed rather than resent when the
 * connection drops, and reconnection goes on forever with a capped exponential backoff.
 */
export function cacheRedisOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
  };
}

export interface L2LinkOptions {
  timeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Time of the breaker's cooldown. */
  clock: Clock;
  logger: Logger;
  /** Called each time Redis becomes usable again (reconnected, or the breaker closed). */
  onUsable: () => void;
}

/**
 * The shared command connection behind every cache of a runtime, with a deadline on each command and
 * the resilience kit's circuit breaker. While the breaker is not closed no command is sent: callers
 * only read its state and never become its probe. The probe is a background PING, let through by the
 * breaker after the cooldown (or sent at once when the connection comes back).
 */
export class L2Link implements ConnectionGate {
  readonly breaker: CircuitBreaker;
  /**
   * Commands past their deadline that Redis has not answered yet. Redis answers a connection's commands
   * in order, so while one is overdue every later command would wait at least as long: it is failed at
   * once instead. A freeze therefore costs each request at most one timeout, even before the breaker opens.
   */
  private overdue = 0;
  /** ConnectionGate: commands that waited out their whole deadline. */
  timeouts = 0;
  /** When the oldest still-overdue command expired (performance.now()). */
  private overdueSince = 0;
  /** Bumped when the connection drops: what was overdue on the old socket no longer blocks the new one. */
  private socketEpoch = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lost = false;
  private probing = false;
  private readonly listeners: [string, (...args: unknown[]) => void][];
  private readonly deadlines = new Deadlines((command) => {
    command.overdue = this.socketEpoch;
    this.timeouts++;
    if (this.overdue++ === 0) this.overdueSince = performance.now();
    this.fail(command.sink, true);
    command.resolve(L2_FAILED);
  });

  constructor(
    readonly redis: Redis,
    private readonly options: L2LinkOptions,
  ) {
    this.breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
      clock: options.clock,
      onChange: (state) => (state === 'open' ? this.onOpen() : this.onClosed()),
    });
    this.listeners = [
      ['ready', () => this.onReady()],
      ['close', () => this.onClose()],
      ['error', (error) => this.onError(error)],
    ];
    for (const [event, fn] of this.listeners) redis.on(event, fn);
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  usable(): boolean {
    return this.breaker.state === 'closed' && this.redis.status === 'ready' && this.overdue === 0;
  }

  retryAfterSeconds(): number {
    return this.breaker.retryAfterSeconds();
  }

  /** ConnectionGate: what the state and token stores on this connection call through. */
  async call<T>(op: () => Promise<T>): Promise<T> {
    const sink: FailureSink = { errors: 0, timeouts: 0 };
    const result = await this.run(sink, () => op());
    if (result !== L2_FAILED) return result as T;
    throw new ConnectionUnavailableError(
      sink.timeouts > 0 ? 'timeout' : sink.errors > 0 ? 'failed' : 'refused',
      `redis: command ${sink.timeouts > 0 ? 'timed out' : sink.errors > 0 ? 'failed' : 'refused'}`,
    );
  }

  /** Runs op with the deadline; never rejects. */
  run<T>(sink: FailureSink, op: (redis: Redis) => Promise<T>): Promise<L2Result<T>> {
    if (this.overdue > 0 && this.breaker.state === 'closed') {
      // Queued behind an unanswered command: it cannot be answered in time. Counted for the breaker only
      // once the stall has lasted another full timeout: a late answer after a pause of the event loop
      // must not open the breaker, a frozen Redis must.
      sink.errors++;
      if (performance.now() - this.overdueSince > this.options.timeoutMs) this.breaker.failure();
      return Promise.resolve(L2_FAILED);
    }
    if (!this.usable()) return Promise.resolve(L2_FAILED);
    let pending: Promise<T>;
    try {
      pending = op(this.redis);
    } catch {
      this.fail(sink, false);
      return Promise.resolve(L2_FAILED);
    }
    return new Promise((resolve) => {
      const command: Waiting = {
        deadline: performance.now() + this.options.timeoutMs,
        settled: false,
        sink,
        resolve: resolve as (value: unknown) => void,
      };
      this.deadlines.add(command);
      pending.then(
        (value) => {
          if (command.settled) return this.answered(command);
          command.settled = true;
          this.deadlines.trim();
          this.breaker.success();
          resolve(value);
        },
        () => {
          if (command.settled) return this.answered(command);
          command.settled = true;
          this.deadlines.trim();
          this.fail(sink, false);
          resolve(L2_FAILED);
        },
      );
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.deadlines.failAll();
    for (const [event, fn] of this.listeners) this.redis.off(event, fn);
    // Late errors of a connection being torn down must not crash the process.
    this.redis.on('error', () => {});
  }

  /** A command that missed its deadline got its (late) answer: the connection moves again. */
  private answered(command: Waiting): void {
    if (command.overdue !== this.socketEpoch) return;
    command.overdue = undefined;
    if (--this.overdue !== 0 || this.closed) return;
    // Moving again: replay what was refused meanwhile (the breaker may never have opened), or probe
    // now rather than at the end of the cooldown: a thawed Redis is usable within one round trip.
    if (this.usable()) this.options.onUsable();
    else if (this.breaker.state !== 'closed' && !this.probing) {
      clearTimeout(this.probeTimer);
      void this.probe(true);
    }
  }

  private fail(sink: FailureSink, timedOut: boolean): void {
    sink.errors++;
    if (timedOut) sink.timeouts++;
    this.breaker.failure();
  }

  private onOpen(): void {
    this.options.logger.warn(
      { threshold: this.options.breakerThreshold },
      'cache: Redis breaker opened after consecutive failures; serving from L1 and loaders',
    );
    this.scheduleProbe(this.options.breakerCooldownMs);
  }

  private onClosed(): void {
    this.options.logger.info('cache: Redis breaker closed; L2 in use again');
    this.options.onUsable();
  }

  private scheduleProbe(delayMs: number): void {
    clearTimeout(this.probeTimer);
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(false), Math.max(1, delayMs));
    this.probeTimer.unref();
  }

  /** reconnected: the connection just came back, which is reason enough to probe before the cooldown. */
  private async probe(reconnected: boolean): Promise<void> {
    if (this.closed || this.probing || this.breaker.state === 'closed') return;
    if (this.redis.status !== 'ready') {
      this.scheduleProbe(this.options.breakerCooldownMs); // the 'ready' event probes as soon as it is back
      return;
    }
    if (!reconnected && !this.breaker.allow()) {
      this.scheduleProbe(this.breaker.retryAfterSeconds() * 1000);
      return;
    }
    this.probing = true;
    const ok = await this.ping();
    this.probing = false;
    if (this.closed) {
      this.breaker.release();
      return;
    }
    if (ok) {
      this.breaker.success(); // closes it: onClosed replays what Redis missed
      return;
    }
    this.breaker.failure();
    this.scheduleProbe(this.options.breakerCooldownMs);
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.options.timeoutMs);
      this.redis.ping().then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }

  private onReady(): void {
    if (this.lost) this.options.logger.info('cache: Redis connection restored');
    this.lost = false;
    if (this.breaker.state !== 'closed') {
      clearTimeout(this.probeTimer);
      void this.probe(true);
      return;
    }
    this.breaker.success(); // failures from before the reconnection no longer count
    this.options.onUsable();
  }

  private onClose(): void {
    this.socketEpoch++;
    this.overdue = 0;
    if (this.lost || this.closed) return;
    this.lost = true;
    this.options.logger.warn('cache: Redis connection lost; serving from L1 and loaders while reconnecting');
  }

  private onError(error: unknown): void {
    // Connection errors repeat on every reconnection attempt; the close/ready transitions are logged once.
    const code = (error as { code?: unknown } | null)?.code;
    this.options.logger.debug({ code: typeof code === 'string' ? code : undefined }, 'cache: Redis error');
  }
}

export function createRedisConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { ...cacheRedisOptions(), ...extra });
}
