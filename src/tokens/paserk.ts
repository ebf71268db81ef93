import { blake2b } from '@noble/hashes/blake2.js';
import { FlowfullConfigError } from '../errors.js';
import { decodeBase64url, encodeBase64url } from './encoding.js';

/**
 * PASERK k4 plaintext keys and key identifiers. The `paseto` library imports and exports
 * k4.public / k4.secret itself; k4.local and the k4 ids (BLAKE2b) are not built into it, and
 * these few lines are all they take.
 */

export type PaserkKeyType = 'local' | 'public' | 'secret';
export type PaserkIdType = 'lid' | 'pid' | 'sid';

const KEY_LENGTH: Record<PaserkKeyType, number> = { local: 32, public: 32, secret: 64 };
const ID_OF: Record<PaserkIdType, PaserkKeyType> = { lid: 'local', pid: 'public', sid: 'secret' };

/** Key material that is not a usable PASERK: a configuration mistake. */
export class PaserkError extends FlowfullConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'PaserkError';
  }
}

/** `k4.<type>.<base64url>`; throws when the key has the wrong length. */
export function encodePaserk(type: PaserkKeyType, key: Uint8Array): string {
  if (key.byteLength !== KEY_LENGTH[type]) {
    throw new PaserkError(`a k4.${type} key is ${KEY_LENGTH[type]} bytes`);
  }
  return `k4.${type}.${encodeBase64url(key)}`;
}

/**
 * The raw key of a plaintext k4 PASERK. The error names what was wrong, never the value
 * (it may be a secret pasted into the wrong variable).
 */
export function decodePaserk(type: PaserkKeyType, paserk: string): Uint8Array {
  const prefix = `k4.${type}.`;
  if (typeof paserk !== 'string' || !paserk.startsWith(prefix)) {
    throw new PaserkError(`expected a ${prefix}… PASERK, got ${describePaserk(paserk)}`);
  }
  const key = decodeBase64url(paserk.slice(prefix.length));
  if (!key || key.byteLength !== KEY_LENGTH[type]) {
    throw new PaserkError(`the ${prefix}… PASERK does not hold a ${KEY_LENGTH[type]}-byte key`);
  }
  return key;
}

/**
 * k4.lid / k4.pid / k4.sid of a plaintext PASERK: `h || base64url(BLAKE2b-264(h || paserk))`.
 * Safe to publish and to put in token footers: it identifies a key without revealing it.
 */
export function paserkId(type: PaserkIdType, paserk: string): string {
  decodePaserk(ID_OF[type], paserk);
  const header = `k4.${type}.`;
  const digest = blake2b(new TextEncoder().encode(header + paserk), { dkLen: 33 });
  return header + encodeBase64url(digest);
}

/** "a k4.secret PASERK", "a k3.local PASERK", "something that is not a PASERK": safe to print. */
export function describePaserk(value: unknown): string {
  if (typeof value !== 'string') return 'something that is not a PASERK';
  const match = /^(k[1-9])\.([a-z-]+(?:\.pie|\.pbkw)?)\./.exec(value);
  return match ? `a ${match[1]}.${match[2]} PASERK` : 'something that is not a PASERK';
}
