import { mergeMigrations } from '../db/index.js';
import { column, defineResource, type Resource, resourceMigrations } from '../resources/index.js';

/**
 * The starter's resources. Each definition gives its table, typed rows, validated input, the
 * Bridge API routes (`/bridge/items`) and its part of `/openapi.json` (see README, "Add your own resource").
 */
export const items = defineResource({
  name: 'items',
  // The table predates defineResource: its create migration keeps its original name.
  createdIn: '2026_11_27_0300_create_items',
  description: 'A note that belongs to its author; public ones are readable by everyone.',
  columns: {
    owner_id: column.string(64).nullable().filterable(),
    title: column.string(200).min(1).filterable().sortable().searchable(),
    body: column.text().max(10_000).nullable().searchable(),
    is_public: column.boolean().default(false).filterable().sortable(),
  },
  owner: 'owner_id',
  publicWhen: 'is_public',
  indexes: { items_owner_idx: ['owner_id', 'created_at'], items_public_idx: ['is_public', 'created_at'] },
});

export type Item = typeof items.$row;

/** Served under `/bridge`, migrated, and described in `/openapi.json`: add yours here. */
export const appResources: readonly Resource[] = [items];

/** Every resource's migrations. The search shadows of items came after its table (see src/resources/migrations.ts). */
export const resourceMigrationSet = mergeMigrations(
  resourceMigrations(items, { shadowsAddedIn: '2026_12_02_0001_items_search_columns' }),
  ...appResources.filter((r) => r !== items).map((r) => resourceMigrations(r)),
);
