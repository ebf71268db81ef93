import { describe, expect, it } from 'vitest';
import type { DatabaseType } from '../../src/config/index.js';
import {
  createDatabase,
  createMigrator,
  type DatabaseTarget,
  detectDatabaseType,
  mergeMigrations,
  resolveDatabaseUrl,
  runMigrateCommand,
} from '../../src/db/index.js';
import { FlowfullConfigError } from '../../src/errors.js';

const SECRET = 'hunter2-S3cret';

describe('DATABASE_URL detection', () => {
  const table: Array<[string, DatabaseTarget]> = [
    ['postgres://app:pw@db:5432/app', { type: 'postgres', url: 'postgres://app:pw@db:5432/app' }],
    ['postgresql://app:pw@db/app', { type: 'postgres', url: 'postgresql://app:pw@db/app' }],
    [
      'postgresql://app:pw@ep-cool-1.eu-central-1.aws.neon.tech/neondb?sslmode=require',
      {
        type: 'postgres',
        url: 'postgresql://app:pw@ep-cool-1.eu-central-1.aws.neon.tech/neondb?sslmode=require',
      },
    ],
    ['POSTGRES://app@db/app', { type: 'postgres', url: 'postgres://app@db/app' }],
    ['mysql://app:pw@db:3306/app', { type: 'mysql', url: 'mysql://app:pw@db:3306/app' }],
    ['mariadb://app:pw@db/app', { type: 'mysql', url: 'mysql://app:pw@db/app' }],
    [
      'mysql://u:pw@aws.connect.psdb.cloud/app?ssl={"rejectUnauthorized":true}',
      { type: 'mysql', url: 'mysql://u:pw@aws.connect.psdb.cloud/app?ssl={"rejectUnauthorized":true}' },
    ],
    ['libsql://app-org.turso.io', { type: 'libsql', url: 'libsql://app-org.turso.io' }],
    [
      'libsql://app-org.turso.io?authToken=tok',
      { type: 'libsql', url: 'libsql://app-org.turso.io?authToken=tok' },
    ],
    ['https://db.example.com', { type: 'libsql', url: 'https://db.example.com' }],
    ['http://127.0.0.1:8080', { type: 'libsql', url: 'http://127.0.0.1:8080' }],
    ['wss://db.example.com', { type: 'libsql', url: 'wss://db.example.com' }],
    ['ws://127.0.0.1:8080', { type: 'libsql', url: 'ws://127.0.0.1:8080' }],
    ['file:./data/app.db', { type: 'sqlite', file: './data/app.db' }],
    ['file:data/app.db', { type: 'sqlite', file: 'data/app.db' }],
    ['file:/var/lib/app.db', { type: 'sqlite', file: '/var/lib/app.db' }],
    ['file:///var/lib/app.db', { type: 'sqlite', file: '/var/lib/app.db' }],
    ['file://localhost/var/lib/app.db', { type: 'sqlite', file: '/var/lib/app.db' }],
    ['file:./my%20data/app.db', { type: 'sqlite', file: './my data/app.db' }],
    ['sqlite:./app.db', { type: 'sqlite', file: './app.db' }],
    ['sqlite:app.db', { type: 'sqlite', file: 'app.db' }],
    ['sqlite://./app.db', { type: 'sqlite', file: './app.db' }],
    ['sqlite:///var/lib/app.db', { type: 'sqlite', file: '/var/lib/app.db' }],
    [':memory:', { type: 'sqlite', file: ':memory:' }],
    ['file::memory:', { type: 'sqlite', file: ':memory:' }],
    ['sqlite::memory:', { type: 'sqlite', file: ':memory:' }],
    ['  file:./padded.db  ', { type: 'sqlite', file: './padded.db' }],
  ];

  it.each(table)('%s', (url, expected) => {
    expect(resolveDatabaseUrl(url)).toEqual(expected);
    expect(detectDatabaseType(url)).toBe(expected.type);
  });
});

describe('DATABASE_TYPE forces the dialect', () => {
  const table: Array<[string, DatabaseType, DatabaseTarget]> = [
    ['http://127.0.0.1:8080', 'libsql', { type: 'libsql', url: 'http://127.0.0.1:8080' }],
    ['file:./data/app.db', 'libsql', { type: 'libsql', url: 'file:./data/app.db', file: './data/app.db' }],
    ['sqlite:///abs/app.db', 'libsql', { type: 'libsql', url: 'file:/abs/app.db', file: '/abs/app.db' }],
    [':memory:', 'libsql', { type: 'libsql', url: ':memory:', file: ':memory:' }],
    [
      'file:./a%20b/100%25.db',
      'libsql',
      { type: 'libsql', url: 'file:./a b/100%25.db', file: './a b/100%.db' },
    ],
    ['file::memory:', 'libsql', { type: 'libsql', url: ':memory:', file: ':memory:' }],
    [
      'cockroachdb://u:pw@crdb:26257/app',
      'postgres',
      { type: 'postgres', url: 'postgres://u:pw@crdb:26257/app' },
    ],
    ['tidb://u:pw@tidb:4000/app', 'mysql', { type: 'mysql', url: 'mysql://u:pw@tidb:4000/app' }],
    ['mariadb://u:pw@db/app', 'mysql', { type: 'mysql', url: 'mysql://u:pw@db/app' }],
    ['file:./app.db', 'sqlite', { type: 'sqlite', file: './app.db' }],
  ];

  it.each(table)('%s as %s', (url, type, expected) => {
    expect(resolveDatabaseUrl(url, type)).toEqual(expected);
  });
});

