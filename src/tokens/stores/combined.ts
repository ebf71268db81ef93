import type { Logger } from '../../log/logger.js';
import type { RedisClaim, RedisTokenStore } from './redis.js';
import type { TokenStateStore } from './types.js';

export interface CombinedTokenStoreOptions {
  logger?: Logger;
}

/**
 * Redis in front of the database, with the database as the single authority.
 *
 * Every successful consume has written its jti to the database, so exactly-once rests on one
 * unique key, whichever of Redis or the database is up. Redis SET NX is the fast gate: of a
 * thousand concurrent redemptions, one reaches the database. When Redis is down or slow, consume
 * goes to the database alone, and a token consumed before the outage is still found there. When
 * the database is down, consume fails: a use recorded only in Redis could be replayed against the
 * database after Redis itself fails. Reads (lookup) go to the database for the same reason.
 */
export function createCombinedTokenStore(
  redis: RedisTokenStore,
  database: TokenStateStore,
  options: CombinedTokenStoreOptions = {},
): TokenStateStore {
  let redisDown = false;
  const redisFailed = (what: string, err: unknown) => {
    if (!redisDown) {
      options.logger?.warn(
        { err: err instanceof Error ? { name: err.name, message: err.message } : undefined, what },
        'trust tokens: Redis unavailable, the database alone decides until it is back',
      );
    }
    redisDown = true;
  };
  const redisOk = () => {
    if (redisDown) options.logger?.info('trust tokens: Redis is back');
    redisDown = false;
  };

  async function gate(jti: string, retention: Parameters<TokenStateStore['consume']>[1]) {
    try {
      const claim = await redis.claim(jti, retention);
      redisOk();
      return claim;
    } catch (err) {
      redisFailed('claim', err);
      return undefined;
    }
  }

  async function release(jti: string, claim: RedisClaim | undefined) {
    if (!claim?.holder) return;
    // Best effort: if this fails too, the token stays marked used in Redis until its expiry
    // (refused, never accepted twice) and a new one must be issued.
    await redis.release(jti, claim.holder).catch((err) => redisFailed('release', err));
  }

  return {
    kind: 'redis+database',
    async consume(jti, retention) {
      const claim = await gate(jti, retention);
      if (claim && claim.outcome !== 'consumed') return claim.outcome;
      try {
        return await database.consume(jti, retention);
      } catch (err) {
        await release(jti, claim);
        throw err;
      }
    },
    async revoke(jti, retention) {
      await database.revoke(jti, retention);
      await redis.revoke(jti, retention).then(redisOk, (err) => redisFailed('revoke', err));
    },
    async revokeSubject(key, notBeforeMs, retention) {
      await database.revokeSubject(key, notBeforeMs, retention);
      await redis
        .revokeSubject(key, notBeforeMs, retention)
        .then(redisOk, (err) => redisFailed('revokeSubject', err));
    },
    lookup: (jti, key) => database.lookup(jti, key),
    purgeExpired: (nowMs) => database.purgeExpired(nowMs),
  };
}
