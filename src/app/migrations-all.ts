import { authMigrations } from '../auth/index.js';
import { type MigrationSet, mergeMigrations } from '../db/index.js';
import { tokenMigrations } from '../tokens/index.js';
import { appMigrations } from './migrations.js';

/** Every table the starter needs: the framework modules' migrations, then the application's own. */
export function allMigrations(): MigrationSet {
  return mergeMigrations(authMigrations, tokenMigrations, appMigrations);
}
