import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { isAppError } from '../errors.js';
import { installGracefulShutdown, listen } from '../http/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { startDevelopmentStandin } from '../standin/index.js';
import { buildApp, createServices, migrate } from './services.js';

function loadOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.report()}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Development without FLOWLESS_API_URL: the local stand-in plays Flowless (the config refuses this in production). */
async function withStandin(config: Config, logger: Logger) {
  if (!config.FLOWLESS_USE_STANDIN) return { config, standin: undefined };
  const { standin, bridgeSecret } = await startDevelopmentStandin(config, logger);
  return {
    config: { ...config, FLOWLESS_API_URL: standin.url, BRIDGE_VALIDATION_SECRET: bridgeSecret },
    standin,
  };
}

async function main(): Promise<void> {
  const loaded = loadOrExit();
  const logger = createLogger({ level: loaded.LOG_LEVEL, name: 'flowfull' });
  const { config, standin } = await withStandin(loaded, logger);
  const services = await createServices(config, logger);
  if (config.DATABASE_AUTO_MIGRATE) {
    const applied = await migrate(services);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const server = await listen(buildApp(services), { port: config.PORT, host: config.HOST });
  logger.info(
    { port: server.port, database: services.database.type, redis: Boolean(config.REDIS_URL) },
    'flowfull listening',
  );
  installGracefulShutdown({
    server,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    resources: [
      { name: 'services', close: () => services.close() },
      ...(standin ? [{ name: 'flowless-standin', close: () => standin.close() }] : []),
    ],
  });
}

main().catch((error: unknown) => {
  // Our own errors carry safe messages; anything else prints its kind only, since driver
  // messages may quote connection strings.
  const e = error as { name?: string; code?: string };
  const text = isAppError(error)
    ? `${error.code}: ${error.message}`
    : `${e.name ?? 'Error'}${e.code ? ` (${e.code})` : ''}`;
  process.stderr.write(`flowfull failed to start: ${text}\n`);
  process.exit(1);
});
