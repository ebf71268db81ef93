import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowfullConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { createStandinApp, startDevelopmentStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { bridge, call, PASSWORD, SECRET, uniqueEmail, useStandins } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'flowfull-standin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
}

describe('stand-in: lifecycle', () => {
  const start = useStandins();

  it('refuses to start with nodeEnv=production', async () => {
    const err = await refusal(startFlowlessStandin({ bridgeSecret: SECRET, nodeEnv: 'production' }));
    expect(err).toBeInstanceOf(FlowfullConfigError);
    expect(err).toMatchObject({ code: 'STANDIN_REFUSED_IN_PRODUCTION' });
    expect(() => createStandinApp({ bridgeSecret: SECRET, nodeEnv: 'production' })).toThrow(
      FlowfullConfigError,
    );
  });

  it('refuses to start when NODE_ENV=production and no nodeEnv is given', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const err = await refusal(startFlowlessStandin({ bridgeSecret: SECRET }));
      expect(err).toMatchObject({ code: 'STANDIN_REFUSED_IN_PRODUCTION' });
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('refuses an empty bridge secret', async () => {
    const err = await refusal(startFlowlessStandin({ bridgeSecret: '', nodeEnv: 'test' }));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('listens on 127.0.0.1 on a random port by default; a taken port is a clear error', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.port).toBeGreaterThan(0);
    const err = await refusal(startFlowlessStandin({ bridgeSecret: SECRET, nodeEnv: 'test', port: s.port }));
    expect(err).toMatchObject({ code: 'STANDIN_LISTEN_FAILED' });
    expect((err as Error).message).toContain('EADDRINUSE');
  });

  it('two instances in one process keep separate users and faults', async () => {
    const a = await start();
    const b = await start();
    const email = uniqueEmail();
    await a.createUser({ email, password: PASSWORD });
    expect((await call(a.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status).toBe(
      200,
    );
    expect((await call(b.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status).toBe(
      401,
    );
    a.setFaults({ status: 500 });
    expect((await bridge(b, { body: { session_id: 'ses_x' } })).status).toBe(401);
    expect((await bridge(a, { body: { session_id: 'ses_x' } })).status).toBe(500);
  });

  it('createStandinApp serves in-process through app.request()', async () => {
    const { app, controls, close } = createStandinApp({ bridgeSecret: SECRET, nodeEnv: 'test' });
    try {
      const user = await controls.createUser({ email: uniqueEmail(), name: 'Ada' });
      const { sessionId } = await controls.createSession(user.id, { deviceId: 'dev' });
      const res = await app.request('/auth/bridge/validate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-secret': SECRET },
        body: JSON.stringify({ session_id: sessionId }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user: { id: string } }).user.id).toBe(user.id);
      await expect(controls.createSession('usr_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      close();
    }
  });
});

describe('stand-in: storage', () => {
  const start = useStandins();

  it('stores only a SHA-256 of each session id and an scrypt hash of each password', async () => {
    const path = join(dir, 'nested', 'deeper', 'standin.db');
    const s = await start({ databasePath: path });
    expect(existsSync(path)).toBe(true);
    const email = uniqueEmail();
    const reg = await call(s.url, 'POST', '/auth/register', {
      body: { email, password: PASSWORD, name: 'A' },
    });
    const login = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    const ids = [reg.body.data.session_id as string, login.body.session_id as string];

    const db = new Database(path, { readonly: true });
    try {
      const sessions = db.prepare('SELECT * FROM sessions').all() as Array<Record<string, unknown>>;
      expect(sessions.map((r) => r.token_hash).sort()).toEqual(
        ids.map((id) => createHash('sha256').update(id).digest('hex')).sort(),
      );
      const users = db.prepare('SELECT * FROM users').all() as Array<Record<string, unknown>>;
      expect(users).toHaveLength(1);
      expect(users[0]?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
      const dump = JSON.stringify({ sessions, users });
      for (const secret of [...ids, PASSWORD]) expect(dump).not.toContain(secret);
    } finally {
      db.close();
    }
  });

  it('a file database keeps users and sessions across restarts', async () => {
    const path = join(dir, 'restart.db');
    const first = await startFlowlessStandin({ bridgeSecret: SECRET, nodeEnv: 'test', databasePath: path });
    const email = uniqueEmail();
    await first.createUser({ email, password: PASSWORD });
    const login = await call(first.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    await first.close();

    const second = await start({ databasePath: path });
    const res = await bridge(second, { body: { session_id: login.body.session_id } });
    expect(res.status).toBe(200);
  });

  it('sessionTtlSeconds sets the lifetime of new sessions', async () => {
    const s = await start({ sessionTtlSeconds: 60 });
    const email = uniqueEmail();
    await s.createUser({ email, password: PASSWORD });
    const login = await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    const ttl = Date.parse(login.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(login.headers.get('set-cookie')).toContain('Max-Age=60');
  });
});

describe('stand-in: development helper', () => {
  it('starts on the configured port with the configured secret, or generates one', async () => {
    const path = join(dir, 'dev', 'flowless-standin.db');
    const config = {
      NODE_ENV: 'development' as const,
      FLOWLESS_STANDIN_PORT: 0,
      BRIDGE_VALIDATION_SECRET: undefined,
    };
    const { standin, bridgeSecret } = await startDevelopmentStandin(config, silentLogger(), {
      databasePath: path,
    });
    try {
      expect(bridgeSecret.length).toBeGreaterThanOrEqual(32);
      expect(existsSync(path)).toBe(true);
      const res = await call(standin.url, 'POST', '/auth/bridge/validate', {
        body: { session_id: 'ses_x' },
        headers: { 'X-Bridge-Secret': bridgeSecret },
      });
      expect(res.body.error).toBe('Invalid or expired session');
    } finally {
      await standin.close();
    }
    const prod = await refusal(
      startDevelopmentStandin({ ...config, NODE_ENV: 'production' }, silentLogger(), { databasePath: path }),
    );
    expect(prod).toMatchObject({ code: 'STANDIN_REFUSED_IN_PRODUCTION' });
  });
});
