/** What a running call can learn about itself (handed to the function given to SingleFlight.run). */
export interface Flight {
  /**
   * True once forget() or forgetAll() detached the call: later callers start a new one, and what this
   * one produces may predate a write made meanwhile (a cache must not store it).
   */
  readonly detached: boolean;
  /**
   * Keeps the call joinable until `work` settles, even after the call's own promise has settled: for an
   * answer given early (a stale value after a soft timeout) while the real work goes on, so that later
   * callers get that answer instead of starting the work a second time.
   */
  holdUntil(work: Promise<unknown>): void;
}

class Call<V> implements Flight {
  detached = false;
  promise!: Promise<V>;
  private holds = 1;

  constructor(private readonly release: (call: Call<V>) => void) {}

  holdUntil(work: Promise<unknown>): void {
    this.holds++;
    const done = () => this.settled();
    work.then(done, done);
  }

  settled(): void {
    if (--this.holds === 0) this.release(this);
  }
}

/**
 * One call per key at a time: callers that ask for a key while its call is in flight share that call's
 * promise. 10,000 concurrent requests for one uncached session make one upstream call.
 */
export class SingleFlight<K, V> {
  private readonly inflight = new Map<K, Call<V>>();

  /** Runs `fn` unless a call for `key` is in flight, in which case its promise is returned. */
  run(key: K, fn: (flight: Flight) => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending.promise;
    const call = new Call<V>((done) => {
      if (this.inflight.get(key) === done) this.inflight.delete(key);
    });
    let started: Promise<V>;
    try {
      started = fn(call);
    } catch (error) {
      started = Promise.reject(error);
    }
    call.promise = started.finally(() => call.settled());
    this.inflight.set(key, call);
    return call.promise;
  }

  /** The call in flight for `key`, if any. */
  get(key: K): Promise<V> | undefined {
    return this.inflight.get(key)?.promise;
  }

  /** Detach the call in flight for `key`: later callers start a new one (after an invalidation). */
  forget(key: K): void {
    const call = this.inflight.get(key);
    if (call === undefined) return;
    call.detached = true;
    this.inflight.delete(key);
  }

  forgetAll(): void {
    for (const call of this.inflight.values()) call.detached = true;
    this.inflight.clear();
  }

  get size(): number {
    return this.inflight.size;
  }
}
