import { sql } from 'kysely';
import { checkEnvironment } from '../cli/environment.js';
import { describeFailure, type FailureContext, StartupFailure, step } from '../cli/failure.js';
import { type Config, ConfigError } from '../config/index.js';
import { installGracefulShutdown, listen } from '../http/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { startDevelopmentStandin } from '../standin/index.js';
import { buildApp, createServices, migrate, pendingMigrations } from './services.js';

/** Development without FLOWLESS_API_URL: the local stand-in plays Flowless (the config refuses this in production). */
async function withStandin(config: Config, logger: Logger) {
  if (!config.FLOWLESS_USE_STANDIN) return { config, standin: undefined };
  // Configured as a real Flowless deployment would be: it tells Flowfull's revocation hook about every
  // session it ends (docs/gateway.md), and lets the configured browser origins call it.
  const { standin, bridgeSecret } = await startDevelopmentStandin(config, logger, {
    revocationHookUrl: `http://127.0.0.1:${config.PORT}/flowfull/hooks/session-revoked`,
    corsOrigins: config.CORS_ORIGINS,
  });
  return {
    config: { ...config, FLOWLESS_API_URL: standin.url, BRIDGE_VALIDATION_SECRET: bridgeSecret },
    standin,
  };
}

async function main(): Promise<void> {
  // The same validation `flowfull config check` runs: one function, one report, one exit code.
  const checked = await checkEnvironment();
  if (!checked.config) throw new ConfigError(checked.issues);
  const loaded = checked.config;
  const logger = createLogger({ level: loaded.LOG_LEVEL, name: 'flowfull' });
  const context: FailureContext = {
    databaseUrl: loaded.DATABASE_URL,
    port: loaded.PORT,
    host: loaded.HOST,
    standinPort: loaded.FLOWLESS_STANDIN_PORT,
  };
  const { config, standin } = await step('standin', context, () => withStandin(loaded, logger));
  const services = await step('tokens', context, () => createServices(config, logger));
  try {
    if (config.DATABASE_AUTO_MIGRATE) {
      // A plain query first, so an unreachable or missing database is reported as such.
      await step('database', context, () => sql`select 1`.execute(services.database.db));
      const applied = await step('migrations', context, () => migrate(services));
      if (applied.length) logger.info({ applied }, 'migrations applied');
    } else {
      await warnPending(services, logger, context);
    }
    const server = await step('listen', context, () =>
      listen(buildApp(services), { port: config.PORT, host: config.HOST }),
    );
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
  } catch (error) {
    await services.close().catch(() => undefined);
    await standin?.close().catch(() => undefined);
    throw error;
  }
}

/**
 * DATABASE_AUTO_MIGRATE off (production's default): start anyway, since another process may be
 * migrating, but say which migrations are missing; /health/ready stays 503 until they are applied.
 */
async function warnPending(
  services: Awaited<ReturnType<typeof createServices>>,
  logger: Logger,
  context: FailureContext,
) {
  try {
    const pending = await pendingMigrations(services);
    if (pending.length)
      logger.warn(
        { pending },
        `${pending.length} migration(s) pending: not ready until applied; run \`npx flowfull migrate up\` (or set DATABASE_AUTO_MIGRATE=true)`,
      );
  } catch (error) {
    const [line] = describeFailure(new StartupFailure('database', error, context));
    logger.warn({ reason: line }, 'could not read the migration status; /health/ready reports the database');
  }
}

main().catch((error: unknown) => {
  // One or two lines naming the cause and the variable to change, as the CLI prints them.
  const lines = describeFailure(error);
  const [first, ...rest] = lines;
  process.stderr.write(
    error instanceof ConfigError
      ? `${lines.join('\n')}\n`
      : `flowfull failed to start: ${first}\n${rest.map((l) => `  ${l}\n`).join('')}`,
  );
  process.exit(1);
});
