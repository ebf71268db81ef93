import { randomUUID } from 'node:crypto';
import { LibsqlDialect } from '@libsql/kysely-libsql';
import {
  type Dialect,
  Kysely,
  type Migration,
  Migrator,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
} from 'kysely';
import Database from 'libsql';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/auth/types.js';
import { authMigrations, createUserSync, upsertUser, usersTableMigration } from '../../src/auth/user-sync.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { Harness } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the users table is untyped here as in the module
type AnyDb = Kysely<any>;

function session(userId: string, overrides: Partial<Session> = {}): Session {
  return {
    session_id_hash: 'h',
    user_id: userId,
    email: `${userId}@example.test`,
    name: 'Ada',
    user_type: 'user',
    ip_address: null,
    user_agent: null,
    device_id: null,
    expires_at: null,
    user: { id: userId, email: `${userId}@example.test`, picture: null, nested: { a: 1 } },
    validated_at: Date.now(),
    ...overrides,
  };
}

const dialects: Array<[string, boolean, () => Dialect]> = [
  ['sqlite (libsql binding)', true, () => new SqliteDialect({ database: new Database(':memory:') })],
  ['libsql', true, () => new LibsqlDialect({ url: ':memory:' })],
  [
    'postgres',
    await serviceAvailable('postgres'),
    () => new PostgresDialect({ pool: new pg.Pool({ connectionString: SERVICE_URLS.postgres, max: 4 }) }),
  ],
  [
    'mysql',
    await serviceAvailable('mysql'),
    () => new MysqlDialect({ pool: createPool({ uri: SERVICE_URLS.mysql, connectionLimit: 4 }) }),
  ],
];

for (const [name, available, dialect] of dialects) {
  describe.skipIf(!available)(`users table and upsert on ${name}`, () => {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
    const table = `auth_users_${suffix}`;
    const migrations: Record<string, Migration> = {
      '2026_11_27_0100_create_users': usersTableMigration(table),
    };
    let db: AnyDb;
    let migrator: Migrator;

    beforeAll(async () => {
      db = new Kysely({ dialect: dialect() });
      migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: `auth_mig_${suffix}`,
        migrationLockTableName: `auth_mig_lock_${suffix}`,
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    });

    afterAll(async () => {
      await migrator.migrateDown();
      await db.schema.dropTable(`auth_mig_${suffix}`).ifExists().execute();
      await db.schema.dropTable(`auth_mig_lock_${suffix}`).ifExists().execute();
      await db.destroy();
    });

    it('inserts, then updates, one row per user even under concurrent writers', async () => {
      const id = `usr_${randomUUID()}`;
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => upsertUser(db, table, session(id, { name: `N${i}` }))),
      );
      const rows = await db.selectFrom(table).selectAll().where('id', '=', id).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]!.profile)).toEqual({
        id,
        email: `${id}@example.test`,
        picture: null,
        nested: { a: 1 },
      });
      const created = Number(rows[0]!.created_at);
      await upsertUser(
        db,
        table,
        session(id, { user_type: 'admin', email: 'new@example.test' }),
        created + 5000,
      );
      const after = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect([after.user_type, after.email, Number(after.created_at), Number(after.updated_at)]).toEqual([
        'admin',
        'new@example.test',
        created,
        created + 5000,
      ]);
    });

    it('an identical second write is not an error', async () => {
      const id = `usr_${randomUUID()}`;
      await upsertUser(db, table, session(id), 1000);
      await upsertUser(db, table, session(id), 1000);
      expect(await db.selectFrom(table).select('id').where('id', '=', id).execute()).toHaveLength(1);
    });
  });
}

it('ships one portable migration named for the shared sequence', () => {
  expect(Object.keys(authMigrations)).toEqual(['2026_11_27_0100_create_users']);
});

describe('user sync through createAuth (stand-in, SQLite)', () => {
  const h = new Harness();
  let db: AnyDb;
  const table = 'users';

  beforeAll(async () => {
    await h.start();
    db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => authMigrations } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  });
  afterAll(async () => {
    await h.close();
    await db.destroy();
  });

  it('writes on confirmation by Flowless, throttled per user, at once when the profile changes', async () => {
    const auth = await h.auth({ redis: false, userSync: { db, intervalSeconds: 300 } });
    const user = await h.newUser('user');
    const s1 = await h.standin.createSession(user.id);
    const s2 = await h.standin.createSession(user.id);
    await auth.validator.validate(s1.sessionId);
    await auth.validator.validate(s1.sessionId); // cache hit: no confirmation, no write
    await auth.validator.validate(s2.sessionId); // confirmed, same profile, inside the interval
    await auth.userSync!.idle();
    expect(auth.userSync!.metrics()).toEqual({ writes: 1, skipped: 1, failures: 0 });
    const row = await db.selectFrom(table).selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect([row.email, row.user_type, JSON.parse(row.profile).id]).toEqual([user.email, 'user', user.id]);

    h.standin.setResponseOverride({ user: { name: 'Renamed' } });
    const s3 = await h.standin.createSession(user.id);
    await auth.validator.validate(s3.sessionId);
    await auth.close();
    h.standin.setResponseOverride(null);
    expect(auth.userSync!.metrics().writes).toBe(2);
    expect(
      (await db.selectFrom(table).select('name').where('id', '=', user.id).executeTakeFirstOrThrow()).name,
    ).toBe('Renamed');
  });

  it('a failing write is counted and logged by code, never thrown into the request', async () => {
    const sync = createUserSync({ db, table: 'no_such_table', intervalSeconds: 0 });
    sync.note(session(`usr_${randomUUID()}`));
    await sync.idle();
    expect(sync.metrics()).toEqual({ writes: 0, skipped: 0, failures: 1 });
  });
});
