#!/usr/bin/env node
// The `flowfull` command: the starter application's CLI (src/app/cli.ts), which hands its migrations
// to the framework CLI (src/cli). In a checkout it always runs the TypeScript sources through tsx,
// exactly what `npm start` runs, so a stale dist/ from an earlier `npm run build` can never answer
// for the code (a new migration is seen at once). An installed package ships the framework alone
// (no starter): there the bin is the framework CLI, which knows no migrations of its own (`config
// check`, `keys generate`); an application runs `migrate` from its own script that passes them in.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'app', 'cli.ts');
if (existsSync(source)) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(pathToFileURL(source).href, import.meta.url);
} else {
  const { runCli } = await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
  process.exitCode = await runCli(process.argv.slice(2));
}
