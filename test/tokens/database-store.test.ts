import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseTokenStore,
  TOKEN_MIGRATION_NAME,
  type TokenStateStore,
  type TrustTokenService,
} from '../../src/tokens/index.js';
import { serviceAvailable } from '../support/services.js';
import { connect, type Dialect, migrated } from './backends.js';
import { codeOf, makeService, race, runId, testKeys } from './helpers.js';

const at = (untilMs: number) => ({ untilMs, ttlMs: Math.max(1, untilMs - Date.now()) });
const inAnHour = () => at(Date.now() + 3600_000);

/** The same contract on every dialect: the DDL is the same, the guarantees are the same. */
function databaseSuite(dialect: Dialect, concurrent: number) {
  let env: Awaited<ReturnType<typeof migrated>>;
  let store: TokenStateStore;
  const extra: Array<{ destroy(): Promise<void> }> = [];

  beforeAll(async () => {
    env = await migrated(dialect, runId());
    store = createDatabaseTokenStore(env.db, { tablePrefix: env.tablePrefix });
  });

  afterAll(async () => {
    for (const db of extra) await db.destroy();
    await env?.drop();
  });

  it(`migration ${TOKEN_MIGRATION_NAME} creates both tables`, async () => {
    const tables = (await env.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining([env.tables.uses, env.tables.subjects]));
  });

  it('consume: once "consumed", then "used"', async () => {
    expect(await store.consume('jti-consume-0000001', inAnHour())).toBe('consumed');
    expect(await store.consume('jti-consume-0000001', inAnHour())).toBe('used');
    expect((await store.lookup('jti-consume-0000001', undefined)).jti).toBe('used');
  });

  it('a revoked jti cannot be consumed; revoking a used jti keeps it used', async () => {
    await store.revoke('jti-revoke-00000001', inAnHour());
    await store.revoke('jti-revoke-00000001', inAnHour());
    expect(await store.consume('jti-revoke-00000001', inAnHour())).toBe('revoked');
    expect(await store.consume('jti-revoke-00000002', inAnHour())).toBe('consumed');
    await store.revoke('jti-revoke-00000002', inAnHour());
    expect((await store.lookup('jti-revoke-00000002', undefined)).jti).toBe('used');
  });

  it('a subject not-before only moves forward, and is read with the jti in one lookup', async () => {
    const key = 'a'.repeat(64);
    await store.revokeSubject(key, 4_102_444_800_000, inAnHour());
    await store.revokeSubject(key, 1_000, inAnHour());
    expect(await store.lookup('jti-unknown-0000001', key)).toEqual({
      jti: null,
      subjectNotBeforeMs: 4_102_444_800_000,
    });
    await store.revokeSubject(key, 4_102_444_800_001, inAnHour());
    expect((await store.lookup('jti-consume-0000001', key)).subjectNotBeforeMs).toBe(4_102_444_800_001);
    expect(await store.lookup('jti-consume-0000001', 'b'.repeat(64))).toEqual({
      jti: 'used',
      subjectNotBeforeMs: null,
    });
  });

  it('purgeExpired drops only records past their retention', async () => {
    const past = at(Date.now() - 1000);
    await store.consume('jti-purge-000000001', past);
    await store.revokeSubject('c'.repeat(64), 5, past);
    await store.consume('jti-purge-000000002', inAnHour());
    expect(await store.purgeExpired(Date.now())).toBe(2);
    expect((await store.lookup('jti-purge-000000001', undefined)).jti).toBeNull();
    expect((await store.lookup('jti-purge-000000002', undefined)).jti).toBe('used');
  });

  it(`${concurrent} concurrent consumes of one token across two instances: exactly one succeeds`, async () => {
    const keys = await testKeys();
    const second = connect(dialect, env.location);
    extra.push(second);
    const instances: TrustTokenService[] = [
      await makeService({ keys, store }),
      await makeService({ keys, store: createDatabaseTokenStore(second, { tablePrefix: env.tablePrefix }) }),
    ];
    const { token } = await instances[0]!.issue('invitation', { sub: 'member-2' });
    const attempt = (s: TrustTokenService) => () => s.consume(token, { type: 'invitation' });
    const result = await race(concurrent, instances.map(attempt));
    expect(result).toEqual({ ok: 1, codes: { TOKEN_ALREADY_USED: concurrent - 1 } });
    expect(await codeOf(instances[1]!.verify(token, { type: 'invitation' }))).toBe('TOKEN_ALREADY_USED');
  });

  it('revokeAllFor through the database', async () => {
    const service = await makeService({ store });
    const before = await service.issue('password_reset', { sub: 'dave' });
    await new Promise((r) => setTimeout(r, 2));
    await service.revokeAllFor('dave');
    await new Promise((r) => setTimeout(r, 2));
    const after = await service.issue('password_reset', { sub: 'dave' });
    expect(await codeOf(service.verify(before.token, { type: 'password_reset' }))).toBe('TOKEN_REVOKED');
    await expect(service.consume(after.token, { type: 'password_reset' })).resolves.toBeDefined();
  });
}

describe.skipIf(!(await serviceAvailable('postgres')))('database token store: PostgreSQL', () => {
  databaseSuite('postgres', 1000);
});

describe.skipIf(!(await serviceAvailable('mysql')))('database token store: MariaDB', () => {
  databaseSuite('mysql', 1000);
});

describe('database token store: SQLite (libsql binding)', () => {
  databaseSuite('sqlite', 200);
});

describe('database token store: libsql (local file)', () => {
  databaseSuite('libsql', 200);
});

describe('database token store: a database that is down', () => {
  it('consume fails with TOKEN_STATE_UNAVAILABLE, never a success', async () => {
    const db = connect('postgres', 'postgres://postgres@127.0.0.1:1/none', 1);
    const service = await makeService({ store: createDatabaseTokenStore(db) });
    const { token } = await service.issue('invitation', {});
    expect(await codeOf(service.consume(token, { type: 'invitation' }))).toBe('TOKEN_STATE_UNAVAILABLE');
    await db.destroy();
  });
});
