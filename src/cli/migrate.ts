import { allMigrations } from '../app/migrations-all.js';
import { ConfigError, loadConfig } from '../config/index.js';
import {
  createDatabase,
  databaseOptionsFromConfig,
  type MigrateCommand,
  runMigrateCommand,
} from '../db/index.js';
import { isAppError } from '../errors.js';
import type { CliIo } from './config-check.js';

/** `flowfull migrate up|down|status` against DATABASE_URL, with the application's full migration set. */
export async function migrateCommand(command: MigrateCommand, io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env ? { env: io.env } : {});
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.report());
      return 1;
    }
    throw error;
  }
  const database = createDatabase(databaseOptionsFromConfig(config));
  try {
    io.out(`database: ${database.type} ${database.label}`);
    for (const line of await runMigrateCommand(database.db, allMigrations(), command)) io.out(line);
    return 0;
  } catch (error) {
    if (isAppError(error)) {
      const lines = (error.details as { lines?: string[] } | undefined)?.lines ?? [error.message];
      for (const line of lines) io.err(line);
      return 1;
    }
    // Driver errors may quote the connection string: print only their kind.
    io.err(`migrate failed: ${(error as Error).name} ${(error as { code?: string }).code ?? ''}`.trim());
    return 1;
  } finally {
    await database.close();
  }
}
