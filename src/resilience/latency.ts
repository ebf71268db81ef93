import { FlowfullConfigError } from '../errors.js';

/** Count, mean and percentiles of a latency window, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50?: number;
  p99?: number;
}

/** @default 1024 samples */
export const LATENCY_WINDOW_DEFAULT_SIZE = 1024;

/**
 * The last N samples in a ring, plus an exact count and sum. Recording is an array store; percentiles
 * are computed when read, never on the request path.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;
  private recorded = 0;

  constructor(size = LATENCY_WINDOW_DEFAULT_SIZE) {
    if (!Number.isInteger(size) || size < 1) {
      throw new FlowfullConfigError(`LatencyWindow: size must be an integer >= 1 (got ${String(size)})`);
    }
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
    this.total += ms;
    this.recorded++;
  }

  /** Every sample ever recorded (not only those still in the window). */
  get count(): number {
    return this.recorded;
  }

  /** Sum of every sample ever recorded, in ms (a Prometheus summary's _sum). */
  get sum(): number {
    return this.total;
  }

  summary(): LatencySummary {
    if (this.recorded === 0) return { count: 0, mean: 0 };
    const sorted = this.samples.slice(0, this.filled).sort();
    const at = (q: number) => round(sorted[Math.min(this.filled - 1, Math.floor(q * this.filled))]!);
    return { count: this.recorded, mean: round(this.total / this.recorded), p50: at(0.5), p99: at(0.99) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
