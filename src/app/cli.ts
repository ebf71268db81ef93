// The starter's `flowfull` command (bin/flowfull.js, `npm run flowfull`): the framework CLI with this
// application's migrations. An entry point: it runs when loaded.
import { runCli } from '../cli/main.js';
import { allMigrations } from './migrations-all.js';
import { appResources } from './resources.js';

process.exitCode = await runCli(process.argv.slice(2), {
  migrations: allMigrations(),
  resources: appResources,
});
