import { LRUCache } from 'lru-cache';
import type { Logger } from '../../log/logger.js';
import type { ActivityFacts } from './modes.js';
import { type BindingCacheRuntime, bindingStore } from './store.js';

/** Networks a session was seen from, with the last time each was noted (epoch ms). */
interface ActivityRecord {
  networks: Record<string, number>;
}

const MAX_TRACKED_NETWORKS = 64;
const LOCAL_MAX_SESSIONS = 50_000;

/**
 * Records `network` as seen at `now`, drops entries older than the window, and says whether the
 * record changed. A network already noted is refreshed only after a quarter window, so a steady
 * session costs no write.
 */
export function noteNetwork(
  networks: Record<string, number>,
  network: string,
  now: number,
  windowMs: number,
): { networks: Record<string, number>; changed: boolean } {
  const kept = Object.entries(networks).filter(([, at]) => now - at < windowMs);
  let changed = kept.length !== Object.keys(networks).length;
  const last = networks[network];
  if (last === undefined || now - last >= windowMs / 4) {
    const others = kept.filter(([net]) => net !== network);
    kept.splice(0, kept.length, ...others, [network, now]);
    changed = true;
  }
  kept.sort((a, b) => b[1] - a[1]);
  return { networks: Object.fromEntries(kept.slice(0, MAX_TRACKED_NETWORKS)), changed };
}

function countWithin(networks: Record<string, number>, now: number, windowMs: number): number {
  let n = 0;
  for (const at of Object.values(networks)) if (now - at < windowMs) n++;
  return n;
}

export interface ActivityTrackerOptions {
  cache: BindingCacheRuntime;
  namespace: string;
  windowSeconds: number;
  logger: Logger;
  now: () => number;
}

export interface ActivityTracker {
  /** Notes that the session was used from `network` and returns how many networks it used in the window. */
  note(sessionHash: string, network: string): Promise<ActivityFacts>;
}

/**
 * Shared per-session network history. A request from a network this instance noted recently is
 * answered from memory; a new network reads the shared record from Redis first (not from a
 * possibly stale L1), merges and writes it back, so the instance that sees the extra network
 * sees every other instance's networks too.
 */
export function createActivityTracker(options: ActivityTrackerOptions): ActivityTracker {
  const { windowSeconds, now } = options;
  const windowMs = windowSeconds * 1000;
  const shared = bindingStore<ActivityRecord>(
    options.cache,
    options.namespace,
    windowSeconds,
    options.logger,
    {
      l2First: true,
    },
  );
  const local = new LRUCache<string, Record<string, number>>({ max: LOCAL_MAX_SESSIONS, ttl: windowMs });

  return {
    async note(hash, network) {
      const t = now();
      const known = local.get(hash);
      const at = known?.[network];
      if (known && at !== undefined && t - at < windowMs / 4) {
        return { distinctNetworks: countWithin(known, t, windowMs) };
      }
      const previous = (await shared.get(hash))?.networks ?? {};
      const next = noteNetwork(previous, network, t, windowMs);
      if (next.changed) await shared.set(hash, { networks: next.networks }, { ttl: windowSeconds });
      local.set(hash, next.networks);
      return { distinctNetworks: Object.keys(next.networks).length };
    },
  };
}
