import { generateKeysText } from '../tokens/index.js';
import type { CliIo } from './config-check.js';

/**
 * `flowfull keys generate`: a fresh key pair as PASERK on stdout, for the operator to put in the
 * environment. This is the one place a private key is printed, on explicit request, never logged.
 */
export async function keysGenerate(io: CliIo): Promise<number> {
  io.out(await generateKeysText());
  return 0;
}
