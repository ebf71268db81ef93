import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibsqlDialect } from '@libsql/kysely-libsql';
import { Kysely, Migrator, MysqlDialect, NO_MIGRATIONS, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'libsql';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createTokenMigrations, tokenTableNames } from '../../src/tokens/index.js';
import { SERVICE_URLS } from '../support/services.js';

export type Dialect = 'postgres' | 'mysql' | 'sqlite' | 'libsql';

/** A Kysely of its own (own pool) on the dialect; `url` can point it through a proxy. */
// biome-ignore lint/suspicious/noExplicitAny: tests address the token tables by name
export function connect(dialect: Dialect, location: string, poolSize = 10): Kysely<any> {
  switch (dialect) {
    case 'postgres':
      return new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location, max: poolSize }) }),
      });
    case 'mysql':
      return new Kysely({
        dialect: new MysqlDialect({ pool: createPool({ uri: location, connectionLimit: poolSize }) }),
      });
    case 'sqlite':
      return new Kysely({ dialect: new SqliteDialect({ database: new SQLite(location) }) });
    case 'libsql':
      return new Kysely({ dialect: new LibsqlDialect({ url: `file:${location}` }) });
  }
}

/**
 * Runs the token migrations under a random table prefix and migration table, so suites sharing
 * a server never meet; `drop()` undoes everything.
 */
export async function migrated(dialect: Dialect, run: string) {
  let dir: string | undefined;
  let location: string;
  if (dialect === 'sqlite' || dialect === 'libsql') {
    dir = mkdtempSync(join(tmpdir(), 'flowfull-tokens-'));
    location = join(dir, 'tokens.db');
  } else {
    location = SERVICE_URLS[dialect];
  }
  const tablePrefix = `tt_${run}_`;
  const db = connect(dialect, location);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => createTokenMigrations({ tablePrefix }) },
    migrationTableName: `${tablePrefix}migrations`,
    migrationLockTableName: `${tablePrefix}migrations_lock`,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  return {
    db,
    location,
    tablePrefix,
    tables: tokenTableNames({ tablePrefix }),
    async drop() {
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      await db.schema.dropTable(`${tablePrefix}migrations`).ifExists().execute();
      await db.schema.dropTable(`${tablePrefix}migrations_lock`).ifExists().execute();
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (down.error) throw down.error;
    },
  };
}

/**
 * A TCP proxy in front of a real service, to cut it off and bring it back mid-test: `down()`
 * drops every connection and refuses new ones, `up()` listens again on the same port.
 */
export async function tcpProxy(target: string, defaultPort: number) {
  const url = new URL(target);
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port) || defaultPort;
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let listenPort = 0;

  const handle = (client: net.Socket) => {
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  async function up() {
    if (server) return;
    const next = net.createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(listenPort, '127.0.0.1', resolve);
    });
    server = next;
    listenPort = (next.address() as net.AddressInfo).port;
  }

  async function down() {
    const closing = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
  }

  await up();
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(listenPort);
  return { url: proxied.toString(), up, down };
}