describe('invalid URLs: FlowfullConfigError DATABASE_URL_INVALID, naming the scheme and nothing after it', () => {
  const table: Array<[string, DatabaseType | undefined, RegExp]> = [
    [`redis://admin:${SECRET}@cache:6379/0`, undefined, /scheme "redis:" is not supported/],
    [`mongodb+srv://admin:${SECRET}@cluster.example.net/app`, undefined, /"mongodb\+srv:"/],
    ['', undefined, /empty/],
    ['   ', undefined, /empty/],
    [`admin:${SECRET}@db.example.com/app`, undefined, /no recognised scheme/],
    [`admin:${SECRET}@db.example.com:5432/app`, 'postgres', /no recognised scheme/],
    [`./data/${SECRET}.db`, undefined, /no scheme/],
    [`postgres://admin:${SECRET}@`, undefined, /\("postgres:"\) (has no host|is not a valid URL)/],
    [`postgres://admin:${SECRET}@[not-an-ip/app`, undefined, /"postgres:"/],
    [`mysql://admin:${SECRET}@:3306/app`, undefined, /"mysql:"/],
    [`file://${SECRET}-host/app.db`, undefined, /names a host/],
    [`file:./app.db?key=${SECRET}`, undefined, /query or fragment/],
    [`file:./${SECRET}%E0%A4%A.db`, undefined, /percent-escape/],
    ['sqlite:', undefined, /empty path/],
    [`postgres://admin:${SECRET}@db/app`, 'sqlite', /DATABASE_TYPE=sqlite needs a file:/],
    [`file:./${SECRET}.db`, 'postgres', /DATABASE_TYPE=postgres needs a server URL/],
    [':memory:', 'mysql', /DATABASE_TYPE=mysql needs a server URL/],
    [`postgres://admin:${SECRET}@db/app`, 'libsql', /DATABASE_TYPE=libsql needs a libsql:/],
    ['', 'postgres', /empty/],
  ];

  it.each(table)('%s (type %s)', (url, type, message) => {
    let caught: unknown;
    try {
      resolveDatabaseUrl(url, type);
    } catch (err) {
      caught = err;
    }
    // A configuration mistake, never an HTTP error.
    expect(caught).toBeInstanceOf(FlowfullConfigError);
    const err = caught as FlowfullConfigError & { details?: unknown };
    expect(err.code).toBe('DATABASE_URL_INVALID');
    expect(err.message).toMatch(message);
    const everything = `${err.message} ${JSON.stringify(err.details)} ${String(err.cause)} ${err.stack}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('admin');
  });

  it('createDatabase throws the same error at once, before any connection', () => {
    expect(() => createDatabase({ url: `redis://admin:${SECRET}@cache/0` })).toThrow(
      /"redis:" is not supported/,
    );
  });
});

describe('migration names', () => {
  const noop = { up: async () => undefined };

  it('must carry the date-and-sequence prefix', () => {
    const db = createDatabase({ url: ':memory:' });
    expect(() => createMigrator(db.db, { create_items: noop })).toThrow(
      /must look like 2026_11_27_0001_create_items/,
    );
    expect(() => createMigrator(db.db, { '2026_11_27_0001_Create-Items': noop })).toThrow(/must look like/);
    expect(createMigrator(db.db, { '2026_11_27_0002_b': noop, '2026_11_27_0001_a': noop }).names).toEqual([
      '2026_11_27_0001_a',
      '2026_11_27_0002_b',
    ]);
  });

  it('mergeMigrations keeps every module and refuses a name twice', () => {
    const auth = { '2026_11_27_0100_auth': noop };
    const tokens = { '2026_11_27_0200_tokens': noop };
    const app = { '2026_11_28_0001_items': noop };
    expect(Object.keys(mergeMigrations(app, auth, tokens)).sort()).toEqual([
      '2026_11_27_0100_auth',
      '2026_11_27_0200_tokens',
      '2026_11_28_0001_items',
    ]);
    let code: string | undefined;
    try {
      mergeMigrations(auth, { '2026_11_27_0100_auth': noop });
    } catch (err) {
      code = err instanceof FlowfullConfigError ? err.code : undefined;
    }
    expect(code).toBe('MIGRATION_NAME_INVALID');
  });

  it('runMigrateCommand refuses an unknown command', async () => {
    const db = createDatabase({ url: ':memory:' });
    await expect(runMigrateCommand(db.db, {}, 'sideways' as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await db.close();
  });
});
