/**
 * Guards L2 reads against writes that land while they are in flight: such a read's answer may predate
 * the write and must not fill L1. Every local write or invalidation bumps a sequence number; while
 * reads are in flight, writes also note their key. A read costs two counter updates when nothing is
 * written meanwhile.
 */
export class ReadGuard {
  private writeSeq = 0;
  private readsInFlight = 0;
  private readonly writtenDuringReads = new Map<string, number>();
  private wholeInvalidatedAt = 0;

  /** A read starts: returns its ticket for end(). */
  begin(): number {
    this.readsInFlight++;
    return this.writeSeq;
  }

  /** The read that began with ticket ends: may its answer fill L1? */
  end(key: string, ticket: number): boolean {
    const fillable =
      ticket === this.writeSeq ||
      (this.wholeInvalidatedAt <= ticket && (this.writtenDuringReads.get(key) ?? 0) <= ticket);
    if (--this.readsInFlight === 0 && this.writtenDuringReads.size > 0) this.writtenDuringReads.clear();
    return fillable;
  }

  /** key was written or invalidated in this instance. */
  written(key: string): void {
    this.writeSeq++;
    if (this.readsInFlight > 0) this.writtenDuringReads.set(key, this.writeSeq);
  }

  /** Every key was (a clear, a tag invalidation). */
  writtenAll(): void {
    this.writeSeq++;
    this.wholeInvalidatedAt = this.writeSeq;
  }
}
