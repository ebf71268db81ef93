import { PublicProtocol } from 'paseto';
import {
  ExportPublicKeyFactory,
  ExportSecretKeyFactory,
  GenerateKeyPairFactory,
  GetPublicKeyFactory,
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
  type PublicKey,
  type SecretKey,
} from 'paseto/v4/public';
import type { Config } from '../config/index.js';
import { FlowfullConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { generateLocalKey, importLocalKey, type LocalKey } from './local.js';
import { describePaserk, paserkId } from './paserk.js';

/**
 * Keys of the trust-token service. Public halves are indexed by k4.pid and local keys by k4.lid:
 * the id in a token's footer picks the key, so several keys can verify during a rotation while
 * exactly one signs.
 */
export interface TokenKeys {
  /** Signs v4.public tokens; `id` is its k4.pid. */
  readonly signing: { readonly id: string; readonly key: SecretKey };
  /** Every key that may verify v4.public tokens, by k4.pid (always includes the signing key's). */
  readonly verifying: ReadonlyMap<string, PublicKey>;
  /** Encrypts v4.local tokens; undefined when no local key is configured. */
  readonly local: { readonly id: string; readonly key: LocalKey } | undefined;
  /** Every key that may decrypt v4.local tokens, by k4.lid. */
  readonly localKeys: ReadonlyMap<string, LocalKey>;
  /** True for a development key generated at start: tokens die with the process. */
  readonly ephemeral: boolean;
}

/** PASERK strings, as they sit in the environment. */
export interface TokenKeyInput {
  /** k4.secret (PASETO_SECRET_KEY). */
  secretKey: string;
  /** k4.public keys that may also verify (PASETO_PUBLIC_KEYS). */
  publicKeys?: readonly string[];
  /** k4.local that encrypts v4.local tokens (PASETO_LOCAL_KEY). */
  localKey?: string;
  /** Older k4.local keys that still decrypt. */
  localKeys?: readonly string[];
}

/** A key setting that cannot be used. The message names the variable and the problem, never the value. */
export class TokenKeyError extends FlowfullConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenKeyError';
  }
}

let ops: ReturnType<typeof createOps> | undefined;
function createOps() {
  return new PublicProtocol(
    GenerateKeyPairFactory,
    ImportSecretKeyFactory,
    ImportPublicKeyFactory,
    ExportPublicKeyFactory,
    ExportSecretKeyFactory,
    GetPublicKeyFactory,
  );
}
/** Built on first use: nothing happens at import time. */
function keyOps() {
  ops ??= createOps();
  return ops;
}

async function importSecret(paserk: string): Promise<SecretKey> {
  if (!paserk.startsWith('k4.secret.')) {
    throw new TokenKeyError(`PASETO_SECRET_KEY must be a k4.secret PASERK, got ${describePaserk(paserk)}`);
  }
  try {
    return await keyOps().ImportSecretKey(paserk as `k4.secret.${string}`);
  } catch (cause) {
    // The library's message may quote key material: keep it off the error text.
    throw new TokenKeyError('PASETO_SECRET_KEY is not a valid k4.secret key', { cause: nameOnly(cause) });
  }
}

async function importPublic(paserk: string, index: number): Promise<{ id: string; key: PublicKey }> {
  const label = `PASETO_PUBLIC_KEYS[${index}]`;
  if (!paserk.startsWith('k4.public.')) {
    const hint = paserk.startsWith('k4.secret.') ? ' (a secret key must never be listed there)' : '';
    throw new TokenKeyError(`${label} must be a k4.public PASERK, got ${describePaserk(paserk)}${hint}`);
  }
  try {
    const key = await keyOps().ImportPublicKey(paserk as `k4.public.${string}`);
    return { id: paserkId('pid', paserk), key };
  } catch (cause) {
    throw new TokenKeyError(`${label} is not a valid k4.public key`, { cause: nameOnly(cause) });
  }
}

function importLocal(paserk: string, label: string): { id: string; key: LocalKey } {
  try {
    return { id: paserkId('lid', paserk), key: importLocalKey(paserk) };
  } catch {
    throw new TokenKeyError(`${label} must be a k4.local PASERK, got ${describePaserk(paserk)}`);
  }
}

function nameOnly(cause: unknown): string {
  return cause instanceof Error ? cause.name : 'error';
}

async function signingFromSecret(secret: SecretKey) {
  const publicKey = await keyOps().GetPublicKey(secret);
  const id = paserkId('pid', await keyOps().ExportPublicKey(publicKey));
  return { signing: { id, key: secret }, publicKey };
}

/** Imports PASERK strings; throws TokenKeyError on the first unusable one. */
export async function createTokenKeys(input: TokenKeyInput): Promise<TokenKeys> {
  const { signing, publicKey } = await signingFromSecret(await importSecret(input.secretKey));
  return assemble(signing, publicKey, input, false);
}

