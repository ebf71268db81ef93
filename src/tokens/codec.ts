import { LocalProtocol, PAE, PasetoError, PublicProtocol } from 'paseto';
import { SignFactory, VerifyFactory } from 'paseto/v4/public';
import { FlowfullConfigError, isAppError } from '../errors.js';
import { decodeBase64url, decodeUtf8, type JsonObject, parseStrictJsonObject } from './encoding.js';
import { tokenError } from './errors.js';
import type { TokenKeys } from './keys.js';
import { LocalEncryptFactory, LocalTokenError, localDecryptFactory } from './local.js';

/**
 * From claims to a token string and back, for v4.public and v4.local. The library does the
 * cryptography and canonical framing; this layer adds what a service needs around it: a size
 * limit, a JSON footer carrying the key id, strict JSON (no duplicate keys), and one machine
 * code per failure.
 */

export type TokenPurpose = 'public' | 'local';

export interface OpenedToken {
  purpose: TokenPurpose;
  keyId: string;
  claims: JsonObject;
  /** The footer without `kid`. */
  footer: JsonObject;
}

/** Footers are routing data: small and flat. */
const MAX_FOOTER_BYTES = 2048;
const MAX_JSON_DEPTH = 8;
const SIGNATURE_BYTES = 64;
/**
 * The library validates exp/nbf/iat on its own, with its own messages. The service checks those
 * claims itself, with its own codes and clock, so the library's check is widened out of the way
 * (31,700 years).
 */
const LIBRARY_TIME_CHECK_OFF = 1e12;

const utf8 = new TextEncoder();

function strictJson(bytes: Uint8Array): JsonObject | undefined {
  const text = decodeUtf8(bytes);
  return text === undefined ? undefined : parseStrictJsonObject(text, { maxDepth: MAX_JSON_DEPTH });
}

function rejectDuplicateKeys(plaintext: Uint8Array): void {
  if (!strictJson(plaintext)) {
    throw tokenError('TOKEN_MALFORMED', 'Token claims are not a strict JSON object');
  }
}

interface Envelope {
  purpose: TokenPurpose;
  payload: string;
  keyId: string;
  footer: JsonObject;
}

function parseEnvelope(token: unknown, maxLength: number): Envelope {
  if (typeof token !== 'string' || token.length === 0)
    throw tokenError('TOKEN_MALFORMED', 'Token is missing');
  if (token.length > maxLength) throw tokenError('TOKEN_TOO_LARGE', 'Token is too large');
  const parts = token.split('.');
  if (parts.length !== 3 && parts.length !== 4) throw tokenError('TOKEN_MALFORMED', 'Token is malformed');
  const [version, purpose, payload, footerPart] = parts as [string, string, string, string | undefined];
  if (!/^v[0-9]+$/.test(version) || !/^[a-z]+$/.test(purpose) || payload === '') {
    throw tokenError('TOKEN_MALFORMED', 'Token is malformed');
  }
  if (version !== 'v4' || (purpose !== 'public' && purpose !== 'local')) {
    throw tokenError('TOKEN_UNSUPPORTED', 'Only v4.public and v4.local tokens are accepted');
  }
  const { keyId, footer } = parseFooter(footerPart);
  return { purpose, payload, keyId, footer };
}

function parseFooter(part: string | undefined): { keyId: string; footer: JsonObject } {
  if (part === undefined) throw tokenError('TOKEN_MALFORMED', 'Token footer with a key id is required');
  const bytes = decodeBase64url(part);
  if (!bytes || bytes.byteLength === 0 || bytes.byteLength > MAX_FOOTER_BYTES) {
    throw tokenError('TOKEN_MALFORMED', 'Token footer is malformed');
  }
  const footer = strictJson(bytes);
  if (!footer) throw tokenError('TOKEN_MALFORMED', 'Token footer is malformed');
  const { kid, ...rest } = footer;
  if (typeof kid !== 'string') throw tokenError('TOKEN_MALFORMED', 'Token footer has no key id');
  return { keyId: kid, footer: rest };
}

/**
 * The claims of a v4.public token, strictly decoded (canonical base64url, UTF-8, JSON without
 * duplicate keys) before the library checks the signature over the same bytes. Not yet
 * authenticated: used only to explain a failed signature.
 */
function publicClaims(payload: string): JsonObject {
  const bytes = decodeBase64url(payload);
  if (!bytes || bytes.byteLength <= SIGNATURE_BYTES)
    throw tokenError('TOKEN_MALFORMED', 'Token is malformed');
  const claims = strictJson(bytes.subarray(0, bytes.byteLength - SIGNATURE_BYTES));
  if (!claims) throw tokenError('TOKEN_MALFORMED', 'Token claims are not a strict JSON object');
  return claims;
}

const ASSERTION_DOMAIN = utf8.encode('flowfull.trust-token.v1');
const NO_BYTES = new Uint8Array();
const MAX_CACHED_ASSERTIONS = 256;

/**
 * The implicit assertion binds the token type (and the caller's own context, if any) into the
 * signature or MAC without storing it in the token again: a token of one type cannot pass as
 * another even where a caller forgets to compare the claim.
 */
