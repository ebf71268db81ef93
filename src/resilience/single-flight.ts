/**
 * One call per key at a time: callers that ask for a key while its call is in flight share that call's
 * promise. 10,000 concurrent requests for one uncached session make one upstream call.
 */
export class SingleFlight<K, V> {
  private readonly inflight = new Map<K, Promise<V>>();

  /** Runs `fn` unless a call for `key` is in flight, in which case its promise is returned. */
  run(key: K, fn: () => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    let started: Promise<V>;
    try {
      started = fn();
    } catch (error) {
      started = Promise.reject(error);
    }
    const settled = started.finally(() => {
      if (this.inflight.get(key) === settled) this.inflight.delete(key);
    });
    this.inflight.set(key, settled);
    return settled;
  }

  /** The call in flight for `key`, if any. */
  get(key: K): Promise<V> | undefined {
    return this.inflight.get(key);
  }

  /** Detach the call in flight for `key`: later callers start a new one (after an invalidation). */
  forget(key: K): void {
    this.inflight.delete(key);
  }

  forgetAll(): void {
    this.inflight.clear();
  }

  get size(): number {
    return this.inflight.size;
  }
}
