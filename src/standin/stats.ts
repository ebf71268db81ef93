import type { RecordedBridgeRequest, StandinStats } from './types.js';

const KEEP_REQUESTS = 50;

export interface StatsRecorder {
  bridgeCall(request: RecordedBridgeRequest): void;
  logoutCall(): void;
  snapshot(): StandinStats;
  reset(): void;
}

/** Counters and the last bridge requests, in memory only: they hold secrets as sent and are never logged. */
export function createStatsRecorder(): StatsRecorder {
  let bridgeValidateCalls = 0;
  let logoutCalls = 0;
  let last: RecordedBridgeRequest[] = [];
  return {
    bridgeCall(request) {
      bridgeValidateCalls += 1;
      last.push(request);
      if (last.length > KEEP_REQUESTS) last = last.slice(-KEEP_REQUESTS);
    },
    logoutCall() {
      logoutCalls += 1;
    },
    snapshot: () => ({ bridgeValidateCalls, logoutCalls, lastBridgeRequests: structuredClone(last) }),
    reset() {
      bridgeValidateCalls = 0;
      logoutCalls = 0;
      last = [];
    },
  };
}
