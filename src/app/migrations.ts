import { type MigrationSet, mergeMigrations, portable } from '../db/index.js';
import { resourceMigrationSet } from './resources.js';

/**
 * The starter application's own tables: its resources' (derived from their definitions, see
 * resources.ts) and the ones it writes by hand. Portable: the same file runs on PostgreSQL, MySQL/MariaDB,
 * SQLite and libsql (see docs/database.md for the column types).
 */
const handWritten: MigrationSet = {
  '2026_11_27_0301_create_organizations': {
    async up(db) {
      const t = portable(db);
      await t
        .createTable('organizations')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('name', t.string(200), (c) => c.notNull())
        .addColumn('owner_id', t.string(64), (c) => c.notNull())
        .addColumn('created_at', t.date, (c) => c.notNull())
        .addColumn('updated_at', t.date, (c) => c.notNull())
        .execute();
      await t
        .createTable('organization_members')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('organization_id', t.id, (c) => c.notNull())
        .addColumn('user_id', t.string(64), (c) => c.notNull())
        .addColumn('role', t.string(32), (c) => c.notNull())
        .addColumn('created_at', t.date, (c) => c.notNull())
        .addColumn('updated_at', t.date, (c) => c.notNull())
        // One membership per user and organisation, whatever races the accept route.
        .addUniqueConstraint('organization_members_org_user_uq', ['organization_id', 'user_id'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('organization_members').execute();
      await db.schema.dropTable('organizations').execute();
    },
  },
  '2026_12_02_0100_create_invitation_redemptions': {
    async up(db) {
      const t = portable(db);
      // The primary key on jti is what makes an invitation single-use (src/app/invitations.ts).
      await t
        .createTable('invitation_redemptions')
        .addColumn('jti', t.string(64), (c) => c.primaryKey())
        .addColumn('organization_id', t.id, (c) => c.notNull())
        .addColumn('user_id', t.string(64), (c) => c.notNull())
        .addColumn('redeemed_at', t.date, (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('invitation_redemptions').execute();
    },
  },
};

export const appMigrations: MigrationSet = mergeMigrations(resourceMigrationSet, handWritten);
