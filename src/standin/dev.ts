import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { startFlowlessStandin } from './server.js';
import type { FlowlessStandin } from './types.js';

export type DevelopmentStandinConfig = Pick<
  Config,
  'NODE_ENV' | 'FLOWLESS_STANDIN_PORT' | 'BRIDGE_VALIDATION_SECRET'
> &
  Partial<Pick<Config, 'FLOWLESS_STANDIN_DATABASE' | 'DATABASE_URL'>>;

/**
 * Where `npm start` keeps the stand-in's users and sessions: FLOWLESS_STANDIN_DATABASE, else a file
 * that follows DATABASE_URL, so switching databases starts with a fresh set of users as well
 * (no "Email already registered" for a user the new database has never seen):
 * - an SQLite/libsql file `data/app.db` -> `data/app.flowless-standin.db` beside it;
 * - `:memory:` -> `:memory:`;
 * - a server `postgres://u:pw@db:5432/app` -> `./data/flowless-standin/postgres-db-5432-app.db`
 *   (scheme, host, port and database name; never the user or password).
 */
export function standinDatabasePath(
  config: Partial<Pick<Config, 'FLOWLESS_STANDIN_DATABASE' | 'DATABASE_URL'>>,
): string {
  if (config.FLOWLESS_STANDIN_DATABASE) return config.FLOWLESS_STANDIN_DATABASE;
  const url = (config.DATABASE_URL ?? 'file:./data/flowfull.db').trim();
  if (url === ':memory:' || /^(file|sqlite):(\/\/)?:memory:$/i.test(url)) return ':memory:';
  const local = /^(?:file|sqlite):(?:\/\/(?:localhost)?)?(.*)$/i.exec(url);
  if (local?.[1]) {
    const file = decodeURIComponent(local[1].replace(/[?#].*$/, ''));
    const ext = path.extname(file);
    return `${ext ? file.slice(0, -ext.length) : file}.flowless-standin.db`;
  }
  let name = 'database';
  try {
    const u = new URL(url);
    name = [u.protocol.replace(':', ''), u.hostname, u.port, decodeURIComponent(u.pathname.slice(1))]
      .filter(Boolean)
      .join('-');
  } catch {
    // an unparsable URL never reaches here: start-up validation refuses it first
  }
  return `./data/flowless-standin/${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.db`;
}

export interface DevelopmentStandin {
  standin: FlowlessStandin;
  /** The configured secret, or one generated for this run: Flowfull's bridge client must use it. */
  bridgeSecret: string;
}

/**
 * What `npm start` runs when FLOWLESS_API_URL is unset: the stand-in on FLOWLESS_STANDIN_PORT
 * (loopback only), with a file database under ./data.
 */
export async function startDevelopmentStandin(
  config: DevelopmentStandinConfig,
  logger: Logger,
  overrides: {
    databasePath?: string;
    host?: string;
    /** Flowfull's revocation hook: called on logout, refresh, password change and reset, as Flowless would. */
    revocationHookUrl?: string;
    /** Origins a browser app may call the stand-in from directly. */
    corsOrigins?: readonly string[];
  } = {},
): Promise<DevelopmentStandin> {
  const bridgeSecret = config.BRIDGE_VALIDATION_SECRET ?? randomBytes(32).toString('base64url');
  const standin = await startFlowlessStandin({
    bridgeSecret,
    port: config.FLOWLESS_STANDIN_PORT,
    host: overrides.host ?? '127.0.0.1',
    databasePath: overrides.databasePath ?? standinDatabasePath(config),
    nodeEnv: config.NODE_ENV,
    logger: logger.child({ component: 'flowless-standin' }),
    ...(overrides.revocationHookUrl
      ? { revocationHook: { url: overrides.revocationHookUrl, secret: bridgeSecret } }
      : {}),
    ...(overrides.corsOrigins ? { corsOrigins: [...overrides.corsOrigins] } : {}),
  });
  logger.info(
    {
      url: standin.url,
      store: overrides.databasePath ?? standinDatabasePath(config),
      secretGenerated: config.BRIDGE_VALIDATION_SECRET === undefined,
    },
    'local Flowless stand-in started (FLOWLESS_API_URL is unset)',
  );
  return { standin, bridgeSecret };
}
