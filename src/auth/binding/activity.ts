import { LRUCache } from 'lru-cache';
import type { Clock } from '../../resilience/index.js';
import type { StateStore } from '../../state/index.js';
import type { ActivityFacts } from './modes.js';

export interface ActivityTrackerOptions {
  store: StateStore;
  /** Key prefix in the store. */
  namespace: string;
  windowSeconds: number;
  /** Networks kept per session (the newest). */
  maxNetworks: number;
  /** Sessions whose recent networks this instance remembers, to skip redundant writes. */
  localMaxSessions: number;
  clock: Clock;
}

export interface ActivityTracker {
  /**
   * Notes that the session was used from `network` and returns how many networks it used in the
   * window. Throws StateUnavailableError when the store cannot answer: the guard decides what then.
   */
  note(sessionHash: string, network: string): Promise<ActivityFacts>;
}

interface Seen {
  /** Network -> when this instance last wrote it to the store (epoch ms). */
  networks: Map<string, number>;
  /** The store's count at that write. */
  count: number;
}

/**
 * The shared per-session window of networks lives in the StateStore (one atomic window per session,
 * so two instances noting at once lose nothing). A network this instance wrote less than a quarter
 * window ago is answered from memory: a steady session costs no store round trip for this check.
 */
export function createActivityTracker(options: ActivityTrackerOptions): ActivityTracker {
  const { store, namespace, maxNetworks, clock } = options;
  const windowMs = options.windowSeconds * 1000;
  const local = new LRUCache<string, Seen>({ max: options.localMaxSessions });

  return {
    async note(hash, network) {
      const now = clock.now();
      const seen = local.get(hash);
      const at = seen?.networks.get(network);
      if (seen !== undefined && at !== undefined && now - at < windowMs / 4) {
        return { distinctNetworks: seen.count };
      }
      const count = await store.noteMember(`${namespace}:${hash}`, network, {
        nowMs: now,
        windowMs,
        maxMembers: maxNetworks,
      });
      const networks = seen?.networks ?? new Map<string, number>();
      for (const [net, when] of networks) if (now - when >= windowMs) networks.delete(net);
      networks.delete(network);
      networks.set(network, now);
      while (networks.size > maxNetworks) networks.delete(networks.keys().next().value!);
      local.set(hash, { networks, count });
      return { distinctNetworks: count };
    },
  };
}
