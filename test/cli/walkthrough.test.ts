/**
 * 8. The README walk-through, run as written (bash + curl) against `npm start`'s entry on spare
 * ports, then again after switching DATABASE_URL; plus the rest of defect 8 and defect 9.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../../src/app/migrations-all.js';
import { runCli } from '../../src/cli/main.js';
import { standinDatabasePath, startFlowlessStandin } from '../../src/standin/index.js';
import { ROOT, runShell, scratchDir, spare, startServer } from './process.js';

/** Child processes start slowly on a shared machine. */
const SLOW = { timeout: 180_000 };
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function walkthrough(): string {
  const from = readme.indexOf('### A minute with it');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from));
  if (!block?.[1]) throw new Error('README walk-through block not found');
  return block[1];
}

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

async function serve(databaseUrl: string, cwd: string) {
  const env = {
    PORT: String(await spare()),
    FLOWLESS_STANDIN_PORT: String(await spare()),
    DATABASE_URL: databaseUrl,
  };
  const server = await startServer(env, cwd);
  stops.push(server.stop);
  return { env, server };
}

/** One JSON answer per curl line (the SID assignment prints nothing). */
function answers(
  stdout: string,
): Array<{ success: boolean; error?: string; data?: Record<string, unknown> }> {
  return stdout
    .replace(/}\s*{/g, '}\n{')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('8. the README walk-through', SLOW, () => {
  it('uses variables for the ports', () => {
    const script = walkthrough();
    expect(script).toContain(`API=http://localhost:\${PORT:-3001}`);
    expect(script).not.toMatch(/localhost:300[12]\//);
  });

  it('runs as written, and again after switching databases', async () => {
    const cwd = scratchDir();
    symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
    for (const url of ['file:./data/one.db', 'file:./data/two.db']) {
      const { env, server } = await serve(url, cwd);
      const r = await runShell(walkthrough(), { cwd, env });
      expect(r.stderr).toBe('');
      const [register, me, created, mine, anonymousMe, guestItems, logout, afterLogout] = answers(r.stdout);
      expect(register).toMatchObject({ success: true, user: { email: 'ada@example.com' } });
      expect(me).toMatchObject({ success: true, data: { user: { email: 'ada@example.com' } } });
      expect(created).toMatchObject({ success: true, data: { title: 'My first item' } });
      expect(mine?.data).toBeDefined();
      expect(anonymousMe).toMatchObject({ success: false, error: 'Session ID required' });
      expect(guestItems).toMatchObject({ success: true });
      expect(logout).toMatchObject({ success: true });
      expect(afterLogout).toMatchObject({ success: false, error: 'Invalid session' });
      await server.stop();
    }
    expect(existsSync(join(cwd, 'data', 'one.flowless-standin.db'))).toBe(true);
    expect(existsSync(join(cwd, 'data', 'two.flowless-standin.db'))).toBe(true);
  });
});

describe('8. the stand-in', () => {
  it('answers session_id in the same places for register and login', async () => {
    const standin = await startFlowlessStandin({ bridgeSecret: 'x'.repeat(40) });
    try {
      const post = async (path: string, body: object) =>
        (await fetch(`${standin.url}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json())) as Record<string, unknown> & { data: Record<string, unknown> };
      const credentials = { email: 'same@example.com', password: 'correct-horse-battery' };
      const register = await post('/auth/register', { ...credentials, name: 'Same' });
      const login = await post('/auth/login', credentials);
      for (const answer of [register, login]) {
        expect(answer.session_id).toMatch(/^ses_/);
        expect(answer.data.session_id).toBe(answer.session_id);
        expect(answer.sessionId).toBe(answer.session_id);
        expect(Object.keys(answer).sort()).toEqual(Object.keys(register).sort());
      }
    } finally {
      await standin.close();
    }
  });

  it('keeps its store where a documented setting says, following DATABASE_URL by default', () => {
    expect(standinDatabasePath({ DATABASE_URL: 'file:./data/flowfull.db' })).toBe(
      './data/flowfull.flowless-standin.db',
    );
    expect(standinDatabasePath({ DATABASE_URL: 'sqlite:///srv/app.db' })).toBe(
      '/srv/app.flowless-standin.db',
    );
    expect(standinDatabasePath({ DATABASE_URL: ':memory:' })).toBe(':memory:');
    const server = standinDatabasePath({ DATABASE_URL: 'postgres://u:secret-pw@db.example.com:5432/app' });
    expect(server).toBe('./data/flowless-standin/postgres-db.example.com-5432-app.db');
    expect(standinDatabasePath({ DATABASE_URL: 'file:./x.db', FLOWLESS_STANDIN_DATABASE: '/tmp/s.db' })).toBe(
      '/tmp/s.db',
    );
    expect(readme).toContain('`FLOWLESS_STANDIN_DATABASE`');
  });
});

describe('8. the CLI', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { DATABASE_URL: ':memory:' } },
      migrations: allMigrations(),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('`migrate` alone prints its usage', async () => {
    const r = await run(['migrate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: flowfull migrate <up|down|status>');
    expect(r.err).not.toContain('Unknown command');
  });

  it('unknown flags are errors', async () => {
    for (const argv of [
      ['keys', 'generate', '--lokal'],
      ['migrate', 'status', '--force'],
      ['config', 'check', '-v'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`Unknown option for ${argv[0]}`);
    }
  });

  it('`keys generate --local` prints only a k4.local key; without it, keys and a bridge secret', async () => {
    const local = await run(['keys', 'generate', '--local']);
    expect(local.code).toBe(0);
    expect(local.out).toMatch(/^PASETO_LOCAL_KEY=k4\.local\./m);
    expect(local.out).not.toContain('k4.secret');
    const all = await run(['keys', 'generate']);
    expect(all.out).toMatch(/^PASETO_SECRET_KEY=k4\.secret\./m);
    expect(all.out).toMatch(/^BRIDGE_VALIDATION_SECRET=[A-Za-z0-9_-]{43}$/m);
  });
});

describe('8. documentation links resolve inside the repository', () => {
  const files = [
    'README.md',
    'DEVELOPERS.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it.each(files)('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
      const path = resolve(dirname(join(ROOT, file)), decodeURIComponent(target!.split('#')[0]!));
      if (!existsSync(path)) broken.push(target!);
    }
    // A path in backticks that names a spec file outside the repository is a broken reference too.
    for (const [, cited] of text.matchAll(/`(spec\/[^`]+\.md)`/g))
      if (!existsSync(join(ROOT, cited!))) broken.push(cited!);
    expect(broken).toEqual([]);
  });
});

describe('9. install without a compiler', () => {
  it('no dependency builds native code at install, and SQLite comes prebuilt from libsql', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }>;
    };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const denied = new Set(
      Object.entries(pkg.allowScripts ?? {})
        .filter(([, allowed]) => allowed === false)
        .map(([name]) => name),
    );
    const scripted = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([name]) => name.replace(/^.*node_modules\//, ''))
      .filter((name) => !denied.has(name));
    // esbuild's install script only checks its prebuilt binary (a registry package); it compiles nothing.
    // Scripts denied in package.json's allowScripts never run (swagger-ui-dist's usage report).
    expect(scripted).toEqual(['esbuild']);
    expect(Object.keys(lock.packages).some((k) => k.endsWith('better-sqlite3'))).toBe(false);
    expect(lock.packages['node_modules/@libsql/linux-x64-gnu']).toBeDefined();
    expect(pkg.dependencies.libsql).toBeDefined();
  });
});
