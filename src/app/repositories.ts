import type { Kysely } from 'kysely';
import { createRepository, type Repository } from '../db/index.js';

export interface Item {
  id: string;
  owner_id: string | null;
  title: string;
  body: string | null;
  is_public: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface Organization {
  id: string;
  name: string;
  owner_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface OrganizationMember {
  id: string;
  organization_id: string;
  user_id: string;
  role: string;
  created_at: Date;
  updated_at: Date;
}

export interface AppRepositories {
  items: Repository<Item>;
  organizations: Repository<Organization>;
  members: Repository<OrganizationMember>;
}

// biome-ignore lint/suspicious/noExplicitAny: tables are described by the repositories' column maps
export function createAppRepositories(db: Kysely<any>): AppRepositories {
  return {
    items: createRepository<Item>(db, {
      table: 'items',
      columns: {
        id: 'id',
        owner_id: 'string?',
        title: 'string',
        body: 'text?',
        is_public: 'boolean',
        created_at: 'date',
        updated_at: 'date',
      },
    }),
    organizations: createRepository<Organization>(db, {
      table: 'organizations',
      columns: { id: 'id', name: 'string', owner_id: 'string', created_at: 'date', updated_at: 'date' },
    }),
    members: createRepository<OrganizationMember>(db, {
      table: 'organization_members',
      columns: {
        id: 'id',
        organization_id: 'id',
        user_id: 'string',
        role: 'string',
        created_at: 'date',
        updated_at: 'date',
      },
    }),
  };
}
