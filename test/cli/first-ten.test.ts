/**
 * "The first ten minutes" (issue 10): one block per numbered defect, each reproduced as a new user
 * meets it: through the CLI, through `npm start`'s entry in a child process, or over HTTP.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../../src/app/migrations-all.js';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { generateBridgeSecret } from '../../src/cli/keys.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { BIN, MAIN, ROOT, runNode, runShell, scratchDir, spare } from './process.js';

function capture(env: Record<string, string> = {}, dotenvPath?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env, dotenvPath };
  return { io, out, err, run: (argv: string[]) => runCli(argv, { io, migrations: allMigrations() }) };
}

/** Child processes start slowly on a shared machine. */
const SLOW = { timeout: 180_000 };
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);
const hasPostgres = await serviceAvailable('postgres');
const hasMysql = await serviceAvailable('mysql');

describe('1. config check runs exactly the start-up validation', SLOW, () => {
  const bad = { DATABASE_URL: 'ftp://u:pw@h/db', PASETO_SECRET_KEY: 'garbage', REDIS_URL: 'http://x' };

  it.each(Object.entries(bad))('%s alone fails config check', async (key, value) => {
    const t = capture({ [key]: value });
    expect(await t.run(['config', 'check'])).toBe(1);
    expect(t.err.join('\n')).toMatch(new RegExp(`Invalid environment: 1 problem\\n  - ${key}: `));
    expect(t.out.join('\n')).not.toContain('Configuration OK');
  });

  it('lists every problem at once, and start-up prints the same report with the same exit code', async () => {
    const t = capture(bad);
    expect(await t.run(['config', 'check'])).toBe(1);
    const report = t.err.join('\n');
    expect(report).toMatch(/^Invalid environment: 3 problems/);
    for (const key of Object.keys(bad)) expect(report).toContain(`  - ${key}: `);
    expect(report).not.toContain('pw@');
    const started = await runNode([MAIN], { env: bad });
    expect(started.code).toBe(1);
    expect(started.stderr.trim()).toBe(report);
  });
});

describe('2. start-up failures name their cause', SLOW, () => {
  const startFails = async (env: Record<string, string>, cwd?: string) => {
    const r = await runNode([MAIN], {
      env: { PORT: String(await spare()), FLOWLESS_STANDIN_PORT: String(await spare()), ...env },
      cwd,
    });
    expect(r.code).toBe(1);
    noStack(r.stderr);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    return r.stderr;
  };

  it('a k4.public key as PASETO_SECRET_KEY', async () => {
    const { publicKey } = await generateTokenKeyMaterial();
    const text = await startFails({ PASETO_SECRET_KEY: publicKey });
    expect(text).toContain('PASETO_SECRET_KEY: must be a k4.secret PASERK, got a k4.public PASERK');
    expect(text).not.toContain(publicKey.slice(10));
  });

  it('an unreachable database: code, host and port, the variable; never the password', async () => {
    const port = await spare();
    const url = `postgres://app:sekrit-pw@127.0.0.1:${port}/app`;
    const text = await startFails({ DATABASE_URL: url });
    expect(text).toContain(`ECONNREFUSED: cannot reach the database at 127.0.0.1:${port}`);
    expect(text).toContain('DATABASE_URL');
    expect(text).not.toContain('sekrit-pw');
    // The CLI says the same about the same database.
    const cli = capture({ DATABASE_URL: url });
    expect(await cli.run(['migrate', 'status'])).toBe(1);
    expect(cli.err[0]).toBe(`ECONNREFUSED: cannot reach the database at 127.0.0.1:${port}, database "app"`);
    expect(text).toContain(cli.err[0]);
  });

  it.skipIf(!hasPostgres)('a missing PostgreSQL database', async () => {
    const u = new URL(SERVICE_URLS.postgres);
    u.pathname = '/no_such_db_ft';
    const text = await startFails({ DATABASE_URL: u.toString() });
    expect(text).toContain('3D000: database "no_such_db_ft" does not exist');
    expect(text).toContain(`${u.hostname}:${u.port || 5432}`);
    expect(text).toContain('DATABASE_URL');
  });

  it.skipIf(!hasMysql)('a wrong MySQL database', async () => {
    const u = new URL(SERVICE_URLS.mysql);
    u.pathname = '/no_such_db_ft';
    const text = await startFails({ DATABASE_URL: u.toString() });
    expect(text).toContain("ER_BAD_DB_ERROR: Unknown database 'no_such_db_ft'");
    expect(text).toContain('DATABASE_URL');
  });

  it('an applied migration the code does not know', async () => {
    const cwd = scratchDir();
    const env = { DATABASE_URL: 'file:./data/app.db' };
    expect((await runCliIn(cwd, env, ['migrate', 'up'])).code).toBe(0);
    await addForeignMigration(join(cwd, 'data', 'app.db'));
    const text = await startFails(env, cwd);
    expect(text).toContain('2099_01_01_0000_from_elsewhere');
    expect(text).toContain('MIGRATION_FAILED');
    expect(text).toContain('migrate status');
  });

  it('a port clash names the port and PORT', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((done) =>
      blocker.listen(0, '0.0.0.0', () => done((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const text = await startFails({ PORT: String(port), DATABASE_URL: ':memory:' });
      expect(text).toContain(`EADDRINUSE: port ${port} is already in use`);
      expect(text).toContain('set PORT to a free port');
    } finally {
      blocker.close();
    }
  });
});

async function runCliIn(cwd: string, env: Record<string, string>, argv: string[]) {
  return runNode([BIN, ...argv], { cwd, env, ts: false });
}

async function addForeignMigration(file: string) {
  const { default: Sqlite } = await import('libsql');
  const db = new Sqlite(file);
  db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(
    '2099_01_01_0000_from_elsewhere',
    '2099-01-01T00:00:00.000Z',
  );
  db.close();
}

describe('3. config check prints every resolved value with its default and source', () => {
  it('defaults instead of (unset), TRUST_PROXY as documented, sources, nothing undocumented', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), 'CACHE_TTL=120\nPORT=4000\n');
    const t = capture({ PORT: '4100', AUTH_SUSPICIOUS_WINDOW: '' }, join(dir, '.env'));
    expect(await t.run(['config', 'check'])).toBe(0);
    const text = t.out.join('\n');
    expect(text).not.toContain('(unset)');
    expect(text).toMatch(/^AUTH_BINDING_TTL\s+604800\s+default$/m);
    expect(text).toMatch(/^AUTH_SUSPICIOUS_MAX_IPS\s+5\s+default$/m);
    expect(text).toMatch(/^AUTH_SUSPICIOUS_WINDOW\s+600\s+default$/m);
    expect(text).toMatch(/^TRUST_PROXY\s+off\s+default$/m);
    expect(text).toMatch(/^CACHE_TTL\s+120\s+\.env \(default 300\)$/m);
    expect(text).toMatch(/^PORT\s+4100\s+environment \(default 3001\)$/m);
    expect(text).not.toContain('FLOWLESS_USE_STANDIN');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const printed = t.out.slice(1, -1).map((l) => l.split(/\s+/)[0]!);
    expect(printed.length).toBeGreaterThan(60);
    expect(printed.filter((v) => !readme.includes(`| \`${v}\` |`))).toEqual([]);
  });
});

