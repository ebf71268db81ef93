import type { Logger } from '../log/logger.js';

/** One log line per breaker change in front of Flowless (not one per refused call). */
export function logBreaker(logger: Logger, state: 'open' | 'closed', cooldownMs: number): void {
  if (state === 'open') logger.warn({ cooldownMs }, 'auth: Flowless breaker open, failing fast');
  else logger.info('auth: Flowless breaker closed, Flowless answers again');
}

/**
 * While the Flowless breaker is open, `GET /health` in the background (one at a time, every `pollMs`):
 * new sessions are accepted moments after Flowless returns instead of after the whole cooldown.
 */
export class HealthWatch {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pollMs: number,
    /** True once the breaker has closed: the watch stops. */
    private readonly recovered: () => boolean,
    /** One probe; a success ends the breaker's cooldown. */
    private readonly probe: (timeoutMs: number) => Promise<boolean>,
  ) {}

  start(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(async () => {
      if (this.recovered() || this.closed) return;
      await this.probe(this.pollMs).catch(() => false);
      if (!this.recovered()) this.start();
    }, this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  close(): void {
    this.closed = true;
    this.stop();
  }
}
