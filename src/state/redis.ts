import type { Redis } from 'ioredis';
import { FlowfullConfigError } from '../errors.js';
import { CircuitBreaker, type Clock, type ConnectionGate } from '../resilience/index.js';
import { STATE_DEFAULTS } from './defaults.js';
import { checkTtl, wholeNumber } from './options.js';
import { type Claim, type StateStore, StateUnavailableError } from './types.js';

export interface RedisStateStoreOptions {
  /** Prepended to every key. @default STATE_DEFAULTS.prefix */
  prefix?: string;
  /** Deadline of each command in ms. @default STATE_DEFAULTS.timeoutMs */
  timeoutMs?: number;
  /** Consecutive failures that open the breaker. @default STATE_DEFAULTS.breakerThreshold */
  breakerThreshold?: number;
  /** @default STATE_DEFAULTS.breakerCooldownMs */
  breakerCooldownMs?: number;
  clock?: Clock;
  /** Called when the breaker opens or closes: the place for one log line. */
  onBreakerChange?: (state: 'open' | 'closed') => void;
  /**
   * The connection's shared deadline and breaker (the cache runtime's `gate`). Given, it replaces the
   * store's own timeout and breaker (timeoutMs and breaker* are then unused): one frozen Redis is one
   * verdict for every user of the connection, and costs a request at most one timeout.
   */
  gate?: ConnectionGate;
}

// One round trip for winner and losers alike; a loser gets the winner's value back.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])`;

// A sorted set scored by last-seen time: add, drop what left the window, keep the newest maxMembers.
const NOTE_MEMBER = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[4])
if n > max then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
  n = max
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return n`;

/**
 * Redis as the one authority every instance asks. Each command has its own deadline and goes through
 * a circuit breaker: a frozen or dead Redis costs a few requests one timeout each, then the store
 * refuses at once (StateUnavailableError) until a probe gets an answer. A command that timed out may
 * still run later; CLAIM is SET NX, so a late one can only lose, or win a key nobody else holds.
 *
 * Give it a connection with `enableOfflineQueue: false` (the cache runtime's is) so that commands fail
 * at once while it is disconnected instead of queueing.
 */
export function createRedisStateStore(redis: Redis, options: RedisStateStoreOptions = {}): StateStore {
  const owner = 'createRedisStateStore';
  if (redis === undefined || redis === null)
    throw new FlowfullConfigError(`${owner}: a Redis client is required`);
  const prefix = options.prefix ?? STATE_DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new FlowfullConfigError(`${owner}: prefix must be a string`);
  const timeoutMs = wholeNumber(owner, 'timeoutMs', options.timeoutMs ?? STATE_DEFAULTS.timeoutMs, 1);
  const breaker = new CircuitBreaker({
    threshold: wholeNumber(
      owner,
      'breakerThreshold',
      options.breakerThreshold ?? STATE_DEFAULTS.breakerThreshold,
      1,
    ),
    cooldownMs: wholeNumber(
      owner,
      'breakerCooldownMs',
      options.breakerCooldownMs ?? STATE_DEFAULTS.breakerCooldownMs,
      0,
    ),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onBreakerChange ? { onChange: options.onBreakerChange } : {}),
  });

  const gate = options.gate;

  async function viaGate<T>(shared: ConnectionGate, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await shared.call(call);
    } catch (cause) {
      throw new StateUnavailableError(`state store: redis ${what} failed`, {
        cause,
        retryAfterSeconds: shared.retryAfterSeconds(),
      });
    }
  }

  async function run<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (gate !== undefined) return viaGate(gate, what, call);
    if (!breaker.allow()) {
      throw new StateUnavailableError(`state store: redis ${what} refused, breaker open`, {
        retryAfterSeconds: breaker.retryAfterSeconds(),
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([call(), deadline]);
      breaker.success();
      return result;
    } catch (cause) {
      breaker.failure();
      throw new StateUnavailableError(`state store: redis ${what} failed`, {
        cause,
        retryAfterSeconds: breaker.retryAfterSeconds(),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  const parse = <T>(raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T));

  return {
    kind: 'redis',
    async get<T>(key: string) {
      return parse<T>(await run('get', () => redis.get(prefix + key)));
    },
    async claim<T>(key: string, value: T, ttlMs: number): Promise<Claim<T>> {
      checkTtl('StateStore.claim', ttlMs);
      const raw = (await run('claim', () =>
        redis.eval(CLAIM, 1, prefix + key, JSON.stringify(value), String(ttlMs)),
      )) as string | null;
      return raw === null ? { value, won: true } : { value: parse<T>(raw) as T, won: false };
    },
    async put<T>(key: string, value: T, ttlMs: number) {
      checkTtl('StateStore.put', ttlMs);
      await run('put', () => redis.set(prefix + key, JSON.stringify(value), 'PX', ttlMs));
    },
    async noteMember(key, member, { nowMs, windowMs, maxMembers }) {
      const count = await run('noteMember', () =>
        redis.eval(
          NOTE_MEMBER,
          1,
          prefix + key,
          String(nowMs),
          member,
          String(nowMs - windowMs),
          String(maxMembers),
          String(Math.max(1, windowMs)),
        ),
      );
      return Number(count);
    },
    usable: () => (gate === undefined ? breaker.state !== 'open' : gate.usable()),
  };
}
