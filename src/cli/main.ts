import { type CliIo, configCheck } from './config-check.js';

const USAGE = `Usage: flowfull <command>

Commands:
  config check            print the resolved configuration (secrets masked); exit 1 with the report if invalid
  migrate up|down|status  apply all pending migrations, revert the last one, or list them
  keys generate           print a fresh PASETO v4 key pair as PASERK (k4.secret / k4.public)
  help                    this text`;

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one CLI command and returns its exit code (bin/flowfull.js sets process.exitCode). */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, sub] = argv;
  switch (command) {
    case 'config':
      if (sub === 'check') return configCheck(io);
      break;
    case 'migrate': {
      if (sub === 'up' || sub === 'down' || sub === 'status') {
        const { migrateCommand } = await import('./migrate.js');
        return migrateCommand(sub, io);
      }
      break;
    }
    case 'keys':
      if (sub === 'generate') {
        const { keysGenerate } = await import('./keys.js');
        return keysGenerate(io);
      }
      break;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 1 : 0;
  }
  io.err(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}
