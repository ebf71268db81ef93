import { type Codec, decodeEnvelope, encodeEnvelope } from './codec.js';
import { secondsToMs } from './options.js';
import type { Absent } from './types.js';

/**
 * The cache's one "no value" marker: what LoaderContext.absent() returns, carrying how long the
 * absence is remembered. Every cache (hybrid and pass-through) recognises it with `instanceof`.
 */
export class AbsentValue {
  constructor(readonly ttlMs: number) {}
}

/** LoaderContext.absent: the marker, typed as the opaque Absent of the public API. */
export function absent(ttlSeconds: number): Absent {
  return new AbsentValue(secondsToMs(ttlSeconds, 'absent ttl')) as unknown as Absent;
}

/** One cached entry, as L1 keeps it and as it is decoded from Redis. */
export interface CacheEntry {
  /** The value itself, its serialized text (cloneOnL1), or undefined for a remembered absence. */
  value: unknown;
  /** A remembered absence (negative cache): reads answer undefined without loading. */
  absent: boolean;
  /** Logical expiry, epoch ms: fresh before, stale after. */
  expiresAt: number;
  /** Physical end, epoch ms: expiresAt, or later by the fail-safe window. */
  staleUntil: number;
  tags: string[] | undefined;
}

export interface BuiltEntry {
  entry: CacheEntry;
  /** The Redis envelope; undefined when nothing needs the text or the value cannot be serialized. */
  envelope: string | undefined;
  /** False when the value needed its text and could not be serialized (BigInt, a cycle, a function). */
  serializable: boolean;
}

export interface EntryShape {
  ttlMs: number;
  /** Extra life past the expiry for fail-safe, in ms. */
  staleMs: number;
  tags: string[] | undefined;
  absent: boolean;
}

/** Turns values into entries and envelopes, and envelopes back into entries, for one cache. */
export class EntryCodec {
  /** Whether an entry needs its serialized form: for Redis, for cloneOnL1, or for byte accounting. */
  private readonly needsText: boolean;

  constructor(
    private readonly codec: Codec,
    readonly clone: boolean,
    private readonly jitter: number,
    hasRemote: boolean,
    bytesBounded: boolean,
  ) {
    this.needsText = hasRemote || clone || bytesBounded;
  }

  /** What a reader gets for an entry: undefined for an absence, a fresh copy with cloneOnL1. */
  read(entry: CacheEntry): unknown {
    if (entry.absent) return undefined;
    return this.clone ? this.codec.fromText(entry.value as string) : entry.value;
  }

  /**
   * Builds the entry and, when needed, its envelope. Returns undefined when the value cannot be
   * serialized and so cannot be cached at all (cloneOnL1 keeps the text); without cloneOnL1 such a
   * value is kept in L1 with no envelope (serializable: false).
   */
  build(value: unknown, now: number, shape: EntryShape): BuiltEntry | undefined {
    const expiresAt = now + this.jittered(shape.ttlMs);
    const tags = shape.tags !== undefined && shape.tags.length > 0 ? shape.tags : undefined;
    const staleUntil = expiresAt + shape.staleMs;
    const entry: CacheEntry = { value, absent: shape.absent, expiresAt, staleUntil, tags };
    if (shape.absent) {
      entry.value = undefined;
      const envelope = this.needsText ? encodeEnvelope(expiresAt, staleUntil, tags, undefined) : undefined;
      return { entry, envelope, serializable: true };
    }
    if (!this.needsText) return { entry, envelope: undefined, serializable: true };
    const text = this.clone ? this.codec.toText(value) : undefined;
    const payload = !this.clone
      ? this.codec.payload(value)
      : text === undefined
        ? undefined
        : this.codec.payloadFromText(text);
    if (payload === undefined) {
      return this.clone ? undefined : { entry, envelope: undefined, serializable: false };
    }
    if (this.clone) entry.value = text;
    return { entry, envelope: encodeEnvelope(expiresAt, staleUntil, tags, payload), serializable: true };
  }

  /** The entry of a Redis envelope, or undefined when it cannot be decoded. */
  decode(raw: string): CacheEntry | undefined {
    const envelope = decodeEnvelope(raw);
    if (envelope === undefined) return undefined;
    const tags = Array.isArray(envelope.t) ? envelope.t : undefined;
    const expiresAt = envelope.e;
    const staleUntil = typeof envelope.s === 'number' ? envelope.s : expiresAt;
    if (envelope.a === 1) return { value: undefined, absent: true, expiresAt, staleUntil, tags };
    try {
      const value = this.clone
        ? this.codec.textFromEnvelope(envelope.v)
        : this.codec.fromEnvelope(envelope.v);
      return { value, absent: false, expiresAt, staleUntil, tags };
    } catch {
      return undefined;
    }
  }

  private jittered(ttlMs: number): number {
    if (this.jitter === 0) return ttlMs;
    return Math.max(1, Math.round(ttlMs * (1 - this.jitter * Math.random())));
  }
}
