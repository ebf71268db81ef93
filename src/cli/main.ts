import type { MigrationSet } from '../db/index.js';
import type { Resource } from '../resources/index.js';
import { configCheck } from './config-check.js';
import { type CliIo, processIo } from './io.js';

const USAGE = `Usage: flowfull <command>

Commands:
  config check            run start-up's validation; print every variable, its value (secrets masked) and source
  migrate up|down|status  apply all pending migrations, revert the last one, or list them
  keys generate [--local] print fresh PASETO v4 keys and a bridge secret (--local: only a k4.local key)
  resources list          list the application's resources
  resources migration <name>
                          print a migration file for a resource (create, or its added columns)
  help                    this text`;

const MIGRATE_USAGE = `Usage: flowfull migrate <up|down|status>

  up      apply every pending migration
  down    revert the most recently applied migration
  status  list applied, pending and unknown (applied here, not in this code) migrations`;

export interface RunCliOptions {
  /** The application's migrations: the framework CLI knows none of its own. */
  migrations?: MigrationSet;
  /** The application's resources (`flowfull resources`). */
  resources?: readonly Resource[];
  io?: CliIo;
}

/** Splits flags from words; a flag not in `allowed` is an error, not silently ignored. */
function parse(args: string[], allowed: string[]): { words: string[]; flags: Set<string>; unknown?: string } {
  const words: string[] = [];
  const flags = new Set<string>();
  for (const arg of args) {
    if (!arg.startsWith('-')) words.push(arg);
    else if (allowed.includes(arg)) flags.add(arg);
    else return { words, flags, unknown: arg };
  }
  return { words, flags };
}

function usageError(io: CliIo, message: string, usage = USAGE): number {
  io.err(`${message}\n\n${usage}`);
  return 2;
}

/** Runs one CLI command and returns its exit code: 0 done, 1 failed (as start-up fails), 2 usage. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.out(USAGE);
    return 1;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return 0;
  }
  switch (command) {
    case 'config': {
      const { words, unknown } = parse(rest, []);
      if (unknown) return usageError(io, `Unknown option for config: ${unknown}`);
      if (words.length === 1 && words[0] === 'check') return configCheck(io);
      return usageError(io, `Unknown command: config ${words.join(' ')}`.trimEnd());
    }
    case 'migrate': {
      const { words, flags, unknown } = parse(rest, ['--help', '-h']);
      if (unknown) return usageError(io, `Unknown option for migrate: ${unknown}`, MIGRATE_USAGE);
      if (words.length === 0 || flags.size > 0) {
        (flags.size > 0 ? io.out : io.err)(MIGRATE_USAGE);
        return flags.size > 0 ? 0 : 2;
      }
      const [sub] = words;
      if (words.length !== 1 || (sub !== 'up' && sub !== 'down' && sub !== 'status'))
        return usageError(io, `Unknown migrate command: ${words.join(' ')}`, MIGRATE_USAGE);
      const { migrateCommand } = await import('./migrate.js');
      return migrateCommand(sub, options.migrations ?? {}, io);
    }
    case 'keys': {
      const { words, flags, unknown } = parse(rest, ['--local']);
      if (unknown) return usageError(io, `Unknown option for keys generate: ${unknown}`);
      if (words.length !== 1 || words[0] !== 'generate')
        return usageError(io, `Unknown command: keys ${words.join(' ')}`.trimEnd());
      const { keysGenerate } = await import('./keys.js');
      return keysGenerate(io, { local: flags.has('--local') });
    }
    case 'resources': {
      const { words, unknown } = parse(rest, []);
      if (unknown) return usageError(io, `Unknown option for resources: ${unknown}`);
      const { resourcesCommand } = await import('./resources.js');
      return resourcesCommand(words, io, { resources: options.resources ?? [] });
    }
  }
  return usageError(io, `Unknown command: ${argv.join(' ')}`);
}
