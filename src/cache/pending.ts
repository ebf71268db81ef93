/** Beyond this many keys, a namespace-wide clear is replayed instead (bounded memory in long outages). */
const MAX_PENDING_KEYS = 100_000;

export interface PendingSnapshot {
  clear: number;
  tags: [string, number][];
  keys: [string, number][];
}

/**
 * Invalidations that Redis may have missed: deletes, overwrites, clears and tag invalidations made
 * while it was unusable (or whose command failed, and so may or may not have run). They are replayed
 * when Redis is back; until then reads of the keys concerned skip Redis, so a value deleted during an
 * outage is never read back from a Redis that kept it (frozen, or partitioned away).
 * Each record carries a sequence number so that a replay only settles what it actually replayed.
 */
export class PendingInvalidations {
  private readonly keys = new Map<string, number>();
  private readonly tags = new Map<string, number>();
  private clearSeq = 0;
  private seq = 0;

  get size(): number {
    return this.keys.size + this.tags.size + (this.clearSeq === 0 ? 0 : 1);
  }

  allowsRead(key: string): boolean {
    return this.clearSeq === 0 && (this.keys.size === 0 || !this.keys.has(key));
  }

  blocksTags(tags: string[] | undefined): boolean {
    if (this.tags.size === 0 || tags === undefined) return false;
    for (const tag of tags) if (this.tags.has(tag)) return true;
    return false;
  }

  markKeys(keys: string[]): void {
    if (this.keys.size + keys.length > MAX_PENDING_KEYS) {
      this.markClear();
      return;
    }
    for (const key of keys) this.keys.set(key, ++this.seq);
  }

  markTag(tag: string): void {
    this.tags.set(tag, ++this.seq);
  }

  markClear(): void {
    this.clearSeq = ++this.seq;
    this.keys.clear();
    this.tags.clear();
  }

  /** A successful write of these keys supersedes their pending records. */
  settleKeys(keys: string[]): void {
    if (this.keys.size === 0) return;
    for (const key of keys) this.keys.delete(key);
  }

  /** A successful clear supersedes everything recorded before it started. */
  settleUpTo(seq: number): void {
    if (this.clearSeq !== 0 && this.clearSeq <= seq) this.clearSeq = 0;
    for (const [key, s] of this.keys) if (s <= seq) this.keys.delete(key);
    for (const [tag, s] of this.tags) if (s <= seq) this.tags.delete(tag);
  }

  settleTag(tag: string, seq: number): void {
    if (this.tags.get(tag) === seq) this.tags.delete(tag);
  }

  settleKey(key: string, seq: number): void {
    if (this.keys.get(key) === seq) this.keys.delete(key);
  }

  get currentSeq(): number {
    return this.seq;
  }

  snapshot(): PendingSnapshot {
    return { clear: this.clearSeq, tags: [...this.tags], keys: [...this.keys] };
  }

  reset(): void {
    this.keys.clear();
    this.tags.clear();
    this.clearSeq = 0;
  }
}
