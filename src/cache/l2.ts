import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';
import type { BreakerState } from './types.js';

/** What a Redis operation resolves to when it was skipped (breaker open, disconnected), failed or timed out. */
export const L2_FAILED: unique symbol = Symbol('l2-failed');
export type L2Result<T> = T | typeof L2_FAILED;

/** Where a failed command is counted (the cache's counters). */
export interface FailureSink {
  errors: number;
  timeouts: number;
}

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

interface Waiting {
  deadline: number;
  settled: boolean;
  sink: FailureSink;
  resolve: (value: unknown) => void;
}

/**
 * Deadlines of the commands in flight. Every command has the same timeout, so they expire in the order
 * they were sent: one timer, armed for the oldest unsettled command, serves them all, instead of one
 * timer per command on the L2 hit path.
 */
class Deadlines {
  private readonly queue: Waiting[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sweep = (): void => {
    this.timer = undefined;
    // Timers have millisecond granularity: what falls due within the next one expires now rather than
    // after another timer turn.
    const horizon = performance.now() + 1;
    while (this.head < this.queue.length) {
      const command = this.queue[this.head]!;
      if (!command.settled && command.deadline > horizon) break;
      this.head++;
      if (!command.settled) {
        command.settled = true;
        this.expire(command);
      }
    }
    this.compact();
    if (this.head < this.queue.length) this.arm(this.queue[this.head]!.deadline);
  };

  constructor(private readonly expire: (command: Waiting) => void) {}

  add(command: Waiting): void {
    this.queue.push(command);
    if (this.timer === undefined) this.arm(command.deadline);
  }

  /**
   * Drops settled commands from the front, so that settled commands die young (a queue that keeps them
   * until the next sweep costs more in garbage collection than a timer per command).
   */
  trim(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.settled) this.head++;
    this.compact();
  }

  /** Settles everything still waiting as failed (the link is closing). */
  failAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let i = this.head; i < this.queue.length; i++) {
      const command = this.queue[i]!;
      if (!command.settled) {
        command.settled = true;
        command.resolve(L2_FAILED);
      }
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.sweep, Math.max(1, Math.floor(deadline - performance.now())));
    this.timer.unref();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 64) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

export interface L2LinkOptions {
  timeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  logger: Logger;
  /** Called each time Redis becomes usable again (reconnected, or the breaker closed). */
  onUsable: () => void;
}

/**
 * The shared command connection behind every cache of a runtime, with a deadline on each command and a
 * circuit breaker. While the breaker is open no command is sent; a background PING (never a caller's
 * request) probes after the cooldown, and a reconnection probes at once.
 */
export class L2Link {
  state: BreakerState = 'closed';
  private failures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lost = false;
  private probing = false;
  private readonly listeners: [string, (...args: unknown[]) => void][];
  private readonly deadlines = new Deadlines((command) => {
    this.fail(command.sink, true);
    command.resolve(L2_FAILED);
  });

  constructor(
    readonly redis: Redis,
    private readonly options: L2LinkOptions,
  ) {
    this.listeners = [
      ['ready', () => this.onReady()],
      ['close', () => this.onClose()],
      ['error', (error) => this.onError(error)],
    ];
    for (const [event, fn] of this.listeners) redis.on(event, fn);
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  usable(): boolean {
    return this.state === 'closed' && this.redis.status === 'ready';
  }

  /** Runs op with the deadline; never rejects. */
  run<T>(sink: FailureSink, op: (redis: Redis) => Promise<T>): Promise<L2Result<T>> {
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
          if (command.settled) return;
          command.settled = true;
          this.deadlines.trim();
          this.failures = 0;
          resolve(value);
        },
        () => {
          if (command.settled) return;
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

  private fail(sink: FailureSink, timedOut: boolean): void {
    sink.errors++;
    if (timedOut) sink.timeouts++;
    this.failures++;
    if (this.state === 'closed' && this.failures >= this.options.breakerThreshold) {
      this.state = 'open';
      this.options.logger.warn(
        { failures: this.failures },
        'cache: Redis breaker opened after consecutive failures; serving from L1 and loaders',
      );
      this.scheduleProbe();
    }
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(), this.options.breakerCooldownMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.closed || this.probing || this.state === 'closed') return;
    if (this.redis.status !== 'ready') {
      this.scheduleProbe(); // the 'ready' event probes as soon as the connection is back
      return;
    }
    this.state = 'half_open';
    this.probing = true;
    const ok = await this.ping();
    this.probing = false;
    if (this.closed) return;
    if (!ok) {
      this.state = 'open';
      this.scheduleProbe();
      return;
    }
    this.state = 'closed';
    this.failures = 0;
    this.options.logger.info('cache: Redis breaker closed; L2 in use again');
    this.options.onUsable();
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
    if (this.state !== 'closed') {
      clearTimeout(this.probeTimer);
      void this.probe();
      return;
    }
    this.failures = 0;
    this.options.onUsable();
  }

  private onClose(): void {
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
