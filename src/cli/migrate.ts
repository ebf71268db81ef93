import { ConfigError } from '../config/index.js';
import {
  createDatabase,
  databaseOptionsFromConfig,
  type MigrateCommand,
  type MigrationSet,
  runMigrateCommand,
} from '../db/index.js';
import { isAppError } from '../errors.js';
import { checkEnvironment } from './environment.js';
import { describeFailure, StartupFailure } from './failure.js';
import { type CliIo, envOptions } from './io.js';

/** `flowfull migrate up|down|status` against DATABASE_URL, with the application's migration set. */
export async function migrateCommand(
  command: MigrateCommand,
  migrations: MigrationSet,
  io: CliIo,
): Promise<number> {
  const { config, issues } = await checkEnvironment(envOptions(io));
  if (!config) {
    io.err(new ConfigError(issues).report());
    return 1;
  }
  const database = createDatabase(databaseOptionsFromConfig(config));
  try {
    io.out(`database: ${database.type} ${database.label}`);
    for (const line of await runMigrateCommand(database.db, migrations, command)) io.out(line);
    return 0;
  } catch (error) {
    const lines = isAppError(error) ? (error.details as { lines?: string[] } | undefined)?.lines : undefined;
    if (lines) for (const line of lines) io.err(line);
    else
      for (const line of describeFailure(
        new StartupFailure('database', error, { databaseUrl: config.DATABASE_URL }),
      ))
        io.err(line);
    return 1;
  } finally {
    await database.close();
  }
}
