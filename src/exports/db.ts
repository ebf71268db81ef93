/**
 * `flowfull/db`: createDatabase() for PostgreSQL, MySQL/MariaDB, libsql/Turso and SQLite, migrations
 * and the repository base. Drivers load when a database of their kind is created, never on import.
 */
export * from '../db/index.js';
