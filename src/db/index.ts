export type { Migration } from 'kysely';
export {
  createDatabase,
  type Database,
  type DatabaseOptions,
  databaseOptionsFromConfig,
} from './connect.js';
export { databaseTypeOf, type SqlFamily, sqlFamilyOf } from './dialect.js';
export {
  createMigrator,
  type DatabaseMigrator,
  MIGRATION_NAME_PATTERN,
  type MigrateCommand,
  type MigrationRunResult,
  type MigrationSet,
  type MigrationStatus,
  type MigrationStatusEntry,
  type MigratorOptions,
  mergeMigrations,
  migrateDown,
  migrateUp,
  migrationStatus,
  runMigrateCommand,
} from './migrations.js';
export { type PingErrorCode, type PingOptions, type PingResult, ping } from './ping.js';
export {
  type AutoColumns,
  type Column as RepositoryColumn,
  type ColumnSpec,
  createRepository,
  decode as decodeColumnValue,
  encode as encodeColumnValue,
  type ListOptions,
  type NewRow,
  type OrderDir,
  type Page,
  type Repository,
  type RepositoryOptions,
} from './repository.js';
export {
  type ColumnKind,
  columnType,
  type DataTypeExpression,
  type PortableSchema,
  portable,
} from './schema.js';
export { type DatabaseTarget, detectDatabaseType, resolveDatabaseUrl, sqliteFileFromUrl } from './url.js';
