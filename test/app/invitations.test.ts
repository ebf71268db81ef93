import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/app/invitations.js';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { createDatabase } from '../../src/db/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { json } from '../support/http.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';

const SECRET = 'invitations-test-bridge-secret-0123456789';

describe('email normalisation', () => {
  it('NFC, then A-Z folded to a-z and nothing else', () => {
    expect(normalizeEmail('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
    expect(normalizeEmail('e\u0301mile@example.com')).toBe('\u00e9mile@example.com');
    // Non-ASCII capitals are not folded: only A-Z are.
    expect(normalizeEmail('\u00c9MILE@example.com')).toBe('\u00c9mile@example.com');
    expect(normalizeEmail('\u0130stanbul@example.com')).toBe('\u0130stanbul@example.com');
  });

  it('never lets a non-ASCII character become an ASCII one (the Kelvin sign)', () => {
    expect('\u212Aelvin@example.com'.toLowerCase()).toBe('kelvin@example.com');
    expect(normalizeEmail('\u212Aelvin@example.com')).toBeUndefined();
    expect(normalizeEmail('a\u037Eb@example.com')).toBeUndefined();
  });
});

/** A database of its own on a server (dropped afterwards), or a temporary SQLite file. */
interface Target {
  name: string;
  service?: 'postgres' | 'mysql';
  /** Extra settings (DATABASE_TYPE for libsql on a file). */
  env?: Record<string, string>;
  url(): Promise<string>;
  drop(): Promise<void>;
}

function serverTarget(name: string, service: 'postgres' | 'mysql'): Target {
  const dbName = `flowfull_inv_${randomBytes(4).toString('hex')}`;
  const admin = () => createDatabase({ url: SERVICE_URLS[service], poolMax: 1 });
  const withDatabase = () => {
    const u = new URL(SERVICE_URLS[service]);
    u.pathname = `/${dbName}`;
    return u.toString();
  };
  return {
    name,
    service,
    async url() {
      const a = admin();
      await sql.raw(`create database ${dbName}`).execute(a.db);
      await a.close();
      return withDatabase();
    },
    async drop() {
      const a = admin();
      await sql.raw(`drop database if exists ${dbName}`).execute(a.db);
      await a.close();
    },
  };
}

function sqliteTarget(type: 'sqlite' | 'libsql'): Target {
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-inv-'));
  return {
    name: `${type} file`,
    env: { DATABASE_TYPE: type },
    url: async () => `file:${join(dir, 'app.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const targets = [
  sqliteTarget('sqlite'),
  sqliteTarget('libsql'),
  serverTarget('postgres', 'postgres'),
  serverTarget('mariadb', 'mysql'),
];
const reachable = new Map<string, boolean>();
for (const t of targets) reachable.set(t.name, t.service ? await serviceAvailable(t.service) : true);

describe.each(targets)('invitation accept on $name', (target) => {
  let standin: FlowlessStandin;
  const all: Services[] = [];
  let services: Services;
  let app: Hono;
  let lenient: Hono;
  let n = 0;

  let secretKey: string;

  /** Services on the shared database; every instance signs with the same key, as a deployment's would. */
  async function build(extra: Record<string, string> = {}) {
    const config = loadConfig({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
        FLOWLESS_API_URL: standin.url,
        BRIDGE_VALIDATION_SECRET: SECRET,
        AUTH_VALIDATION_MODE: 'DISABLED',
        PASETO_SECRET_KEY: secretKey,
        DATABASE_POOL_MAX: '10',
        ...target.env,
        ...extra,
      },
      dotenvPath: false,
    });
    const s = await createServices(config, silentLogger());
    all.push(s);
    return s;
  }

  let databaseUrl: string;

  beforeAll(async () => {
    if (!reachable.get(target.name)) return;
    standin = await startFlowlessStandin({ bridgeSecret: SECRET });
    databaseUrl = await target.url();
    secretKey = (await generateTokenKeyMaterial()).secretKey;
    services = await build();
    await migrate(services);
    app = buildApp(services);
    lenient = buildApp(await build({ INVITATIONS_REQUIRE_VERIFIED_EMAIL: 'false' }));
  }, 60_000);

  afterAll(async () => {
    for (const s of all) await s.close();
    await standin?.close();
    if (reachable.get(target.name)) await target.drop();
  });

  const post = (a: Hono, path: string, sessionId: string, body: unknown) =>
    a.request(path, {
      method: 'POST',
      headers: { 'X-Session-ID': sessionId, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function person(email = `user${++n}-${randomBytes(3).toString('hex')}@example.com`, verified = true) {
    const user = await standin.createUser({ email, name: 'P', verified });
    const { sessionId } = await standin.createSession(user.id);
    return { user, sessionId, email };
  }

  async function orgOf(ownerSession: string): Promise<string> {
    const res = await post(app, '/api/v1/organizations', ownerSession, { name: 'Acme' });
    expect(res.status).toBe(201);
    return (await json(res)).data.id;
  }

  async function invite(ownerSession: string, orgId: string, email: string): Promise<string> {
    const res = await post(app, `/api/v1/organizations/${orgId}/invitations`, ownerSession, { email });
    expect(res.status).toBe(201);
    return (await json(res)).data.token;
  }

  const accept = (sessionId: string, token: string, a = app) =>
    post(a, '/api/v1/invitations/accept', sessionId, { token });

  async function members(orgId: string, userId: string): Promise<number> {
    const rows = await services.database.db
      .selectFrom('organization_members')
      .select('id')
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
    return rows.length;
  }

  const skip = () => !reachable.get(target.name);

  it('one token raced 20 times: one membership, every loser TOKEN_ALREADY_USED', async ({ skip: s }) => {
    if (skip()) return s();
    const owner = await person();
    const guest = await person();
    const orgId = await orgOf(owner.sessionId);
    const token = await invite(owner.sessionId, orgId, guest.email);
    const results = await Promise.all(Array.from({ length: 20 }, () => accept(guest.sessionId, token)));
    const outcomes = await Promise.all(results.map(async (r) => `${r.status} ${(await json(r)).code ?? ''}`));
    expect(outcomes.filter((o) => o.startsWith('201'))).toHaveLength(1);
    expect(outcomes.filter((o) => o !== '201 ').every((o) => o === '409 TOKEN_ALREADY_USED')).toBe(true);
    expect(await members(orgId, guest.user.id)).toBe(1);
    // And afterwards, the token stays spent.
    expect(await json(await accept(guest.sessionId, token))).toMatchObject({ code: 'TOKEN_ALREADY_USED' });
  });

  it('two tokens for one user and organisation at once: one membership, the other token unspent', async ({
    skip: s,
  }) => {
    if (skip()) return s();
    for (let round = 0; round < 3; round++) {
      const owner = await person();
      const guest = await person();
      const orgId = await orgOf(owner.sessionId);
      const tokens = [
        await invite(owner.sessionId, orgId, guest.email),
        await invite(owner.sessionId, orgId, guest.email),
      ];
      const results = await Promise.all(tokens.map((t) => accept(guest.sessionId, t)));
      const codes = await Promise.all(results.map(async (r) => `${r.status} ${(await json(r)).code ?? ''}`));
      expect([...codes].sort()).toEqual(['201 ', '409 CONFLICT']);
      expect(await members(orgId, guest.user.id)).toBe(1);
      const unspent = tokens[results.findIndex((r) => r.status === 409)]!;
      // Not burned: the token service still verifies it, and no redemption was recorded.
      await expect(services.tokens.verify(unspent, { type: 'invitation' })).resolves.toMatchObject({
        subject: guest.email,
      });
    }
  });

  it('refuses an address Flowless has not verified, unless the deployment relaxes it', async ({
    skip: s,
  }) => {
    if (skip()) return s();
    const owner = await person();
    const guest = await person(undefined, false);
    const orgId = await orgOf(owner.sessionId);
    const token = await invite(owner.sessionId, orgId, guest.email);
    const refused = await accept(guest.sessionId, token);
    expect([refused.status, (await json(refused)).code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect(await members(orgId, guest.user.id)).toBe(0);
    // The refusal spent nothing: the relaxed deployment accepts the same token.
    expect((await accept(guest.sessionId, token, lenient)).status).toBe(201);
  });

  it('does not let a Kelvin sign stand in for a K', async ({ skip: s }) => {
    if (skip()) return s();
    const owner = await person();
    const lookalike = await person(`\u212Aelvin-${++n}@example.com`);
    const orgId = await orgOf(owner.sessionId);
    const token = await invite(owner.sessionId, orgId, lookalike.email.replace('\u212A', 'k'));
    const res = await accept(lookalike.sessionId, token);
    expect([res.status, (await json(res)).code]).toEqual([400, 'TOKEN_REJECTED']);
    expect(await members(orgId, lookalike.user.id)).toBe(0);
  });
});
