import type { PendingInvalidations } from './pending.js';
import type { RemoteCache } from './remote-cache.js';

/** Keys per DEL script: bounds one script's run time inside Redis. */
export const DELETE_BATCH = 500;

/**
 * The replay of invalidations Redis may have missed. Recording one schedules a retry (a failed write
 * while Redis still looked usable brings no recovery event); the runtime also calls flush() each time
 * Redis becomes usable again. Only what a replay actually carried out is settled.
 */
export class PendingReplay {
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pending: PendingInvalidations,
    private readonly remote: RemoteCache,
    private readonly retryDelayMs: number,
  ) {}

  markKeys(keys: string[]): void {
    this.pending.markKeys(keys);
    this.schedule();
  }

  markTag(tag: string): void {
    this.pending.markTag(tag);
    this.schedule();
  }

  markClear(): void {
    this.pending.markClear();
    this.schedule();
  }

  /** Replays what is pending; called when Redis becomes usable again, and by the retry timer. */
  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    try {
      // Records added while replaying, or a replay cut short, get another attempt.
      if (!(await this.replay()) || this.pending.size > 0) this.schedule();
    } finally {
      this.flushing = false;
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.remote.usable()) void this.flush();
    }, this.retryDelayMs);
    this.timer.unref();
  }

  private async replay(): Promise<boolean> {
    const snap = this.pending.snapshot();
    if (snap.clear !== 0) {
      if (!(await this.remote.clear())) return false;
      this.pending.settleUpTo(snap.clear);
    }
    for (const [tag, seq] of snap.tags) {
      if (!(await this.remote.invalidateTag(tag))) return false;
      this.pending.settleTag(tag, seq);
    }
    for (let i = 0; i < snap.keys.length; i += DELETE_BATCH) {
      const batch = snap.keys.slice(i, i + DELETE_BATCH);
      if (!(await this.remote.delete(batch.map(([key]) => key)))) return false;
      for (const [key, seq] of batch) this.pending.settleKey(key, seq);
    }
    return true;
  }
}
