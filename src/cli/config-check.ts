import { ConfigError, envSchema, loadConfig, maskConfig } from '../config/index.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env?: Record<string, string | undefined>;
}

/** `flowfull config check`: the resolved configuration with secrets masked, or the start-up report. */
export function configCheck(io: CliIo): number {
  try {
    const config = loadConfig(io.env ? { env: io.env } : {});
    const masked = maskConfig(config);
    // Unset optional variables are listed too, so the output is the full reference of what is read.
    const keys = [...new Set([...Object.keys(envSchema.shape), ...Object.keys(masked)])].sort();
    const width = Math.max(...keys.map((k) => k.length));
    for (const key of keys) {
      const value = masked[key];
      const shown = value === undefined ? '(unset)' : Array.isArray(value) ? value.join(',') : String(value);
      io.out(`${key.padEnd(width)}  ${shown}`);
    }
    io.out('Configuration OK');
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.report());
      return 1;
    }
    throw error;
  }
}
