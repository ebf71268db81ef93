import { bool, int, optionalBool, optionalOneOf, optionalString } from '../fields.js';

export const DATABASE_TYPES = ['postgres', 'mysql', 'libsql', 'sqlite'] as const;
export type DatabaseType = (typeof DATABASE_TYPES)[number];

/** The embedded default for development and tests: an SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = 'file:./data/flowfull.db';

export const databaseShape = {
  /** Unset in development/test: DEFAULT_DATABASE_URL. Required in production. */
  DATABASE_URL: optionalString(),
  /** Forces the dialect when the URL scheme is ambiguous (a libsql server behind http://…). */
  DATABASE_TYPE: optionalOneOf(DATABASE_TYPES),
  DATABASE_POOL_MIN: int(0, { min: 0, max: 1000 }),
  DATABASE_POOL_MAX: int(10, { min: 1, max: 1000 }),
  /** TLS to the database, certificates verified. */
  DATABASE_SSL: bool(false),
  /** Skip certificate verification (self-signed servers). Separate and explicit on purpose. */
  DATABASE_SSL_INSECURE: bool(false),
  LIBSQL_AUTH_TOKEN: optionalString(),
  /** Run pending migrations on start. Unset: on in development and test, off in production. */
  DATABASE_AUTO_MIGRATE: optionalBool(),
};