function assertionBuilder() {
  const cache = new Map<string, Uint8Array>();
  // Only types named by the application are cached; a type read from an unverified token is not.
  return (type: string, extra: string | Uint8Array | undefined, cacheable = true): Uint8Array => {
    if (extra !== undefined || !cacheable) {
      const bytes = typeof extra === 'string' ? utf8.encode(extra) : (extra ?? NO_BYTES);
      return PAE([ASSERTION_DOMAIN, utf8.encode(type), bytes]);
    }
    let cached = cache.get(type);
    if (!cached) {
      cached = PAE([ASSERTION_DOMAIN, utf8.encode(type), NO_BYTES]);
      if (cache.size < MAX_CACHED_ASSERTIONS) cache.set(type, cached);
    }
    return cached;
  };
}

export interface SealOptions {
  purpose: TokenPurpose;
  type: string;
  footer?: JsonObject;
  implicitAssertion?: string | Uint8Array;
}

export interface OpenOptions {
  /** The expected type, bound through the implicit assertion. */
  type: string;
  implicitAssertion?: string | Uint8Array;
}

export function createTokenCodec(keys: TokenKeys, maxLength: number) {
  const publicOps = new PublicProtocol(SignFactory, VerifyFactory);
  const localOps = new LocalProtocol(LocalEncryptFactory, localDecryptFactory(rejectDuplicateKeys));
  const assertion = assertionBuilder();

  async function seal(claims: JsonObject, options: SealOptions): Promise<string> {
    const local = options.purpose === 'local' ? keys.local : undefined;
    if (options.purpose === 'local' && !local) {
      throw new FlowfullConfigError('v4.local tokens need PASETO_LOCAL_KEY (a k4.local PASERK)');
    }
    const kid = local ? local.id : keys.signing.id;
    const produce = {
      footer: utf8.encode(JSON.stringify({ kid, ...options.footer })),
      implicitAssertion: assertion(options.type, options.implicitAssertion),
      addIssuedAt: false,
    };
    const token = local
      ? await localOps.Encrypt(local.key, claims, produce)
      : await publicOps.Sign(keys.signing.key, claims, produce);
    if (token.length > maxLength) {
      throw tokenError(
        'TOKEN_TOO_LARGE',
        `the token would be ${token.length} characters, above TOKEN_MAX_LENGTH (${maxLength})`,
      );
    }
    return token;
  }

  const consumeOptions = (implicitAssertion: Uint8Array) => ({
    implicitAssertion,
    clockTolerance: LIBRARY_TIME_CHECK_OFF,
    allowNonExpiring: true,
  });

  async function openPublic(token: string, envelope: Envelope, options: OpenOptions): Promise<JsonObject> {
    const key = keys.verifying.get(envelope.keyId);
    if (!key) throw tokenError('TOKEN_UNKNOWN_KEY', 'Token was signed by an unknown key');
    // Start the signature check first: Ed25519 runs in the thread pool while the strict decoding
    // below runs here. Both must pass; a strictness failure wins whatever the signature says.
    const verifying = publicOps.Verify(
      key,
      token,
      consumeOptions(assertion(options.type, options.implicitAssertion)),
    );
    let unverified: JsonObject;
    try {
      unverified = publicClaims(envelope.payload);
    } catch (err) {
      verifying.catch(() => undefined);
      throw err;
    }
    try {
      return (await verifying).claims as JsonObject;
    } catch (err) {
      // Tell "a genuine token of another type" from "a forged token" by checking the signature
      // against the type the token claims; only ever on this failure path.
      const other = typeof unverified.type === 'string' ? unverified.type : undefined;
      if (other === undefined || other === options.type || !(err instanceof PasetoError)) throw err;
      const actual = assertion(other, options.implicitAssertion, false);
      const genuine = await publicOps.Verify(key, token, consumeOptions(actual)).then(
        () => true,
        () => false,
      );
      throw genuine ? tokenError('TOKEN_WRONG_TYPE', 'Token is of another type') : err;
    }
  }

  async function openLocal(token: string, envelope: Envelope, options: OpenOptions): Promise<JsonObject> {
    const key = keys.localKeys.get(envelope.keyId);
    if (!key) throw tokenError('TOKEN_UNKNOWN_KEY', 'Token was encrypted with an unknown key');
    // The claims are encrypted: a token of another type is indistinguishable from a forged one.
    const expected = assertion(options.type, options.implicitAssertion);
    return (await localOps.Decrypt(key, token, consumeOptions(expected))).claims as JsonObject;
  }

  async function open(token: unknown, options: OpenOptions): Promise<OpenedToken> {
    const envelope = parseEnvelope(token, maxLength);
    try {
      const claims =
        envelope.purpose === 'public'
          ? await openPublic(token as string, envelope, options)
          : await openLocal(token as string, envelope, options);
      return { purpose: envelope.purpose, keyId: envelope.keyId, claims, footer: envelope.footer };
    } catch (err) {
      throw classify(err);
    }
  }

  return { seal, open };
}

export type TokenCodec = ReturnType<typeof createTokenCodec>;

function classify(err: unknown): unknown {
  if (isAppError(err)) return err;
  if (err instanceof PasetoError || err instanceof LocalTokenError) {
    return tokenError('TOKEN_INVALID', 'Token is invalid', { cause: err });
  }
  return err;
}