async function assemble(
  signing: TokenKeys['signing'],
  signingPublic: PublicKey,
  input: Omit<TokenKeyInput, 'secretKey'>,
  ephemeral: boolean,
  generatedLocal?: { id: string; key: LocalKey },
): Promise<TokenKeys> {
  const verifying = new Map<string, PublicKey>([[signing.id, signingPublic]]);
  const extra = await Promise.all((input.publicKeys ?? []).map((p, i) => importPublic(p, i)));
  for (const { id, key } of extra) if (!verifying.has(id)) verifying.set(id, key);

  const local = input.localKey ? importLocal(input.localKey, 'PASETO_LOCAL_KEY') : generatedLocal;
  const localKeys = new Map<string, LocalKey>();
  if (local) localKeys.set(local.id, local.key);
  (input.localKeys ?? []).forEach((p, i) => {
    const older = importLocal(p, `local key ${i}`);
    if (!localKeys.has(older.id)) localKeys.set(older.id, older.key);
  });
  return { signing, verifying, local, localKeys, ephemeral };
}

/** A throw-away key set for development and tests; nothing about it is ever printed. */
export async function createEphemeralTokenKeys(
  input: Omit<TokenKeyInput, 'secretKey'> = {},
): Promise<TokenKeys> {
  const pair = await keyOps().GenerateKeyPair();
  const id = paserkId('pid', await keyOps().ExportPublicKey(pair.publicKey));
  const generated = generateLocalKey();
  const local = { id: paserkId('lid', generated.paserk), key: generated.key };
  return assemble({ id, key: pair.secretKey }, pair.publicKey, input, true, local);
}

export type TokenKeyConfig = Pick<
  Config,
  'NODE_ENV' | 'PASETO_SECRET_KEY' | 'PASETO_PUBLIC_KEYS' | 'PASETO_LOCAL_KEY'
>;

/**
 * Keys from the environment. Without PASETO_SECRET_KEY: an ephemeral key and a warning outside
 * production (tokens do not survive a restart and are not shared between instances), an error
 * in production. The warning carries the public key id only.
 */
export async function loadTokenKeys(config: TokenKeyConfig, logger: Logger): Promise<TokenKeys> {
  if (config.PASETO_SECRET_KEY) {
    return createTokenKeys({
      secretKey: config.PASETO_SECRET_KEY,
      publicKeys: config.PASETO_PUBLIC_KEYS,
      localKey: config.PASETO_LOCAL_KEY,
    });
  }
  if (config.NODE_ENV === 'production') {
    throw new TokenKeyError(
      'PASETO_SECRET_KEY is required in production; generate one with `flowfull keys generate`',
    );
  }
  const keys = await createEphemeralTokenKeys({
    publicKeys: config.PASETO_PUBLIC_KEYS,
    localKey: config.PASETO_LOCAL_KEY,
  });
  logger.warn(
    { keyId: keys.signing.id },
    'PASETO_SECRET_KEY is not set: trust tokens are signed with an ephemeral development key; ' +
      'they stop verifying on restart and on other instances. Run `flowfull keys generate` and set it.',
  );
  return keys;
}

export interface GeneratedKeys {
  secretKey: string;
  publicKey: string;
  publicKeyId: string;
  localKey: string;
  localKeyId: string;
}

/** A fresh signing pair and local key as PASERK strings, for `flowfull keys generate`. */
export async function generateTokenKeyMaterial(): Promise<GeneratedKeys> {
  const pair = await keyOps().GenerateKeyPair({ extractable: true });
  const secretKey = await keyOps().ExportSecretKey(pair.secretKey);
  const publicKey = await keyOps().ExportPublicKey(pair.publicKey);
  const local = generateLocalKey();
  return {
    secretKey,
    publicKey,
    publicKeyId: paserkId('pid', publicKey),
    localKey: local.paserk,
    localKeyId: paserkId('lid', local.paserk),
  };
}

/** The text `flowfull keys generate` prints: lines ready for a .env file or a secret manager. */
export async function generateKeysText(now: Date = new Date()): Promise<string> {
  const k = await generateTokenKeyMaterial();
  return [
    `# Flowfull trust-token keys, generated ${now.toISOString()}.`,
    '# PASETO_SECRET_KEY and PASETO_LOCAL_KEY are secrets: store them like passwords, never commit them.',
    `# Signing key id (public, appears in token footers): ${k.publicKeyId}`,
    `PASETO_SECRET_KEY=${k.secretKey}`,
    '# Keys that may verify. During a rotation, keep the previous public key here as well.',
    `PASETO_PUBLIC_KEYS=${k.publicKey}`,
    `# Local (encrypted) token key id: ${k.localKeyId}`,
    `PASETO_LOCAL_KEY=${k.localKey}`,
    '',
  ].join('\n');
}
