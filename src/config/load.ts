import { existsSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { FlowfullConfigError } from '../errors.js';
import { type Config, type ConfigIssue, parseConfig, SECRET_KEYS, URL_KEYS } from './schema.js';

/** Thrown when the environment is invalid; `report()` is what start-up prints. Code CONFIG_INVALID. */
export class ConfigError extends FlowfullConfigError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
  report(): string {
    return this.message;
  }
}

export function formatIssues(issues: ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.variable}: ${i.message}`);
  const n = issues.length;
  return `Invalid environment: ${n} problem${n === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

export interface LoadConfigOptions {
  /** The environment; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** A .env file read when present; the real environment wins over it. Default: ./.env. false: none. */
  dotenvPath?: string | false;
}

/** Where a variable's value came from; blank values count as unset, so their source is the default. */
export type ValueSource = 'default' | '.env' | 'environment';

export interface Environment {
  /** The .env file's values under the real environment's. */
  values: Record<string, string | undefined>;
  /** The source of every variable set to a non-blank value. */
  sources: Record<string, Exclude<ValueSource, 'default'>>;
}

/** The environment start-up reads: .env (if present) under the real environment. */
export function readEnvironment(options: LoadConfigOptions = {}): Environment {
  const env = options.env ?? process.env;
  const fromFile = readDotenv(options.dotenvPath === undefined ? '.env' : options.dotenvPath);
  const sources: Environment['sources'] = {};
  for (const [key, value] of Object.entries(fromFile)) if (value.trim() !== '') sources[key] = '.env';
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') sources[key] = 'environment';
  return { values: { ...fromFile, ...env }, sources };
}

/** Reads .env (if present) under the real environment and returns a validated Config, or throws ConfigError. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const { config, issues } = parseConfig(readEnvironment(options).values);
  if (!config) throw new ConfigError(issues);
  return config;
}

function readDotenv(path: string | false): Record<string, string> {
  if (path === false) return {};
  const full = resolvePath(path);
  if (!existsSync(full)) return {};
  return parseDotenv(readFileSync(full));
}

/** Replaces the password of a URL (user:pass@ or ?authToken=) with ***. Non-URLs come back untouched. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    let changed = false;
    if (url.password) {
      url.password = '***';
      changed = true;
    }
    for (const key of ['authToken', 'auth_token', 'password']) {
      if (url.searchParams.has(key)) {
        url.searchParams.set(key, '***');
        changed = true;
      }
    }
    // Untouched URLs come back verbatim: URL() would rewrite `file:./x.db` as `file:///x.db`.
    return changed ? url.toString() : raw;
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** The resolved configuration, printable: secrets masked, URL passwords masked. */
export function maskConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of SECRET_KEYS) {
    if (out[key] !== undefined) out[key] = '***';
  }
  for (const key of URL_KEYS) {
    const v = out[key];
    if (typeof v === 'string') out[key] = maskUrl(v);
  }
  return out;
}
