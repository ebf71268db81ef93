import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { SHARED_SECRET_KEYS, weakSecretProblem } from './secrets.js';
import { authShape } from './sections/auth.js';
import { cacheShape } from './sections/cache.js';
import { DEFAULT_DATABASE_URL, databaseShape } from './sections/database.js';
import { flowlessShape } from './sections/flowless.js';
import { compileSessionIdAlphabet, securityShape } from './sections/security.js';
import { serverShape } from './sections/server.js';
import { tokensShape } from './sections/tokens.js';

/** Every setting Flowfull reads, in one schema. Sections live beside this file, one per concept. */
export const envSchema = z.object({
  ...serverShape,
  ...databaseShape,
  ...flowlessShape,
  ...authShape,
  ...securityShape,
  ...cacheShape,
  ...tokensShape,
});

type RawConfig = z.output<typeof envSchema>;

/** TRUST_PROXY parsed: false (socket address only), a hop count, or a list for proxy-addr. */
export type TrustProxySetting = false | number | string[];

export type Config = Omit<
  RawConfig,
  'DATABASE_URL' | 'DATABASE_AUTO_MIGRATE' | 'TRUST_PROXY' | 'AUTH_ALLOW_QUERY_SESSION'
> & {
  DATABASE_URL: string;
  DATABASE_AUTO_MIGRATE: boolean;
  /** Unset: false in production, true in development and test. */
  AUTH_ALLOW_QUERY_SESSION: boolean;
  TRUST_PROXY: TrustProxySetting;
  /** True when FLOWLESS_API_URL was unset and the local stand-in is to be used (never in production). */
  FLOWLESS_USE_STANDIN: boolean;
};

/** Variables whose values are never printed, logged or echoed in an error. */
export const SECRET_KEYS = [
  'BRIDGE_VALIDATION_SECRET',
  'LIBSQL_AUTH_TOKEN',
  'PASETO_SECRET_KEY',
  'PASETO_LOCAL_KEY',
] as const;

/** Variables that are URLs whose password part is masked when printed. */
export const URL_KEYS = ['DATABASE_URL', 'REDIS_URL', 'FLOWLESS_API_URL'] as const;

export interface ConfigIssue {
  variable: string;
  message: string;
}

const MIN_SECRET_LENGTH = 32;

function parseTrustProxy(raw: string | undefined, issues: ConfigIssue[]): TrustProxySetting {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === 'off' || v === 'false' || v === '0' || v === 'no') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'true' || v === 'on' || v === 'yes') {
    issues.push({
      variable: 'TRUST_PROXY',
      message:
        'trusting every proxy lets any client forge its IP; expected off, a hop count, or addresses/CIDRs/names',
    });
    return false;
  }
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(entries);
  } catch {
    issues.push({
      variable: 'TRUST_PROXY',
      message:
        'is not a valid list; expected off, a hop count, or addresses, CIDRs and names (loopback, linklocal, uniquelocal)',
    });
    return false;
  }
  return entries;
}

function checkSessionIdPolicy(raw: RawConfig, issues: ConfigIssue[]): void {
  const compiled = compileSessionIdAlphabet(raw.AUTH_SESSION_ID_ALPHABET);
  if ('problem' in compiled) issues.push({ variable: 'AUTH_SESSION_ID_ALPHABET', message: compiled.problem });
  if (raw.AUTH_SESSION_ID_MIN_LENGTH > raw.AUTH_SESSION_ID_MAX_LENGTH)
    issues.push({
      variable: 'AUTH_SESSION_ID_MIN_LENGTH',
      message: `must not exceed AUTH_SESSION_ID_MAX_LENGTH (${raw.AUTH_SESSION_ID_MAX_LENGTH})`,
    });
}

