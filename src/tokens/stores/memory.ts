import type { JtiState, TokenStateStore } from './types.js';

/**
 * State in this process's memory. Exactly-once holds within one process only: for tests,
 * benchmarks and a single development instance. Anything with two instances needs Redis or the
 * database.
 */
export function createMemoryTokenStore(options: { now?: () => number } = {}): TokenStateStore {
  const now = options.now ?? Date.now;
  const jtis = new Map<string, { state: JtiState; untilMs: number }>();
  const subjects = new Map<string, { notBeforeMs: number; untilMs: number }>();

  function current(jti: string): JtiState | null {
    const entry = jtis.get(jti);
    if (!entry) return null;
    if (entry.untilMs < now()) {
      jtis.delete(jti);
      return null;
    }
    return entry.state;
  }

  return {
    kind: 'memory',
    async consume(jti, retention) {
      const existing = current(jti);
      if (existing) return existing;
      jtis.set(jti, { state: 'used', untilMs: retention.untilMs });
      return 'consumed';
    },
    async revoke(jti, retention) {
      if (!current(jti)) jtis.set(jti, { state: 'revoked', untilMs: retention.untilMs });
    },
    async revokeSubject(key, notBeforeMs, retention) {
      const existing = subjects.get(key);
      if (!existing || existing.notBeforeMs < notBeforeMs) {
        subjects.set(key, { notBeforeMs, untilMs: retention.untilMs });
      }
    },
    async lookup(jti, key) {
      const subject = key === undefined ? undefined : subjects.get(key);
      return { jti: current(jti), subjectNotBeforeMs: subject ? subject.notBeforeMs : null };
    },
    async purgeExpired(nowMs) {
      let purged = 0;
      for (const [jti, entry] of jtis) if (entry.untilMs < nowMs && jtis.delete(jti)) purged++;
      for (const [key, entry] of subjects) if (entry.untilMs < nowMs && subjects.delete(key)) purged++;
      return purged;
    },
  };
}
