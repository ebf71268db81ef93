import { type MigrationSet, portable } from '../db/index.js';

/**
 * The starter application's own tables. Portable: the same file runs on PostgreSQL, MySQL/MariaDB,
 * SQLite and libsql (see docs/database.md for the column types).
 */
export const appMigrations: MigrationSet = {
  '2026_11_27_0300_create_items': {
    async up(db) {
      const t = portable(db);
      await t
        .createTable('items')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('owner_id', t.string(64))
        .addColumn('title', t.string(200), (c) => c.notNull())
        .addColumn('body', t.text)
        .addColumn('is_public', t.boolean, (c) => c.notNull())
        .addColumn('created_at', t.date, (c) => c.notNull())
        .addColumn('updated_at', t.date, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('items_owner_idx')
        .on('items')
        .columns(['owner_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('items_public_idx')
        .on('items')
        .columns(['is_public', 'created_at'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('items').execute();
    },
  },
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
