import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { describe, expect, it } from 'vitest';
import {
  estimateSecretBits,
  generateBridgeSecret,
  loadConfig,
  MIN_SECRET_BITS,
  parseConfig,
  SECRET_KEYS,
  SESSION_ID_DEFAULTS,
  weakSecretProblem,
} from '../../src/config/index.js';

const STRONG = 'q3Vh7Rk_Lm2xT9pWz4Yc8Nf-Ab6Ds1Ge5Ju0Io7Kt3';

function production(extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u:p@db/x',
    FLOWLESS_API_URL: 'https://auth.example.com',
    BRIDGE_VALIDATION_SECRET: STRONG,
    PASETO_SECRET_KEY: 'k4.secret.placeholder',
    ...extra,
  };
}

const WEAK = [
  'a'.repeat(48),
  'changemechangemechangemechangeme',
  'secretsecretsecretsecretsecretsecret',
  'passwordpasswordpassword1234567890',
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ',
  '0123456789012345678901234567890123456789',
  'ab'.repeat(24),
  // A random-looking block repeated adds nothing.
  'b2466262864c1a2d'.repeat(4),
  // The README's placeholder, as someone might paste it.
  '<the secret shared with Flowless, 32+ chars>',
];

describe('config: production secret strength', () => {
  it.each(WEAK)('refuses %s in production and says how to generate one', (secret) => {
    const issues = parseConfig(production({ BRIDGE_VALIDATION_SECRET: secret })).issues;
    expect(issues.map((i) => i.variable)).toEqual(['BRIDGE_VALIDATION_SECRET']);
    expect(issues[0]!.message).toMatch(/too weak for production/);
    expect(issues[0]!.message).toContain('flowfull keys generate');
    expect(issues[0]!.message).not.toContain(secret);
  });

  it('accepts the same weak secret outside production (length rules still apply)', () => {
    expect(parseConfig({ BRIDGE_VALIDATION_SECRET: 'a'.repeat(48) }).issues).toEqual([]);
  });

  it('lists a weak secret together with every other problem', () => {
    const issues = parseConfig(
      production({ BRIDGE_VALIDATION_SECRET: 'changeme'.repeat(5), DEBUG_ERRORS: 'true', PORT: 'x' }),
    ).issues;
    expect(issues.map((i) => i.variable).sort()).toEqual([
      'BRIDGE_VALIDATION_SECRET',
      'DEBUG_ERRORS',
      'PORT',
    ]);
  });

  it('generateBridgeSecret() always passes, with a wide margin', () => {
    let lowest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2000; i++) lowest = Math.min(lowest, estimateSecretBits(generateBridgeSecret()));
    expect(lowest).toBeGreaterThanOrEqual(MIN_SECRET_BITS + 32);
    expect(generateBridgeSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseConfig(production({ BRIDGE_VALIDATION_SECRET: generateBridgeSecret() })).issues).toEqual([]);
  });

  it('refuses every secret value written in .env.example', () => {
    const example = readFileSync('.env.example', 'utf8');
    // Commented-out lines too: someone will uncomment them.
    const values = parseDotenv(example.replace(/^# ?(?=[A-Z_]+=)/gm, ''));
    for (const key of SECRET_KEYS) {
      const value = values[key];
      if (value && key === 'BRIDGE_VALIDATION_SECRET') expect(weakSecretProblem(value)).toBeDefined();
    }
    expect(weakSecretProblem('')).toBeDefined();
  });
});

describe('config: AUTH_ALLOW_QUERY_SESSION', () => {
  it('defaults to false in production and true in development and test', () => {
    expect(loadConfig({ env: production(), dotenvPath: false }).AUTH_ALLOW_QUERY_SESSION).toBe(false);
    expect(loadConfig({ env: {}, dotenvPath: false }).AUTH_ALLOW_QUERY_SESSION).toBe(true);
    expect(loadConfig({ env: { NODE_ENV: 'test' }, dotenvPath: false }).AUTH_ALLOW_QUERY_SESSION).toBe(true);
  });

  it('can still be set either way explicitly', () => {
    const on = loadConfig({ env: production({ AUTH_ALLOW_QUERY_SESSION: 'true' }), dotenvPath: false });
    expect(on.AUTH_ALLOW_QUERY_SESSION).toBe(true);
    expect(
      loadConfig({ env: { AUTH_ALLOW_QUERY_SESSION: 'no' }, dotenvPath: false }).AUTH_ALLOW_QUERY_SESSION,
    ).toBe(false);
  });

  it('.env.example does not switch it on for production', () => {
    const config = loadConfig({ env: production(), dotenvPath: '.env.example' });
    expect(config.AUTH_ALLOW_QUERY_SESSION).toBe(false);
  });
});

describe('config: session id policy', () => {
  it('defaults to what Flowless issues', () => {
    const config = loadConfig({ env: {}, dotenvPath: false });
    expect(config.AUTH_SESSION_ID_ALPHABET).toBe(SESSION_ID_DEFAULTS.alphabet);
    expect(config.AUTH_SESSION_ID_MIN_LENGTH).toBe(SESSION_ID_DEFAULTS.minLength);
    expect(config.AUTH_SESSION_ID_MAX_LENGTH).toBe(SESSION_ID_DEFAULTS.maxLength);
    expect(config.INVITATIONS_REQUIRE_VERIFIED_EMAIL).toBe(true);
  });

  it('refuses an alphabet that admits separators, spaces or non-ASCII, and crossed bounds', () => {
    for (const alphabet of [
      'A-Z,',
      '\\s\\w',
      '^a',
      'A-Za-z0-9;',
      'a-z\\',
      '\\x00-\\x7f',
      'a-zé',
      '\\u00e9',
    ]) {
      const issues = parseConfig({ AUTH_SESSION_ID_ALPHABET: alphabet }).issues;
      expect(issues.map((i) => i.variable)).toEqual(['AUTH_SESSION_ID_ALPHABET']);
    }
    const crossed = parseConfig({
      AUTH_SESSION_ID_MIN_LENGTH: '100',
      AUTH_SESSION_ID_MAX_LENGTH: '50',
    }).issues;
    expect(crossed.map((i) => i.variable)).toEqual(['AUTH_SESSION_ID_MIN_LENGTH']);
    expect(parseConfig({ AUTH_SESSION_ID_MAX_LENGTH: '513' }).issues[0]!.variable).toBe(
      'AUTH_SESSION_ID_MAX_LENGTH',
    );
    expect(parseConfig({ AUTH_SESSION_ID_ALPHABET: '0-9a-f' }).issues).toEqual([]);
  });
});
