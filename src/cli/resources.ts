import type { Kysely } from 'kysely';
import { ConfigError, loadConfig } from '../config/index.js';
import { createDatabase, databaseOptionsFromConfig } from '../db/index.js';
import { FlowfullConfigError } from '../errors.js';
import { generateResourceMigration, type Resource } from '../resources/index.js';
import type { CliIo } from './io.js';

/**
 * `flowfull resources list` and `flowfull resources migration <name>`: prints a static migration
 * file for a resource, comparing its definition with the table in DATABASE_URL (a create migration
 * when the table does not exist, else one that adds the new columns, marked with `.addedIn()`).
 */
export interface ResourcesCommandOptions {
  resources?: readonly Resource[];
  // biome-ignore lint/suspicious/noExplicitAny: any table layout
  db?: Kysely<any>;
}

// biome-ignore lint/suspicious/noExplicitAny: any table layout
async function tableColumns(db: Kysely<any>, table: string): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return tables.find((t) => t.name === table)?.columns.map((c) => c.name) ?? [];
}

export async function resourcesCommand(
  args: string[],
  io: CliIo,
  options: ResourcesCommandOptions = {},
): Promise<number> {
  // The application hands its resources in (src/app/cli.ts): the framework CLI knows none of its own.
  const resources = options.resources ?? [];
  const [sub, name] = args;
  if (sub === 'list') {
    for (const r of resources) io.out(`${r.name}  table ${r.table}  created in ${r.createdIn}`);
    return 0;
  }
  const resource = resources.find((r) => r.name === name);
  if (sub !== 'migration' || !resource) {
    io.err(
      `Usage: flowfull resources list | flowfull resources migration <${resources.map((r) => r.name).join('|')}>`,
    );
    return 2;
  }
  let db = options.db;
  let close = async () => {};
  if (!db) {
    try {
      const database = createDatabase(databaseOptionsFromConfig(loadConfig(io.env ? { env: io.env } : {})));
      db = database.db;
      close = () => database.close();
    } catch (error) {
      if (error instanceof ConfigError) {
        io.err(error.report());
        return 1;
      }
      throw error;
    }
  }
  try {
    const generated = generateResourceMigration(resource, {
      existingColumns: await tableColumns(db, resource.table),
    });
    io.out(`// ${generated.name}.ts`);
    io.out(generated.source);
    return 0;
  } catch (error) {
    if (error instanceof FlowfullConfigError) {
      io.err(error.message);
      return 1;
    }
    io.err(`resources failed: ${(error as Error).name}`);
    return 1;
  } finally {
    await close();
  }
}
