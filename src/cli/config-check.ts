import { type Config, ConfigError, envSchema, maskConfig, type ValueSource } from '../config/index.js';
import { resolveDatabaseUrl } from '../db/url.js';
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
  if (key === 'FLOWLESS_API_URL' && value === undefined && config.FLOWLESS_USE_STANDIN)
    return `(none: local stand-in on port ${config.FLOWLESS_STANDIN_PORT})`;
  if (Array.isArray(value) && value.length > 0) return value.join(',');
  if (value === undefined || (Array.isArray(value) && value.length === 0))
    return MEANING_WHEN_UNSET[key] ?? (key.startsWith('AUTH_') ? AS_THE_MODE_SAYS : '(none)');
  return String(value);
}

/** The rows `config check` prints: variable, resolved value (secrets masked), source. */
export function configRows(
  config: Config,
  sources: Record<string, ValueSource>,
): Array<[string, string, ValueSource]> {
  const masked = maskConfig(config);
  return Object.keys(envSchema.shape).map((key) => [
    key,
    shown(key, masked[key], config),
    sources[key] ?? 'default',
  ]);
}

/**
 * `flowfull config check`: runs start-up's own validation (checkEnvironment). Valid: every variable
 * with its resolved value and where it came from. Invalid: start-up's report on stderr and its exit code.
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
