import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { startFlowlessStandin } from './server.js';
import type { FlowlessStandin } from './types.js';

/** Where `npm start` keeps the stand-in's users and sessions, so they survive restarts. */
export const DEVELOPMENT_DATABASE_PATH = './data/flowless-standin.db';

export type DevelopmentStandinConfig = Pick<
  Config,
  'NODE_ENV' | 'FLOWLESS_STANDIN_PORT' | 'BRIDGE_VALIDATION_SECRET'
>;

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
  overrides: { databasePath?: string; host?: string } = {},
): Promise<DevelopmentStandin> {
  const bridgeSecret = config.BRIDGE_VALIDATION_SECRET ?? randomBytes(32).toString('base64url');
  const standin = await startFlowlessStandin({
    bridgeSecret,
    port: config.FLOWLESS_STANDIN_PORT,
    host: overrides.host ?? '127.0.0.1',
    databasePath: overrides.databasePath ?? DEVELOPMENT_DATABASE_PATH,
    nodeEnv: config.NODE_ENV,
    logger: logger.child({ component: 'flowless-standin' }),
  });
  logger.info(
    { url: standin.url, secretGenerated: config.BRIDGE_VALIDATION_SECRET === undefined },
    'local Flowless stand-in started (FLOWLESS_API_URL is unset)',
  );
  return { standin, bridgeSecret };
}
