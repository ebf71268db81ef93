import {
  type Config,
  ConfigError,
  envSchema,
  maskConfig,
  parseConfig,
  type ValueSource,
} from '../config/index.js';
import { resolveDatabaseUrl } from '../db/url.js';
import { standinDatabasePath } from '../standin/dev.js';
import { checkEnvironment } from './environment.js';
import { type CliIo, envOptions } from './io.js';

/**
 * What an unset optional variable means, in the README's words: these have no single default value
 * because something else decides (the validation mode, the stand-in, the URL).
 */
const MEANING_WHEN_UNSET: Record<string, string> = {
  DATABASE_TYPE: '(from the URL)',
  LIBSQL_AUTH_TOKEN: '(none)',
  FLOWLESS_API_URL: '(none: local stand-in)',
  BRIDGE_VALIDATION_SECRET: '(generated for the stand-in)',
  REDIS_URL: '(none: in-process only)',
  PASETO_SECRET_KEY: '(ephemeral in development)',
  PASETO_LOCAL_KEY: '(none)',
  PASETO_PUBLIC_KEYS: '(none)',
  CORS_ORIGINS: '(none)',
};
const AS_THE_MODE_SAYS = '(as AUTH_VALIDATION_MODE says)';

function shown(key: string, value: unknown, config: Config): string {
  if (key === 'TRUST_PROXY') {
    const v = config.TRUST_PROXY;
    return v === false ? 'off' : Array.isArray(v) ? v.join(',') : String(v);
  }
  if (key === 'DATABASE_TYPE' && value === undefined)
    return `(from the URL: ${resolveDatabaseUrl(config.DATABASE_URL).type})`;
  if (key === 'FLOWLESS_STANDIN_DATABASE' && value === undefined)
    return `(follows DATABASE_URL: ${standinDatabasePath(config)})`;
  if (key === 'FLOWLESS_API_URL' && value === undefined && config.FLOWLESS_USE_STANDIN)
    return `(none: local stand-in on port ${config.FLOWLESS_STANDIN_PORT})`;
  if (Array.isArray(value) && value.length > 0) return value.join(',');
  if (value === undefined || (Array.isArray(value) && value.length === 0))
    return MEANING_WHEN_UNSET[key] ?? (key.startsWith('AUTH_') ? AS_THE_MODE_SAYS : '(none)');
  return String(value);
}

/**
 * The configuration an empty environment gives in this NODE_ENV: the defaults. Production has no
 * default DATABASE_URL (and refuses an empty environment), so its defaults are development's with
 * production's own differences.
 */
function defaultsFor(config: Config): Config {
  const production = config.NODE_ENV === 'production';
  const base = parseConfig({ NODE_ENV: production ? 'development' : config.NODE_ENV }).config!;
  return production
    ? { ...base, NODE_ENV: 'production', DATABASE_AUTO_MIGRATE: false, FLOWLESS_USE_STANDIN: false }
    : base;
}

/** The rows `config check` prints: variable, resolved value (secrets masked), source (and default). */
export function configRows(
  config: Config,
  sources: Record<string, ValueSource>,
): Array<[string, string, string]> {
  const masked = maskConfig(config);
  const defaults = defaultsFor(config);
  const production = config.NODE_ENV === 'production';
  return Object.keys(envSchema.shape).map((key) => {
    const source = sources[key] ?? 'default';
    if (source === 'default') return [key, shown(key, masked[key], config), source];
    const fallback =
      production && key === 'DATABASE_URL'
        ? '(none: required in production)'
        : shown(key, maskConfig(defaults)[key], defaults);
    return [key, shown(key, masked[key], config), `${source} (default ${fallback})`];
  });
}

/**
 * `flowfull config check`: runs start-up's own validation (checkEnvironment). Valid: every variable
 * with its resolved value and where it came from (with the default it replaced). Invalid: start-up's report on stderr and its exit code.
 */
export async function configCheck(io: CliIo): Promise<number> {
  const { config, issues, sources } = await checkEnvironment(envOptions(io));
  if (!config) {
    io.err(new ConfigError(issues).report());
    return 1;
  }
  const rows = configRows(config, sources);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(60, Math.max(...rows.map((r) => r[1].length)));
  io.out(`${'variable'.padEnd(w0)}  ${'value'.padEnd(w1)}  source`);
  for (const [key, value, source] of rows) io.out(`${key.padEnd(w0)}  ${value.padEnd(w1)}  ${source}`);
  io.out('Configuration OK');
  return 0;
}
