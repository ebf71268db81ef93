import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allMigrations } from '../../src/app/migrations-all.js';
import { runCli } from '../../src/cli/main.js';

const main = (argv: string[], io: ReturnType<typeof makeIo>['io']) =>
  runCli(argv, { io, migrations: allMigrations() });

function makeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}
const io = makeIo;

describe('flowfull config check', () => {
  it('prints the resolved configuration with secrets masked', async () => {
    const t = io({
      DATABASE_URL: 'postgres://app:pa55word@db.example.com/app',
      BRIDGE_VALIDATION_SECRET: 'b'.repeat(40),
      FLOWLESS_API_URL: 'https://auth.example.com',
    });
    expect(await main(['config', 'check'], t.io)).toBe(0);
    const text = t.out.join('\n');
    expect(text).toMatch(/^PORT\s+3001\s+default$/m);
    expect(text).toMatch(/^REDIS_URL\s+\(none: in-process only\)\s+default$/m);
    expect(text).toContain('postgres://app:***@db.example.com/app');
    expect(text).toMatch(
      /^BRIDGE_VALIDATION_SECRET\s+\*\*\*\s+environment \(default \(generated for the stand-in\)\)$/m,
    );
    expect(text).not.toContain('pa55word');
    expect(text).not.toContain('b'.repeat(40));
  });

  it('exits non-zero with the start-up report when the environment is invalid', async () => {
    const t = io({ NODE_ENV: 'production', PORT: 'x' });
    expect(await main(['config', 'check'], t.io)).toBe(1);
    const report = t.err.join('\n');
    expect(report).toMatch(/Invalid environment: \d+ problems/);
    expect(report).toContain('PORT');
    expect(report).toContain('DATABASE_URL');
  });
});

describe('flowfull keys generate', () => {
  it('prints a PASERK key pair', async () => {
    const t = io();
    expect(await main(['keys', 'generate'], t.io)).toBe(0);
    const text = t.out.join('\n');
    expect(text).toMatch(/k4\.secret\.[A-Za-z0-9_-]+/);
    expect(text).toMatch(/k4\.public\.[A-Za-z0-9_-]+/);
  });
});

describe('flowfull migrate', () => {
  it('applies, lists and reverts the application migrations on an SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowfull-cli-'));
    const env = { DATABASE_URL: `file:${join(dir, 'app.db')}` };
    const status = io(env);
    expect(await main(['migrate', 'status'], status.io)).toBe(0);
    expect(status.out.join('\n')).toMatch(/0 applied, \d+ pending/);

    const up = io(env);
    expect(await main(['migrate', 'up'], up.io)).toBe(0);
    expect(up.out.join('\n')).toContain('applied  2026_11_27_0300_create_items');

    const after = io(env);
    await main(['migrate', 'status'], after.io);
    expect(after.out.join('\n')).toMatch(/\d+ applied, 0 pending/);

    const down = io(env);
    expect(await main(['migrate', 'down'], down.io)).toBe(0);
    expect(down.out.join('\n')).toContain('reverted');
  });
});

describe('flowfull usage', () => {
  it('rejects an unknown command with exit code 2 and the usage', async () => {
    const t = io();
    expect(await main(['frobnicate'], t.io)).toBe(2);
    expect(t.err.join('\n')).toContain('Usage: flowfull');
  });
});