describe('4. one code path for the CLI', SLOW, () => {
  it('bin/flowfull.js runs the sources even beside a stale dist/', async () => {
    const tree = scratchDir('flowfull-stale-');
    mkdirSync(join(tree, 'bin'));
    mkdirSync(join(tree, 'dist', 'app'), { recursive: true });
    copyFileSync(BIN, join(tree, 'bin', 'flowfull.js'));
    writeFileSync(join(tree, 'dist', 'app', 'cli.js'), "console.log('STALE BUILD');\n");
    symlinkSync(join(ROOT, 'src'), join(tree, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const r = await runNode([join(tree, 'bin', 'flowfull.js'), 'migrate', 'status'], {
      env: { DATABASE_URL: ':memory:' },
      ts: false,
    });
    expect(r.stdout).not.toContain('STALE BUILD');
    const names = Object.keys(allMigrations());
    expect(r.stdout).toContain(`pending  ${names[names.length - 1]}`);
  });

  it('migrate status lists applied migrations the code does not know', async () => {
    const cwd = scratchDir();
    const env = { DATABASE_URL: 'file:./data/app.db' };
    await runCliIn(cwd, env, ['migrate', 'up']);
    await addForeignMigration(join(cwd, 'data', 'app.db'));
    const r = await runCliIn(cwd, env, ['migrate', 'status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^unknown\s+2099-01-01T00:00:00.000Z\s+2099_01_01_0000_from_elsewhere/m);
    expect(r.stdout).toMatch(/\d+ applied, 0 pending, 1 unknown/);
  });

  it('`npm run flowfull -- keys generate` prints keys and a bridge secret', async () => {
    const r = await runShell('npm run --silent flowfull -- keys generate', { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASETO_SECRET_KEY=k4\.secret\./m);
    expect(r.stdout).toMatch(/^BRIDGE_VALIDATION_SECRET=[A-Za-z0-9_-]{43}$/m);
  });

  it('the framework CLI does not import the starter application', () => {
    const files = [
      'main.ts',
      'config-check.ts',
      'migrate.ts',
      'keys.ts',
      'environment.ts',
      'failure.ts',
      'io.ts',
    ];
    for (const f of files)
      expect(readFileSync(join(ROOT, 'src', 'cli', f), 'utf8')).not.toMatch(/from '\.\.\/app\//);
  });
});

describe('5. a closed pipe ends the CLI quietly', SLOW, () => {
  it.each([['config check'], ['migrate status']])('flowfull %s | true', async (command) => {
    // `true` exits without reading: every write after that meets a closed pipe.
    const r = await runShell(`node ${BIN} ${command} | true; echo "exit=\${PIPESTATUS[0]}"`, {
      cwd: scratchDir(),
      env: { DATABASE_URL: ':memory:' },
    });
    expect(r.stderr).not.toContain('EPIPE');
    noStack(r.stderr);
    expect(r.stdout.trim()).toBe('exit=0');
  });
});

describe('6. readiness with pending migrations', SLOW, () => {
  let services: Services;
  let app: Hono;
  beforeAll(async () => {
    const config = loadConfig({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: `file:${join(scratchDir(), 'fresh.db')}`,
        DATABASE_AUTO_MIGRATE: 'false',
        FLOWLESS_API_URL: 'http://127.0.0.1:9',
        BRIDGE_VALIDATION_SECRET: generateBridgeSecret(),
      },
      dotenvPath: false,
    });
    services = await createServices(config, silentLogger());
    app = buildApp(services);
  });
  afterAll(() => services?.close());

  it('is not ready, and names them, until they are applied', async () => {
    const before = await app.request('/health/ready');
    expect(before.status).toBe(503);
    const body = (await before.json()) as { details: { components: { migrations: { pending: string[] } } } };
    expect(body.details.components.migrations.pending).toEqual(Object.keys(allMigrations()).sort());
    await migrate(services);
    const after = await app.request('/health/ready');
    const ready = (await after.json()) as { data: { components: { migrations: { status: string } } } };
    expect(ready.data.components.migrations.status).toBe('up');
  });

  it('production start-up logs a warning naming them', async () => {
    const keys = await generateTokenKeyMaterial();
    const port = await spare();
    const env = {
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: 'file:./data/prod.db',
      FLOWLESS_API_URL: 'http://127.0.0.1:9',
      BRIDGE_VALIDATION_SECRET: generateBridgeSecret(),
      PASETO_SECRET_KEY: keys.secretKey,
    };
    const r = await runShell(
      `node --import tsx ${MAIN} > out.log 2>&1 & pid=$!
       for i in $(seq 900); do curl -fs -o /dev/null http://127.0.0.1:${port}/health && break; sleep 0.1; done
       curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:${port}/health/ready
       kill $pid; wait $pid; cat out.log`,
      { cwd: linkedScratch(), env },
    );
    expect(r.stdout.split('\n')[0]).toBe('503');
    expect(r.stdout).toContain('migration(s) pending');
    for (const name of Object.keys(allMigrations())) expect(r.stdout).toContain(name);
  });
});

/** A scratch directory where `node --import tsx` resolves (node_modules linked in). */
function linkedScratch(): string {
  const dir = scratchDir();
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('7. admin delete finds a real user', () => {
  const SECRET = generateBridgeSecret();
  let standin: FlowlessStandin;
  let services: Services;
  let app: Hono;
  beforeAll(async () => {
    standin = await startFlowlessStandin({ bridgeSecret: SECRET });
    const config = loadConfig({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: `file:${join(scratchDir(), 'admin.db')}`,
        FLOWLESS_API_URL: standin.url,
        BRIDGE_VALIDATION_SECRET: SECRET,
        USER_SYNC_ENABLED: 'false',
      },
      dotenvPath: false,
    });
    services = await createServices(config, silentLogger());
    await migrate(services);
    app = buildApp(services);
  });
  afterAll(async () => {
    await services?.close();
    await standin?.close();
  });

  it('with USER_SYNC_ENABLED=false, a user who has used the API is found and deleted', async () => {
    const session = async (email: string, userType: string) => {
      const user = await standin.createUser({
        email,
        password: 'correct-horse-battery',
        name: email,
        userType,
      });
      return { user, sid: (await standin.createSession(user.id)).sessionId };
    };
    const ada = await session('ada-admin-test@example.com', 'user');
    const root = await session('root-admin-test@example.com', 'admin');
    expect((await app.request('/api/v1/me', { headers: { 'X-Session-ID': ada.sid } })).status).toBe(200);
    const del = () =>
      app.request(`/api/v1/admin/users/${ada.user.id}`, {
        method: 'DELETE',
        headers: { 'X-Session-ID': root.sid },
      });
    const first = await del();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ data: { id: ada.user.id, deleted: true } });
    expect((await del()).status).toBe(404);
  });
});
