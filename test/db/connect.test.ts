import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, parseConfig } from '../../src/config/index.js';
import { databaseTypeOf } from '../../src/db/dialect.js';
import { createDatabase, type Database, databaseOptionsFromConfig, ping } from '../../src/db/index.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';

const SECRET = 'hunter2-S3cret';
const dir = mkdtempSync(join(tmpdir(), 'flowfull-db-connect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function using<T>(database: Database, body: (d: Database) => Promise<T>): Promise<T> {
  try {
    return await body(database);
  } finally {
    await database.close();
  }
}

function withUrl(base: string, change: (u: URL) => void): string {
  const u = new URL(base);
  change(u);
  return u.toString();
}

describe('createDatabase', () => {
  it('opens nothing until the first query, then creates the parent directory', async () => {
    const file = join(dir, 'lazy', 'deeper', 'app.db');
    const database = createDatabase({ url: `file:${file}` });
    expect(database.type).toBe('sqlite');
    expect(existsSync(join(dir, 'lazy'))).toBe(false);
    await using(database, async ({ db }) => {
      await sql`select 1`.execute(db);
      expect(existsSync(file)).toBe(true);
    });
  });

  it('SQLite files run in WAL mode with a busy timeout and foreign keys on', async () => {
    const database = createDatabase({ url: `sqlite://${join(dir, 'pragmas.db')}`, busyTimeoutMs: 1234 });
    await using(database, async ({ db }) => {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
      expect([mode.rows[0]?.journal_mode, busy.rows[0]?.timeout, fk.rows[0]?.foreign_keys]).toEqual([
        'wal',
        1234,
        1,
      ]);
    });
  });

  it('relative paths are relative to the working directory at creation', async () => {
    const home = process.cwd();
    const work = mkdtempSync(join(dir, 'cwd-'));
    process.chdir(work);
    let handles: Database[];
    try {
      handles = [
        createDatabase({ url: 'file:./data/a.db' }),
        createDatabase({ url: 'sqlite:b.db' }),
        createDatabase({ url: 'file:./data/c.db', type: 'libsql' }),
        createDatabase({ url: 'file:./my%20data/100%25.db', type: 'libsql' }),
        createDatabase({ url: 'file:./my%20data/100%25.db' }),
      ];
    } finally {
      process.chdir(home);
    }
    for (const handle of handles) await using(handle, async ({ db }) => sql`select 1`.execute(db));
    expect([
      existsSync(join(work, 'data/a.db')),
      existsSync(join(work, 'b.db')),
      existsSync(join(work, 'data/c.db')),
    ]).toEqual([true, true, true]);
    expect(existsSync(join(work, 'my data/100%.db'))).toBe(true);
    expect(existsSync(join(home, 'b.db'))).toBe(false);
  });

  it('libsql runs through @libsql/client; a plain SQLite file through the single-connection binding', async () => {
    // Both engines are libSQL (vector() exists in each); what differs is the driver, which the
    // migrator reads back to pick its lock (`row` for the pooled client, `transaction` otherwise).
    const probe = sql<{ v: string }>`select vector_extract(vector('[1,2]')) as v`;
    await using(createDatabase({ url: 'file::memory:', type: 'libsql' }), async (database) => {
      expect([database.type, databaseTypeOf(database.db)]).toEqual(['libsql', 'libsql']);
      expect((await probe.execute(database.db)).rows).toEqual([{ v: '[1,2]' }]);
    });
    await using(createDatabase({ url: ':memory:' }), async (database) => {
      expect([database.type, databaseTypeOf(database.db)]).toEqual(['sqlite', 'sqlite']);
      expect((await probe.execute(database.db)).rows).toEqual([{ v: '[1,2]' }]);
    });
  });

  it('a server URL connects nowhere at creation; the label masks the password; close is idempotent', async () => {
    const database = createDatabase({ url: `postgres://app:${SECRET}@127.0.0.1:1/app` });
    expect(database.label).not.toContain(SECRET);
    expect(database.label).toContain('127.0.0.1:1');
    await database.close();
    await database.close();
  });
});

describe('databaseOptionsFromConfig', () => {
  it('maps every DATABASE_* setting', () => {
    const { config } = parseConfig({
      DATABASE_URL: 'libsql://app-org.turso.io',
      DATABASE_TYPE: 'libsql',
      DATABASE_POOL_MIN: '2',
      DATABASE_POOL_MAX: '20',
      DATABASE_SSL: 'true',
      DATABASE_SSL_INSECURE: 'true',
      LIBSQL_AUTH_TOKEN: 'tok',
    });
    expect(databaseOptionsFromConfig(config!)).toEqual({
      url: 'libsql://app-org.turso.io',
      type: 'libsql',
      poolMin: 2,
      poolMax: 20,
      ssl: true,
      sslInsecure: true,
      libsqlAuthToken: 'tok',
    });
  });

  it('defaults to the embedded SQLite file', () => {
    const { config } = parseConfig({});
    expect(databaseOptionsFromConfig(config!)).toMatchObject({
      url: DEFAULT_DATABASE_URL,
      poolMax: 10,
      ssl: false,
    });
  });
});

describe('ping', () => {
  it('an unreachable server is a short code, never connection details', async () => {
    for (const url of [`postgres://app:${SECRET}@127.0.0.1:1/app`, `mysql://app:${SECRET}@127.0.0.1:1/app`]) {
      await using(createDatabase({ url }), async ({ db }) => {
        const result = await ping(db, { timeoutMs: 5000 });
        expect(result).toMatchObject({ ok: false, error: 'unreachable' });
        expect(JSON.stringify(result)).not.toContain(SECRET);
      });
    }
  });

  it('a server that never answers is a timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await using(
        createDatabase({ url: `postgres://app@127.0.0.1:${port}/app`, connectTimeoutMs: 1000 }),
        async ({ db }) => {
          expect(await ping(db, { timeoutMs: 200 })).toMatchObject({ ok: false, error: 'timeout' });
        },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe.skipIf(!(await serviceAvailable('postgres')))('postgres connection settings', () => {
  const base = SERVICE_URLS.postgres;

  it('reports a missing database and an unknown role by code', async () => {
    const missing = withUrl(base, (u) => {
      u.pathname = '/no_such_db_flowfull';
    });
    const stranger = withUrl(base, (u) => {
      u.username = 'no_such_role_flowfull';
      u.password = SECRET;
    });
    await using(createDatabase({ url: missing }), async ({ db }) =>
      expect(await ping(db)).toMatchObject({ ok: false, error: 'database_missing' }),
    );
    await using(createDatabase({ url: stranger }), async ({ db }) => {
      const result = await ping(db);
      expect(result).toMatchObject({ ok: false, error: 'auth_failed' });
      expect(JSON.stringify(result)).not.toContain(SECRET);
    });
  });

  it('ssl=true asks for TLS even when the URL says sslmode=disable', async () => {
    const plain = withUrl(base, (u) => u.searchParams.set('sslmode', 'disable'));
    await using(createDatabase({ url: plain }), async ({ db }) => expect((await ping(db)).ok).toBe(true));
    // This server has no TLS: a verified or unverified TLS request must fail, proving it was made.
    for (const sslInsecure of [false, true])
      await using(createDatabase({ url: plain, ssl: true, sslInsecure }), async ({ db }) =>
        expect(await ping(db)).toMatchObject({ ok: false, error: 'tls_failed' }),
      );
  });

  it('poolMax bounds the connections in use', async () => {
    await using(createDatabase({ url: base, poolMax: 2 }), async ({ db }) => {
      const pids = await Promise.all(
        Array.from({ length: 4 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.15)`
            .execute(db)
            .then((r) => r.rows[0]?.pid),
        ),
      );
      expect(new Set(pids).size).toBe(2);
    });
  });
});

describe.skipIf(!(await serviceAvailable('mysql')))('mysql connection settings', () => {
  const base = SERVICE_URLS.mysql;

  it('reports a missing database and a wrong password by code', async () => {
    const missing = withUrl(base, (u) => {
      u.pathname = '/no_such_db_flowfull';
    });
    const wrong = withUrl(base, (u) => {
      u.username = 'no_such_user_flowfull';
      u.password = SECRET;
    });
    await using(createDatabase({ url: missing }), async ({ db }) =>
      expect(await ping(db)).toMatchObject({ ok: false, error: 'database_missing' }),
    );
    await using(createDatabase({ url: wrong }), async ({ db }) => {
      const result = await ping(db);
      expect(result).toMatchObject({ ok: false, error: 'auth_failed' });
      expect(JSON.stringify(result)).not.toContain(SECRET);
    });
  });

  it('mariadb:// works, and ssl=true asks for TLS', async () => {
    const mariadb = base.replace(/^mysql:/, 'mariadb:');
    await using(createDatabase({ url: mariadb }), async ({ db }) => expect((await ping(db)).ok).toBe(true));
    await using(createDatabase({ url: mariadb, ssl: true }), async ({ db }) =>
      expect(await ping(db)).toMatchObject({ ok: false, error: 'tls_failed' }),
    );
  });

  it('poolMax bounds the connections in use', async () => {
    await using(createDatabase({ url: base, poolMax: 2 }), async ({ db }) => {
      const ids = await Promise.all(
        Array.from({ length: 4 }, () =>
          sql<{ id: number }>`select connection_id() as id, sleep(0.15)`
            .execute(db)
            .then((r) => r.rows[0]?.id),
        ),
      );
      expect(new Set(ids).size).toBe(2);
    });
  });
});
