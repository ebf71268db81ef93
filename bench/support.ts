/**
 * What the benches share: the load generator, the request/answer exchange with a server child process,
 * and the medians they report. Each bench keeps its own servers and figures.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** autocannon is CommonJS without types of its own. */
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * Asks a server child for a message of `type` (sending `{type}` first, except for the 'ready' it sends
 * on its own) and waits for it; a child that exits first rejects instead of hanging the bench.
 */
export function ask<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  type: T,
  options: { send?: boolean } = {},
): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server exited (${code}) before '${type}'`));
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<M, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (options.send ?? type !== 'ready') child.send({ type });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
