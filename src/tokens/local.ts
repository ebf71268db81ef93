import { randomBytes, timingSafeEqual } from 'node:crypto';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { type Key, LocalDecrypt, LocalEncrypt, PAE } from 'paseto';
import { decodePaserk, encodePaserk } from './paserk.js';

/**
 * v4.local (XChaCha20 + BLAKE2b-MAC, PASETO spec "v4.local") on @noble primitives, plugged into the
 * `paseto` library through its extension API: the library does the framing, footer, implicit
 * assertion plumbing and claims; this file does only the cipher and the MAC.
 */

/** A v4.local key. Its bytes live outside the object, so logging or serialising it shows nothing. */
export interface LocalKey extends Key {
  readonly algorithm: { readonly name: 'PASETO v4.local' };
  readonly type: 'secret';
  readonly extractable: false;
}

const material = new WeakMap<LocalKey, Uint8Array>();
const HEADER = new TextEncoder().encode('v4.local.');
const ENCRYPTION_KEY_INFO = new TextEncoder().encode('paseto-encryption-key');
const AUTH_KEY_INFO = new TextEncoder().encode('paseto-auth-key-for-aead');
const NONCE_BYTES = 32;
const TAG_BYTES = 32;

export class LocalTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalTokenError';
  }
}

function keyFromBytes(bytes: Uint8Array): LocalKey {
  const key: LocalKey = Object.freeze({
    algorithm: Object.freeze({ name: 'PASETO v4.local' as const }),
    type: 'secret' as const,
    extractable: false as const,
  });
  material.set(key, new Uint8Array(bytes));
  return key;
}

function bytesOf(key: LocalKey): Uint8Array {
  const bytes = material.get(key);
  if (!bytes) throw new LocalTokenError('not a v4.local key of this module');
  return bytes;
}

export function importLocalKey(paserk: string): LocalKey {
  return keyFromBytes(decodePaserk('local', paserk));
}

/** A fresh key and its k4.local PASERK (the only place the key bytes are ever serialised). */
export function generateLocalKey(): { key: LocalKey; paserk: string } {
  const bytes = new Uint8Array(randomBytes(32));
  return { key: keyFromBytes(bytes), paserk: encodePaserk('local', bytes) };
}

function splitKeys(key: Uint8Array, nonce: Uint8Array) {
  const tmp = blake2b(concat(ENCRYPTION_KEY_INFO, nonce), { key, dkLen: 56 });
  return {
    encryptionKey: tmp.subarray(0, 32),
    counterNonce: tmp.subarray(32),
    authKey: blake2b(concat(AUTH_KEY_INFO, nonce), { key, dkLen: 32 }),
  };
}

/** Payload `n || c || t` of a v4.local token. `nonce` is only ever passed by the test vectors. */
export function encryptV4Local(
  key: Uint8Array,
  message: Uint8Array,
  footer: Uint8Array,
  implicitAssertion: Uint8Array,
  nonce: Uint8Array = new Uint8Array(randomBytes(NONCE_BYTES)),
): Uint8Array {
  const { encryptionKey, counterNonce, authKey } = splitKeys(key, nonce);
  const ciphertext = xchacha20(encryptionKey, counterNonce, message);
  const tag = blake2b(PAE([HEADER, nonce, ciphertext, footer, implicitAssertion]), {
    key: authKey,
    dkLen: TAG_BYTES,
  });
  return concat(nonce, ciphertext, tag);
}

/** The plaintext, after the tag verified in constant time; throws otherwise. */
export function decryptV4Local(
  key: Uint8Array,
  payload: Uint8Array,
  footer: Uint8Array,
  implicitAssertion: Uint8Array,
): Uint8Array {
  if (payload.byteLength < NONCE_BYTES + TAG_BYTES) throw new LocalTokenError('truncated v4.local payload');
  const nonce = payload.subarray(0, NONCE_BYTES);
  const ciphertext = payload.subarray(NONCE_BYTES, payload.byteLength - TAG_BYTES);
  const tag = payload.subarray(payload.byteLength - TAG_BYTES);
  const { encryptionKey, counterNonce, authKey } = splitKeys(key, nonce);
  const expected = blake2b(PAE([HEADER, nonce, ciphertext, footer, implicitAssertion]), {
    key: authKey,
    dkLen: TAG_BYTES,
  });
  if (!timingSafeEqual(expected, tag)) throw new LocalTokenError('v4.local authentication failed');
  return xchacha20(encryptionKey, counterNonce, ciphertext);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * A hook run on the decrypted claims before the library parses them (the service rejects
 * duplicate JSON keys there; the library's JSON.parse would silently keep the last one).
 */
export type PlaintextCheck = (plaintext: Uint8Array) => void;

export const LocalEncryptFactory = LocalEncrypt<4, LocalKey>({
  version: 4,
  run: async (key, message, footer, implicitAssertion) =>
    encryptV4Local(bytesOf(key), message, footer, implicitAssertion),
});

export function localDecryptFactory(check?: PlaintextCheck) {
  return LocalDecrypt<4, LocalKey>({
    version: 4,
    run: async (key, payload, footer, implicitAssertion) => {
      const plaintext = decryptV4Local(bytesOf(key), payload, footer, implicitAssertion);
      check?.(plaintext);
      return plaintext;
    },
  });
}
