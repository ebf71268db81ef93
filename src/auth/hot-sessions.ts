import type { Clock } from '../resilience/index.js';
import type { Session } from './types.js';

/**
 * Sessions validated moments ago, answered without a promise. Insertion-ordered Map: a refreshed
 * entry moves to the end, and beyond the bound the oldest go first.
 */
export class HotSessions {
  private readonly entries = new Map<string, { session: Session; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly clock: Clock,
  ) {}

  get(key: string): Session | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > this.clock.now()) return entry.session;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, session: Session): void {
    this.entries.delete(key);
    this.entries.set(key, { session, until: this.clock.now() + this.ttlMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
