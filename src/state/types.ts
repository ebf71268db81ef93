/**
 * Security state: what refuses or allows access and must be decided by one authority (session
 * bindings, invalidation tombstones, suspicious-activity windows). Unlike a cache entry it cannot be
 * reloaded from anywhere, so a store never guesses: every method either gets an answer from its
 * authority or throws StateUnavailableError, and the caller applies its own documented policy.
 */

/** First writer wins: `won` is true for exactly one of any number of concurrent claims of a key. */
export interface Claim<T> {
  /** The value stored under the key after the call: the caller's when it won, the winner's otherwise. */
  value: T;
  won: boolean;
}

export interface WindowOptions {
  /** Epoch ms of this observation. */
  nowMs: number;
  /** Members last seen this long ago or longer are dropped. */
  windowMs: number;
  /** At most this many members are kept (the most recently seen). */
  maxMembers: number;
}

export interface StateStore {
  /** 'redis' (shared by every instance) or 'memory' (this instance only). */
  readonly kind: 'redis' | 'memory';
  /** The value under `key`, or undefined when there is none (never when the store cannot tell). */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores `value` unless the key holds one; atomic across every user of the store. */
  claim<T>(key: string, value: T, ttlMs: number): Promise<Claim<T>>;
  /** Stores `value` whatever the key held (a tombstone replacing a binding). */
  put<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /**
   * Notes `member` as seen now in the sliding window under `key` and returns how many distinct
   * members the window holds, this one included. Atomic: two instances noting at once lose nothing.
   */
  noteMember(key: string, member: string, options: WindowOptions): Promise<number>;
  /** False while the store knows it cannot answer (breaker open): for readiness, not for decisions. */
  usable(): boolean;
}

/** The authority could not answer (timeout, connection, breaker open). Never a verdict about the key. */
export class StateUnavailableError extends Error {
  /** Seconds after which asking again makes sense (the breaker's cooldown), at least 1. */
  readonly retryAfterSeconds: number;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StateUnavailableError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds ?? 1));
  }
}

export function isStateUnavailable(error: unknown): error is StateUnavailableError {
  return error instanceof StateUnavailableError;
}
