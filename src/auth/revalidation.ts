import type { Logger } from '../log/logger.js';
import { type Clock, SingleFlight } from '../resilience/index.js';

/**
 * When a cached session is due for a background check with Flowless (BRIDGE_REVALIDATE_AFTER), and
 * one check per session at a time however many requests find it old. The check itself (what a
 * verdict does to the cache) belongs to the validator.
 */
export class RevalidationSchedule {
  private readonly flights = new SingleFlight<string, void>();

  constructor(
    private readonly afterMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Starts `check` for `key` unless one runs already, when `confirmedAt` is older than the threshold. */
  maybe(key: string, confirmedAt: number, check: () => Promise<void>): void {
    if (this.clock.now() - confirmedAt < this.afterMs) return;
    // Nobody awaits the check: a failure is logged (quietly: an outage is logged once by the breaker).
    this.flights.run(key, check).catch((err: unknown) => {
      this.logger.debug({ err: (err as Error)?.name, session: key }, 'auth: revalidation failed');
    });
  }
}
