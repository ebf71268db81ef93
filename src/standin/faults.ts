import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { FaultRoute, StandinFaults } from './types.js';

export function noFaults(): StandinFaults {
  return {
    latencyMs: 0,
    status: null,
    nonJson: false,
    hang: false,
    refuse: false,
    failNext: 0,
    routes: ['bridge', 'logout'],
  };
}

/** What one call on a faulted route must go through before (or instead of) its normal answer. */
export interface FaultPlan {
  latencyMs: number;
  hang: boolean;
  answer: { kind: 'status'; status: number } | { kind: 'nonJson' } | null;
}

export interface FaultState {
  current(): StandinFaults;
  set(faults: Partial<StandinFaults>): void;
  reset(): void;
  /** Decides the fault for one arriving call; consumes one `failNext`. */
  plan(route: FaultRoute): FaultPlan;
  /** Latency then hang, as planned; rejects when the request or the stand-in goes away. */
  delay(plan: FaultPlan, request: AbortSignal): Promise<void>;
  /** Called with the new value whenever `refuse` changes (the server listens or stops). */
  onRefuseChange(listener: (refuse: boolean) => void): void;
  /** Ends every pending wait: the stand-in is closing. */
  shutdown(): void;
}

function checkFaults(faults: Partial<StandinFaults>): void {
  const { status, latencyMs, failNext } = faults;
  if (status != null && !(Number.isInteger(status) && status >= 200 && status <= 599))
    throw new AppError('VALIDATION_FAILED', 'faults.status must be an HTTP status between 200 and 599');
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new AppError('VALIDATION_FAILED', 'faults.latencyMs must be a non-negative number');
  if (failNext !== undefined && !(Number.isInteger(failNext) && failNext >= 0))
    throw new AppError('VALIDATION_FAILED', 'faults.failNext must be a non-negative integer');
}

export function createFaultState(initial: Partial<StandinFaults> = {}): FaultState {
  let faults = noFaults();
  let refuseListener: ((refuse: boolean) => void) | undefined;
  // Hung calls wait here until hang is cleared; the lifetime signal frees them on shutdown.
  let releaseHung: Array<() => void> = [];
  const lifetime = new AbortController();

  const apply = (next: StandinFaults) => {
    const refuseChanged = next.refuse !== faults.refuse;
    faults = next;
    if (!faults.hang) {
      for (const release of releaseHung) release();
      releaseHung = [];
    }
    if (refuseChanged) refuseListener?.(faults.refuse);
  };

  const waitForRelease = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (!faults.hang) return resolve();
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      releaseHung.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });

  const state: FaultState = {
    current: () => ({ ...faults, routes: [...faults.routes] }),
    set(partial) {
      checkFaults(partial);
      apply({ ...faults, ...partial });
    },
    reset: () => apply(noFaults()),
    plan(route) {
      if (!faults.routes.includes(route)) return { latencyMs: 0, hang: false, answer: null };
      let answer: FaultPlan['answer'] = null;
      if (faults.status !== null) answer = { kind: 'status', status: faults.status };
      else if (faults.nonJson) answer = { kind: 'nonJson' };
      if (answer && faults.failNext > 0) {
        faults.failNext -= 1;
        if (faults.failNext === 0) faults = { ...faults, status: null, nonJson: false };
      }
      return { latencyMs: faults.latencyMs, hang: faults.hang, answer };
    },
    async delay(plan, request) {
      const signal = AbortSignal.any([lifetime.signal, request]);
      if (plan.latencyMs > 0) await sleep(plan.latencyMs, undefined, { signal });
      if (plan.hang) await waitForRelease(signal);
    },
    onRefuseChange(listener) {
      refuseListener = listener;
    },
    shutdown() {
      lifetime.abort(new Error('stand-in closed'));
      releaseHung = [];
    },
  };
  state.set(initial);
  return state;
}
