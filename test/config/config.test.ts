import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  envSchema,
  loadConfig,
  maskConfig,
  maskUrl,
  parseConfig,
} from '../../src/config/index.js';

// A production secret must pass the strength check: 32 random bytes, fixed so the test is repeatable.
const SECRET = 'q3Vh7Rk_Lm2xT9pWz4Yc8Nf-Ab6Ds1Ge5Ju0Io7Kt3';

function issuesOf(env: Record<string, string>) {
  return parseConfig(env).issues;
}

describe('config: defaults', () => {
  it('starts with no environment at all on embedded defaults', () => {
    const config = loadConfig({ env: {}, dotenvPath: false });
    expect(config.PORT).toBe(3001);
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toBe('file:./data/flowfull.db');
    expect(config.DATABASE_AUTO_MIGRATE).toBe(true);
    expect(config.FLOWLESS_USE_STANDIN).toBe(true);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.CACHE_ENABLED).toBe(true);
    expect(config.TRUST_PROXY).toBe(false);
    expect(config.AUTH_VALIDATION_MODE).toBe('STANDARD');
  });
});

describe('config: parsing', () => {
  it('accepts every boolean spelling and rejects anything else', () => {
    for (const [raw, value] of [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['No', false],
    ] as const) {
      expect(loadConfig({ env: { CACHE_ENABLED: raw }, dotenvPath: false }).CACHE_ENABLED).toBe(value);
    }
    expect(issuesOf({ CACHE_ENABLED: 'maybe' })).toEqual([
      { variable: 'CACHE_ENABLED', message: expect.stringContaining('true, false, 1, 0, yes, no') },
    ]);
  });

  it('treats a number that does not parse as an error, never NaN', () => {
    for (const raw of ['abc', '3001.5', '30 01', '1e3']) {
      const issues = issuesOf({ PORT: raw });
      expect(issues).toHaveLength(1);
      expect(issues[0]!.variable).toBe('PORT');
    }
    expect(issuesOf({ PORT: '70000' })[0]!.message).toMatch(/at most 65535/);
  });

  it('reads enums case-insensitively into canonical case', () => {
    expect(
      loadConfig({ env: { AUTH_VALIDATION_MODE: 'strict' }, dotenvPath: false }).AUTH_VALIDATION_MODE,
    ).toBe('STRICT');
    expect(issuesOf({ AUTH_VALIDATION_MODE: 'PARANOID' })[0]!.message).toMatch(
      /DISABLED, STANDARD, ADVANCED, STRICT/,
    );
  });

  it('parses TRUST_PROXY as off, a hop count or a proxy-addr list', () => {
    expect(loadConfig({ env: { TRUST_PROXY: 'off' }, dotenvPath: false }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ env: { TRUST_PROXY: '2' }, dotenvPath: false }).TRUST_PROXY).toBe(2);
    expect(
      loadConfig({ env: { TRUST_PROXY: 'loopback, 10.0.0.0/8' }, dotenvPath: false }).TRUST_PROXY,
    ).toEqual(['loopback', '10.0.0.0/8']);
    expect(issuesOf({ TRUST_PROXY: 'not-an-ip/99' })[0]!.variable).toBe('TRUST_PROXY');
    expect(issuesOf({ TRUST_PROXY: 'true' })[0]!.message).toMatch(/forge/);
  });

  it('refuses a short bridge secret and a URL without its secret', () => {
    expect(issuesOf({ BRIDGE_VALIDATION_SECRET: 'short' })[0]!.message).toMatch(/at least 32/);
    expect(issuesOf({ FLOWLESS_API_URL: 'https://auth.example.com' })[0]!.variable).toBe(
      'BRIDGE_VALIDATION_SECRET',
    );
    expect(issuesOf({ FLOWLESS_API_URL: 'ftp://x' })[0]!.variable).toBe('FLOWLESS_API_URL');
  });

  it('refuses CORS `*` and a pool whose minimum exceeds its maximum', () => {
    expect(issuesOf({ CORS_ORIGINS: '*' })[0]!.variable).toBe('CORS_ORIGINS');
    expect(issuesOf({ DATABASE_POOL_MIN: '20', DATABASE_POOL_MAX: '5' })[0]!.variable).toBe(
      'DATABASE_POOL_MIN',
    );
  });
});

describe('config: fail fast', () => {
  it('lists every problem at once, without printing secret values', () => {
    const env = { PORT: 'abc', CACHE_ENABLED: 'maybe', BRIDGE_VALIDATION_SECRET: 'hunter2-secret' };
    let error: unknown;
    try {
      loadConfig({ env, dotenvPath: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const report = (error as ConfigError).report();
    expect(report).toMatch(/3 problems/);
    expect(report).toContain('PORT');
    expect(report).toContain('CACHE_ENABLED');
    expect(report).toContain('BRIDGE_VALIDATION_SECRET');
    expect(report).not.toContain('hunter2');
  });

  it('production with an empty environment lists every missing setting in one report', () => {
    const variables = issuesOf({ NODE_ENV: 'production' }).map((i) => i.variable);
    expect(variables).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'FLOWLESS_API_URL',
        'BRIDGE_VALIDATION_SECRET',
        'PASETO_SECRET_KEY',
      ]),
    );
  });

  it('production refuses development conveniences', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/x',
      FLOWLESS_API_URL: 'https://auth.example.com',
      BRIDGE_VALIDATION_SECRET: SECRET,
      PASETO_SECRET_KEY: 'k4.secret.placeholder',
      DEBUG_ERRORS: 'true',
    };
    expect(issuesOf(env).map((i) => i.variable)).toEqual(['DEBUG_ERRORS']);
    const { DEBUG_ERRORS: _, ...good } = env;
    const config = loadConfig({ env: good, dotenvPath: false });
    expect(config.FLOWLESS_USE_STANDIN).toBe(false);
    expect(config.DATABASE_AUTO_MIGRATE).toBe(false);
  });
});

describe('config: .env', () => {
  it('loads .env when present and lets the real environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowfull-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nLOG_LEVEL=debug\n');
    const config = loadConfig({ env: { PORT: '5000' }, dotenvPath: file });
    expect(config.PORT).toBe(5000);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('.env.example passes validation as it is', () => {
    const config = loadConfig({ env: {}, dotenvPath: '.env.example' });
    expect(config.PORT).toBe(3001);
    // Every variable of the schema is documented in .env.example.
    const example = readFileSync('.env.example', 'utf8');
    for (const key of Object.keys(envSchema.shape)) expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
  });
});

describe('config: masking', () => {
  it('masks secrets and URL passwords', () => {
    const config = loadConfig({
      env: {
        DATABASE_URL: 'postgres://app:s3cret@db.example.com:5432/app',
        REDIS_URL: 'redis://:r3dis@cache:6379',
        BRIDGE_VALIDATION_SECRET: SECRET,
        FLOWLESS_API_URL: 'https://auth.example.com',
      },
      dotenvPath: false,
    });
    const text = JSON.stringify(maskConfig(config));
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('r3dis');
    expect(text).not.toContain(SECRET);
    expect(text).toContain('db.example.com');
    expect(maskUrl('libsql://db.turso.io?authToken=abc')).not.toContain('abc');
    expect(maskUrl('file:./data/x.db')).toBe('file:./data/x.db');
  });
});
