import type { Kysely } from 'kysely';
import { createRepository, type Repository } from '../db/index.js';
import { type ColumnsOf, createResourceRepository, type ResourceRepository } from '../resources/index.js';
import { items } from './resources.js';

export type { Item } from './resources.js';

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
  items: ResourceRepository<ColumnsOf<typeof items>>;
  organizations: Repository<Organization>;
  members: Repository<OrganizationMember>;
}

// biome-ignore lint/suspicious/noExplicitAny: tables are described by the repositories' column maps
export function createAppRepositories(db: Kysely<any>): AppRepositories {
  return {
    items: createResourceRepository(db, items),
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
