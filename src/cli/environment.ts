import {
  type Config,
  type ConfigIssue,
  DEFAULT_DATABASE_URL,
  type LoadConfigOptions,
  parseConfig,
  readEnvironment,
  type ValueSource,
} from '../config/index.js';
import { resolveDatabaseUrl } from '../db/url.js';
import { FlowfullConfigError, isAppError } from '../errors.js';
import { createEphemeralTokenKeys, createTokenKeys, TokenKeyError } from '../tokens/index.js';

/**
 * The one start-up validation: `npm start` and `flowfull config check` both call checkEnvironment(),
 * so the check cannot pass what start-up would refuse. Beyond the schema it tries what start-up
 * would otherwise only find later: the database URL's dialect, the Redis URL's scheme, and every
 * PASERK key. Each problem is collected; none stops the others from being checked.
 */

export interface EnvironmentCheck {
  /** Present only when there is no problem. */
  config?: Config;
  issues: ConfigIssue[];
  /** The source of every variable's value: its default, the .env file or the environment. */
  sources: Record<string, ValueSource>;
}

const REDIS_SCHEMES = new Set(['redis:', 'rediss:']);

function redisUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL; expected redis://[:password@]host[:port][/db] or rediss://…';
  }
  if (!REDIS_SCHEMES.has(url.protocol))
    return `has the scheme ${JSON.stringify(url.protocol)}; expected redis:// or rediss://`;
  if (!url.hostname) return 'has no host; expected redis://host[:port][/db]';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    return 'has a database that is not a number; expected redis://host:6379/0';
  return undefined;
}

function databaseUrlProblem(raw: string, forcedType: string | undefined): string | undefined {
  try {
    resolveDatabaseUrl(raw, forcedType as Config['DATABASE_TYPE']);
    return undefined;
  } catch (error) {
    // resolveDatabaseUrl's messages name the scheme at most, never the URL's password.
    if (error instanceof FlowfullConfigError || isAppError(error))
      return error.message.replace(/^DATABASE_URL /, '');
    throw error;
  }
}

/** Every key problem, not only the first: each variable is imported on its own. */
async function keyProblems(env: Record<string, string | undefined>): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const blank = (v: string | undefined) => v === undefined || v.trim() === '';
  const attempt = async (variable: string, load: () => Promise<unknown>) => {
    try {
      await load();
    } catch (error) {
      if (!(error instanceof TokenKeyError)) throw error;
      // TokenKeyError messages start with the variable's name and never quote the key.
      issues.push({ variable, message: error.message.replace(/^[A-Z_]+(\[\d+\])? /, '') });
    }
  };
  const secret = env.PASETO_SECRET_KEY;
  if (!blank(secret))
    await attempt('PASETO_SECRET_KEY', () => createTokenKeys({ secretKey: secret!.trim() }));
  const publicKeys = (env.PASETO_PUBLIC_KEYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [i, key] of publicKeys.entries())
    await attempt(`PASETO_PUBLIC_KEYS[${i}]`, () => createEphemeralTokenKeys({ publicKeys: [key] }));
  const local = env.PASETO_LOCAL_KEY;
  if (!blank(local))
    await attempt('PASETO_LOCAL_KEY', () => createEphemeralTokenKeys({ localKey: local!.trim() }));
  return issues;
}

/** Reads the environment as start-up does and reports every problem start-up would stop on. */
export async function checkEnvironment(options: LoadConfigOptions = {}): Promise<EnvironmentCheck> {
  const { values, sources: given } = readEnvironment(options);
  const { config, issues } = parseConfig(values);
  const seen = (variable: string) => issues.some((i) => i.variable.split('[')[0] === variable.split('[')[0]);
  const add = (variable: string, message: string | undefined) => {
    if (message !== undefined && !seen(variable)) issues.push({ variable, message });
  };

  const dbUrl = values.DATABASE_URL?.trim() ? values.DATABASE_URL : DEFAULT_DATABASE_URL;
  const dbType = values.DATABASE_TYPE?.trim() ? values.DATABASE_TYPE.trim().toLowerCase() : undefined;
  if (!seen('DATABASE_TYPE') && !(values.NODE_ENV === 'production' && !values.DATABASE_URL?.trim()))
    add('DATABASE_URL', databaseUrlProblem(dbUrl, dbType));
  if (values.REDIS_URL?.trim()) add('REDIS_URL', redisUrlProblem(values.REDIS_URL.trim()));
  for (const issue of await keyProblems(values)) add(issue.variable, issue.message);

  const sources: Record<string, ValueSource> = {};
  for (const key of Object.keys(values)) if (given[key]) sources[key] = given[key];
  return issues.length ? { issues, sources } : { config, issues, sources };
}
