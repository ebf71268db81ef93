import { randomBytes } from 'node:crypto';
import { generateKeysText, generateTokenKeyMaterial } from '../tokens/index.js';
import type { CliIo } from './io.js';

/** 32 random bytes: 256 bits, well above what a shared secret needs, printable as 43 characters. */
export function generateBridgeSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * `flowfull keys generate [--local]`: fresh keys on stdout, for the operator to put in the
 * environment. This is the one place secrets are printed, on explicit request, never logged.
 * `--local` prints only a k4.local key (to rotate PASETO_LOCAL_KEY alone).
 */
export async function keysGenerate(io: CliIo, options: { local?: boolean } = {}): Promise<number> {
  if (options.local) {
    const k = await generateTokenKeyMaterial();
    io.out(`# Local (encrypted) token key id: ${k.localKeyId}`);
    io.out('# A secret: store it like a password, never commit it.');
    io.out(`PASETO_LOCAL_KEY=${k.localKey}`);
    return 0;
  }
  io.out((await generateKeysText()).trimEnd());
  io.out('# The secret shared with Flowless (set the same value there): 256 random bits.');
  io.out(`BRIDGE_VALIDATION_SECRET=${generateBridgeSecret()}`);
  return 0;
}
