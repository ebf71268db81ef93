import { LRUCache } from 'lru-cache';
import { type Clock, systemClock } from '../resilience/index.js';
import { STATE_DEFAULTS } from './defaults.js';
import { checkTtl, wholeNumber } from './options.js';
import type { Claim, StateStore } from './types.js';

export interface MemoryStateStoreOptions {
  /** Bound in keys; beyond it the least recently used go first. @default STATE_DEFAULTS.maxEntries */
  maxEntries?: number;
  clock?: Clock;
}

type Slot = { value: unknown } | { members: Map<string, number> };

/**
 * State in this process's memory: the authority for a single instance. Nothing is shared, so two
 * instances each decide for themselves; anything with several instances needs the Redis store.
 * Bounded: a flood of new sessions evicts the least recently used keys, never grows without end.
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  const max = wholeNumber(
    'createMemoryStateStore',
    'maxEntries',
    options.maxEntries ?? STATE_DEFAULTS.maxEntries,
    1,
  );
  const clock = options.clock ?? systemClock;
  // ttlResolution 0: every expiry check reads the injected clock, so tests can move time.
  const slots = new LRUCache<string, Slot>({ max, ttlResolution: 0, perf: { now: () => clock.now() } });

  return {
    kind: 'memory',
    async get<T>(key: string) {
      const slot = slots.get(key);
      return slot !== undefined && 'value' in slot ? (slot.value as T) : undefined;
    },
    async claim<T>(key: string, value: T, ttlMs: number): Promise<Claim<T>> {
      checkTtl('StateStore.claim', ttlMs);
      const slot = slots.get(key);
      if (slot !== undefined && 'value' in slot) return { value: slot.value as T, won: false };
      slots.set(key, { value }, { ttl: ttlMs });
      return { value, won: true };
    },
    async put<T>(key: string, value: T, ttlMs: number) {
      checkTtl('StateStore.put', ttlMs);
      slots.set(key, { value }, { ttl: ttlMs });
    },
    async noteMember(key, member, { nowMs, windowMs, maxMembers }) {
      const slot = slots.get(key);
      const members = slot !== undefined && 'members' in slot ? slot.members : new Map<string, number>();
      for (const [m, at] of members) if (nowMs - at >= windowMs) members.delete(m);
      members.delete(member);
      members.set(member, nowMs);
      // Insertion order is last-seen order: beyond the bound the longest unseen go first.
      while (members.size > maxMembers) members.delete(members.keys().next().value!);
      slots.set(key, { members }, { ttl: Math.max(1, windowMs) });
      return members.size;
    },
    usable: () => true,
  };
}
