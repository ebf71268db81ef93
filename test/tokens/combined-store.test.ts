import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCombinedTokenStore,
  createDatabaseTokenStore,
  createRedisTokenStore,
  type TokenStateStore,
  type TrustTokenService,
} from '../../src/tokens/index.js';
import { captureLogger } from '../support/log-capture.js';
import { deleteMatching } from '../support/redis.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { connect, migrated, tcpProxy } from './backends.js';
import { codeOf, makeService, race, runId, testKeys } from './helpers.js';

const ready = (redis: Redis) =>
  new Promise<void>((resolve) => {
    if (redis.status === 'ready') resolve();
    else redis.once('ready', () => resolve());
  });

const available = (await serviceAvailable('redis')) && (await serviceAvailable('postgres'));

/**
 * Redis in front, PostgreSQL as the authority. Redis is reached through a TCP proxy the test
 * can cut, to have an outage in the middle of a burst of redemptions.
 */
describe.skipIf(!available)('combined store (Redis gate, database authority)', () => {
  const run = runId();
  const prefix = `test:tokens:${run}:`;
  const clients: Redis[] = [];
  const databases: Array<{ destroy(): Promise<void> }> = [];
  const log = captureLogger('info');
  let env: Awaited<ReturnType<typeof migrated>>;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let a: TrustTokenService;
  let b: TrustTokenService;
  let redisOnly: TrustTokenService;

  const redisClient = (url: string) => {
    const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    env = await migrated('postgres', run);
    proxy = await tcpProxy(SERVICE_URLS.redis, 6379);
    const keys = await testKeys();
    const second = connect('postgres', env.location);
    const instance = async (db: typeof env.db) => {
      const redis = createRedisTokenStore(redisClient(proxy.url), { prefix, timeoutMs: 250 });
      const database = createDatabaseTokenStore(db, { tablePrefix: env.tablePrefix });
      return makeService({ keys, store: createCombinedTokenStore(redis, database, { logger: log.logger }) });
    };
    a = await instance(env.db);
    b = await instance(second);
    databases.push(second);
    const onlyRedis = createRedisTokenStore(redisClient(proxy.url), { prefix, timeoutMs: 250 });
    redisOnly = await makeService({ keys, store: onlyRedis });
    await Promise.all(clients.map(ready));
  });

  afterAll(async () => {
    await proxy?.up().catch(() => undefined);
    await deleteMatching(SERVICE_URLS.redis, [`${prefix}*`]);
    for (const c of clients) c.disconnect();
    for (const db of databases) await db.destroy();
    await proxy?.down();
    await env?.drop();
  });

  const invitation = { type: 'invitation' };

  it('1,000 concurrent consumes across two instances: exactly one succeeds', async () => {
    const { token } = await a.issue('invitation', { sub: 'm' });
    const result = await race(1000, [() => a.consume(token, invitation), () => b.consume(token, invitation)]);
    expect(result).toEqual({ ok: 1, codes: { TOKEN_ALREADY_USED: 999 } });
  });

  it('a Redis outage in the middle of 1,000 concurrent consumes: still exactly one', async () => {
    const { token } = await a.issue('invitation', { sub: 'm' });
    let settled = 0;
    const cutAfter100 = <T>(p: Promise<T>) =>
      p.finally(() => {
        if (++settled === 100) void proxy.down();
      });
    const result = await race(1000, [
      () => cutAfter100(a.consume(token, invitation)),
      () => cutAfter100(b.consume(token, invitation)),
    ]);
    expect(result.ok).toBe(1);
    expect(result.codes).toEqual({ TOKEN_ALREADY_USED: 999 });
    // The cut really happened while redemptions were in flight.
    expect(log.text()).toContain('Redis unavailable');
    await proxy.up();
    await Promise.all(clients.map(ready));
  });

  it('a token consumed before an outage cannot be consumed during it; one consumed during it stays consumed after', async () => {
    const before = await a.issue('invitation', { sub: 'm' });
    await a.consume(before.token, invitation);

    await proxy.down();
    expect(await codeOf(b.consume(before.token, invitation))).toBe('TOKEN_ALREADY_USED');
    // Redis alone cannot decide anything while it is down: 503, never "probably consumed".
    const other = await a.issue('invitation', { sub: 'm' });
    expect(await codeOf(redisOnly.consume(other.token, invitation))).toBe('TOKEN_STATE_UNAVAILABLE');
    // During the outage the database alone still gives exactly one.
    const during = await a.issue('invitation', { sub: 'm' });
    const burst = await race(200, [
      () => a.consume(during.token, invitation),
      () => b.consume(during.token, invitation),
    ]);
    expect(burst).toEqual({ ok: 1, codes: { TOKEN_ALREADY_USED: 199 } });

    await proxy.up();
    await Promise.all(clients.map(ready));
    // Redis never saw that use; the database still refuses it.
    expect(await codeOf(b.consume(during.token, invitation))).toBe('TOKEN_ALREADY_USED');
    const after = await b.issue('invitation', { sub: 'm' });
    await expect(a.consume(after.token, invitation)).resolves.toBeDefined();
    expect(await codeOf(b.consume(after.token, invitation))).toBe('TOKEN_ALREADY_USED');
    const messages = log.lines().map((l) => JSON.parse(l).msg as string);
    expect(messages.some((m) => m.includes('Redis unavailable'))).toBe(true);
    expect(messages.some((m) => m.includes('Redis is back'))).toBe(true);
  });

  it('revocations written during an outage hold after it', async () => {
    const { token, jti } = await a.issue('api_access', { sub: 'erin' });
    await proxy.down();
    await b.revoke(jti);
    await proxy.up();
    await Promise.all(clients.map(ready));
    expect(await codeOf(a.verify(token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    expect(await codeOf(a.consume(token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
  });

  it('when the database write fails, the Redis claim is released: the token is not burnt', async () => {
    let failing = true;
    const real = createDatabaseTokenStore(env.db, { tablePrefix: env.tablePrefix });
    const flaky: TokenStateStore = {
      ...real,
      consume: (jti, retention) =>
        failing ? Promise.reject(new Error('db down')) : real.consume(jti, retention),
    };
    const redis = createRedisTokenStore(redisClient(SERVICE_URLS.redis), { prefix });
    const service = await makeService({
      keys: await testKeys(),
      store: createCombinedTokenStore(redis, flaky),
    });
    const { token } = await service.issue('invitation', {});
    expect(await codeOf(service.consume(token, invitation))).toBe('TOKEN_STATE_UNAVAILABLE');
    failing = false;
    await expect(service.consume(token, invitation)).resolves.toBeDefined();
    expect(await codeOf(service.consume(token, invitation))).toBe('TOKEN_ALREADY_USED');
  });
});