/** Rules across variables, and the production hardening: development conveniences are refused there. */
function resolve(raw: RawConfig, issues: ConfigIssue[]): Config {
  const production = raw.NODE_ENV === 'production';
  const need = (variable: string, message: string) => issues.push({ variable, message });

  if (production) {
    if (!raw.DATABASE_URL)
      need(
        'DATABASE_URL',
        'is required in production; expected a database URL such as postgres://user:pass@host:5432/db',
      );
    if (!raw.FLOWLESS_API_URL)
      need(
        'FLOWLESS_API_URL',
        'is required in production (the local Flowless stand-in is refused); expected https://your-flowless.example',
      );
    if (!raw.BRIDGE_VALIDATION_SECRET)
      need(
        'BRIDGE_VALIDATION_SECRET',
        `is required in production; expected the secret shared with Flowless, at least ${MIN_SECRET_LENGTH} characters`,
      );
    if (!raw.PASETO_SECRET_KEY)
      need(
        'PASETO_SECRET_KEY',
        'is required in production; expected a k4.secret PASERK (generate one with `flowfull keys generate`)',
      );
    if (raw.DEBUG_ERRORS)
      need('DEBUG_ERRORS', 'must be false in production (it would send error details to clients)');
  }
  if (raw.BRIDGE_VALIDATION_SECRET !== undefined && raw.BRIDGE_VALIDATION_SECRET.length < MIN_SECRET_LENGTH)
    need('BRIDGE_VALIDATION_SECRET', `is too short; expected at least ${MIN_SECRET_LENGTH} characters`);
  else if (production) {
    for (const key of SHARED_SECRET_KEYS) {
      const value = raw[key];
      const problem = value === undefined ? undefined : weakSecretProblem(value);
      if (problem !== undefined) need(key, problem);
    }
  }
  checkSessionIdPolicy(raw, issues);
  if (!production && raw.FLOWLESS_API_URL && !raw.BRIDGE_VALIDATION_SECRET)
    need(
      'BRIDGE_VALIDATION_SECRET',
      'is required when FLOWLESS_API_URL is set; expected the secret shared with Flowless',
    );
  if (raw.DATABASE_POOL_MIN > raw.DATABASE_POOL_MAX)
    need('DATABASE_POOL_MIN', `must not exceed DATABASE_POOL_MAX (${raw.DATABASE_POOL_MAX})`);
  if (raw.CORS_ORIGINS.includes('*'))
    need(
      'CORS_ORIGINS',
      'must list origins explicitly: `*` cannot be combined with credentials (cookies, session headers)',
    );

  return {
    ...raw,
    DATABASE_URL: raw.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    DATABASE_AUTO_MIGRATE: raw.DATABASE_AUTO_MIGRATE ?? !production,
    // Ids in URLs end up in proxy logs, browser history and Referer headers: opt-in in production.
    AUTH_ALLOW_QUERY_SESSION: raw.AUTH_ALLOW_QUERY_SESSION ?? !production,
    TRUST_PROXY: parseTrustProxy(raw.TRUST_PROXY, issues),
    FLOWLESS_USE_STANDIN: !production && !raw.FLOWLESS_API_URL,
  };
}

/** Parses an environment into a Config, collecting every problem instead of stopping at the first. */
export function parseConfig(env: Record<string, string | undefined>): {
  config?: Config;
  issues: ConfigIssue[];
} {
  const parsed = envSchema.safeParse(env);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ variable: issue.path.map(String).join('.') || '(environment)', message: issue.message });
    }
    // Cross-variable rules still run on what did parse (bad values dropped so defaults apply),
    // so the report lists every problem in one go.
    const bad = new Set(issues.map((i) => i.variable));
    const retry = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([k]) => !bad.has(k))));
    if (retry.success) {
      const more: ConfigIssue[] = [];
      resolve(retry.data, more);
      issues.push(...more.filter((i) => !bad.has(i.variable)));
    }
    return { issues };
  }
  const config = resolve(parsed.data, issues);
  return issues.length ? { issues } : { config, issues };
}
