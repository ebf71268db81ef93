import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConnectionGate } from '../../resilience/gate.js';
import type { ConsumeOutcome, JtiState, Retention, TokenStateLookup, TokenStateStore } from './types.js';

export interface RedisTokenStoreOptions {
  /** Prepended to every key; default 'flowfull:tokens:'. */
  prefix?: string;
  /**
   * Each command's deadline in ms (default 500). A Redis that hangs must not hang a request; a
   * command that timed out may still run later, which can only ever mark a token used, never unused.
   */
  timeoutMs?: number;
  /**
   * The connection's shared deadline and breaker (the cache runtime's `gate`). Given, every command
   * goes through it instead of timeoutMs: a consume waits at most the L2 timeout for Redis, and not at
   * all once the breaker is open (the combined store's database then decides alone).
   */
  gate?: ConnectionGate;
}

/** A won claim: `holder` proves it is ours when it has to be released. */
export interface RedisClaim {
  outcome: ConsumeOutcome;
  holder?: string;
}

export interface RedisTokenStore extends TokenStateStore {
  /** SET NX: the atomic gate. Used alone, or in front of the database by the combined store. */
  claim(jti: string, retention: Retention): Promise<RedisClaim>;
  /** Undoes a won claim whose database write failed; only deletes what `holder` set. */
  release(jti: string, holder: string): Promise<void>;
}

// One round trip for winner and losers alike; losers learn whether the jti was used or revoked.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return '' end
return redis.call('GET', KEYS[1]) or 'used'`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// A later revokeAllFor always wins, whatever order the calls arrive in.
const RAISE_NOT_BEFORE = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

export class RedisUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`redis ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function stateOf(value: string | null): JtiState | null {
  if (value === null) return null;
  return value === 'revoked' ? 'revoked' : 'used';
}

export function createRedisTokenStore(redis: Redis, options: RedisTokenStoreOptions = {}): RedisTokenStore {
  const prefix = options.prefix ?? 'flowfull:tokens:';
  const timeoutMs = options.timeoutMs ?? 500;
  const gate = options.gate;
  const jtiKey = (jti: string) => `${prefix}jti:${jti}`;
  const subjectKey = (key: string) => `${prefix}sub:${key}`;
  const run = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    gate !== undefined
      ? gate.call(call).catch((cause: unknown) => {
          throw new RedisUnavailableError(`redis ${what} failed`, { cause });
        })
      : withTimeout(
          call().catch((cause) => {
            throw new RedisUnavailableError(`redis ${what} failed`, { cause });
          }),
          timeoutMs,
          what,
        );

  async function claim(jti: string, retention: Retention): Promise<RedisClaim> {
    const holder = `used:${randomBytes(12).toString('base64url')}`;
    const current = (await run('claim', () =>
      redis.eval(CLAIM, 1, jtiKey(jti), holder, String(retention.ttlMs)),
    )) as string;
    return current === '' ? { outcome: 'consumed', holder } : { outcome: stateOf(current) ?? 'used' };
  }

  return {
    kind: 'redis',
    claim,
    async release(jti, holder) {
      await run('release', () => redis.eval(RELEASE, 1, jtiKey(jti), holder));
    },
    async consume(jti, retention) {
      return (await claim(jti, retention)).outcome;
    },
    async revoke(jti, retention) {
      await run('revoke', () => redis.set(jtiKey(jti), 'revoked', 'PX', retention.ttlMs, 'NX'));
    },
    async revokeSubject(key, notBeforeMs, retention) {
      await run('revokeSubject', () =>
        redis.eval(RAISE_NOT_BEFORE, 1, subjectKey(key), String(notBeforeMs), String(retention.ttlMs)),
      );
    },
    async lookup(jti, key): Promise<TokenStateLookup> {
      if (key === undefined) {
        const value = await run('lookup', () => redis.get(jtiKey(jti)));
        return { jti: stateOf(value), subjectNotBeforeMs: null };
      }
      const [value, notBefore] = await run('lookup', () => redis.mget(jtiKey(jti), subjectKey(key)));
      return { jti: stateOf(value ?? null), subjectNotBeforeMs: notBefore ? Number(notBefore) : null };
    },
    async purgeExpired() {
      return 0; // Redis expires its keys itself.
    },
  };
}
