import { L2_FAILED } from './l2-result.js';

/** Where a failed command is counted (the cache's counters). */
export interface FailureSink {
  errors: number;
  timeouts: number;
}

export interface Waiting {
  deadline: number;
  settled: boolean;
  /** Expired and still unanswered by Redis: the link's socket epoch at expiry. */
  overdue?: number;
  sink: FailureSink;
  resolve: (value: unknown) => void;
}

/**
 * Deadlines of the commands in flight. Every command has the same timeout, so they expire in the order
 * they were sent: one timer, armed for the oldest unsettled command, serves them all, instead of one
 * timer per command on the L2 hit path.
 */
export class Deadlines {
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
