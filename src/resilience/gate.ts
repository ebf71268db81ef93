/**
 * One connection's deadline and circuit breaker, as every store that shares the connection sees them.
 * A Redis connection is one queue: when it freezes, every cache, store and limiter on it freezes with
 * it, so they share one breaker and one verdict instead of each paying its own timeouts to learn it.
 */
export interface ConnectionGate {
  /** Deadline of one command, ms. */
  readonly timeoutMs: number;
  /** Commands (of every user of the connection) that waited out the whole deadline, since creation. */
  readonly timeouts: number;
  /**
   * Runs op within the deadline, under the connection's breaker. Rejects with ConnectionUnavailableError
   * when the breaker refuses (at once, nothing sent), the command fails, or the deadline passes.
   */
  call<T>(op: () => Promise<T>): Promise<T>;
  /** Breaker closed and connection ready: for readiness, not for decisions. */
  usable(): boolean;
  /** Seconds until the breaker lets a probe through; 0 when closed. */
  retryAfterSeconds(): number;
}

/** Why a gated call got no answer: never a verdict about what was asked. */
export type UnavailableReason = 'refused' | 'failed' | 'timeout';

export class ConnectionUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message = `connection unavailable (${reason})`,
  ) {
    super(message);
    this.name = 'ConnectionUnavailableError';
  }
}
