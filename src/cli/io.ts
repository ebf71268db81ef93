/** Where a command writes, and the environment it reads (tests pass their own). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** A .env file read under the environment; default ./.env when `env` is not given, none when it is. */
  dotenvPath?: string | false;
}

/**
 * The process's stdout and stderr. A closed pipe (`flowfull migrate status | head -1`) ends the
 * command quietly: the reader has what it wanted, and an EPIPE stack trace would only be noise.
 */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

/** loadConfig()/checkEnvironment() options for this io. */
export function envOptions(io: CliIo): {
  env?: Record<string, string | undefined>;
  dotenvPath?: string | false;
} {
  if (io.env) return { env: io.env, dotenvPath: io.dotenvPath ?? false };
  return io.dotenvPath === undefined ? {} : { dotenvPath: io.dotenvPath };
}
