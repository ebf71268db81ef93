import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type TrustTokenService } from '../../src/tokens/index.js';
import { deleteMatching } from '../support/redis.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { codeOf, makeService, race, rejection, runId, testKeys } from './helpers.js';

const retention = (seconds: number) => ({ untilMs: Date.now() + seconds * 1000, ttlMs: seconds * 1000 });

describe.skipIf(!(await serviceAvailable('redis')))('Redis token store', () => {
  const prefix = `test:tokens:${runId()}:`;
  const clients: Redis[] = [];
  let instances: TrustTokenService[];

  const client = () => {
    const c = new Redis(SERVICE_URLS.redis, { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const keys = await testKeys();
    // Two instances: own Redis connection, own store, same keys: two servers of one application.
    instances = await Promise.all(
      [client(), client()].map((c) => makeService({ keys, store: createRedisTokenStore(c, { prefix }) })),
    );
  });

  afterAll(async () => {
    await deleteMatching(clients[0]!, [`${prefix}*`]);
    for (const c of clients) c.disconnect();
  });

  it('1,000 concurrent consumes of one token across two instances: exactly one succeeds', async () => {
    const [a, b] = instances as [TrustTokenService, TrustTokenService];
    const { token } = await a.issue('invitation', { sub: 'member-1' });
    const expect1 = { type: 'invitation' };
    const result = await race(1000, [() => a.consume(token, expect1), () => b.consume(token, expect1)]);
    expect(result).toEqual({ ok: 1, codes: { TOKEN_ALREADY_USED: 999 } });
  });

  it('keys state by jti for the rest of the token lifetime, never by the token string', async () => {
    const [a] = instances as [TrustTokenService];
    const { token, jti } = await a.issue('password_reset', { sub: 'u' });
    await a.consume(token, { type: 'password_reset' });
    const admin = clients[0]!;
    const keys = await admin.keys(`${prefix}*`);
    expect(keys).toContain(`${prefix}jti:${jti}`);
    expect(keys.some((k) => k.includes(token.split('.')[2]!.slice(0, 20)))).toBe(false);
    const ttl = await admin.pttl(`${prefix}jti:${jti}`);
    // password_reset lives 3600 s, plus 60 s of skew.
    expect(ttl).toBeGreaterThan(3600_000);
    expect(ttl).toBeLessThanOrEqual(3660_000);
  });

  it('revoke and revokeAllFor are seen by the other instance', async () => {
    const [a, b] = instances as [TrustTokenService, TrustTokenService];
    const one = await a.issue('api_access', { sub: 'carol' });
    const two = await a.issue('api_access', { sub: 'carol' });
    await b.revoke(one.jti);
    expect(await codeOf(a.verify(one.token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    expect(await codeOf(a.consume(one.token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    await expect(a.verify(two.token, { type: 'api_access' })).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 2));
    await b.revokeAllFor('carol');
    expect(await codeOf(a.verify(two.token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    await new Promise((r) => setTimeout(r, 2));
    const three = await a.issue('api_access', { sub: 'carol' });
    await expect(b.verify(three.token, { type: 'api_access' })).resolves.toBeDefined();
  });

  it('a subject not-before only ever moves forward', async () => {
    const store = createRedisTokenStore(client(), { prefix });
    await store.revokeSubject('subject-x', 2000, retention(60));
    await store.revokeSubject('subject-x', 1000, retention(60));
    expect((await store.lookup('j'.repeat(20), 'subject-x')).subjectNotBeforeMs).toBe(2000);
    await store.revokeSubject('subject-x', 3000, retention(60));
    expect((await store.lookup('j'.repeat(20), 'subject-x')).subjectNotBeforeMs).toBe(3000);
  });

  it('a revoked jti cannot be consumed, and revoking a used one keeps it used', async () => {
    const store = createRedisTokenStore(client(), { prefix });
    await store.revoke('revoked-jti-000000', retention(60));
    expect(await store.consume('revoked-jti-000000', retention(60))).toBe('revoked');
    expect(await store.consume('used-jti-0000000000', retention(60))).toBe('consumed');
    await store.revoke('used-jti-0000000000', retention(60));
    expect((await store.lookup('used-jti-0000000000', undefined)).jti).toBe('used');
  });

  it('a Redis that refuses connections: TOKEN_STATE_UNAVAILABLE, not a success', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    clients.push(dead);
    dead.on('error', () => {});
    const service = await makeService({ store: createRedisTokenStore(dead, { prefix, timeoutMs: 300 }) });
    const { token } = await service.issue('invitation', {});
    const err = await rejection(service.consume(token, { type: 'invitation' }));
    expect([err.code, err.status]).toEqual(['TOKEN_STATE_UNAVAILABLE', 503]);
  });

  it('a Redis that hangs: TOKEN_STATE_UNAVAILABLE after the store timeout, not a hung request', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => held.push(socket.on('data', () => {})));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const frozen = new Redis({ port, host: '127.0.0.1' });
    clients.push(frozen);
    const service = await makeService({ store: createRedisTokenStore(frozen, { prefix, timeoutMs: 200 }) });
    const { token } = await service.issue('invitation', {});
    const started = Date.now();
    expect(await codeOf(service.consume(token, { type: 'invitation' }))).toBe('TOKEN_STATE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    frozen.disconnect();
    for (const socket of held) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
