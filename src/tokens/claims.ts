import { createHash } from 'node:crypto';
import type { OpenedToken } from './codec.js';
import type { JsonObject, JsonValue } from './encoding.js';
import { tokenError } from './errors.js';
import { RESERVED_CLAIMS, type TokenHooks, type VerifiedToken, type VerifyExpectations } from './types.js';

/** What the service writes into a token, and the checks of layers 2 to 6 on what it reads back. */

const TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const JTI_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const MAX_SUBJECT_LENGTH = 255;

/** Subjects are keyed by hash in Redis and SQL: bounded key size, no personal data in the state store. */
export function subjectKey(subject: string): string {
  return createHash('sha256').update(subject).digest('hex');
}

/** A bad argument to issue() or revokeAllFor(): the message names it, never a claim's value. */
export function argumentInvalid(message: string) {
  return tokenError('TOKEN_ARGUMENT_INVALID', message);
}

export interface ClaimsInput {
  issuer: string;
  audience: string;
  type: string;
  jti: string;
  issuedAt: Date;
  notBefore: Date;
  expiresAt: Date;
  /** The caller's claims: `sub` and data. */
  claims: JsonObject;
}

/** The claims object to sign; a bad type or claim is TOKEN_ARGUMENT_INVALID (the caller's input). */
export function buildClaims(input: ClaimsInput): JsonObject {
  if (!TYPE_PATTERN.test(input.type)) throw argumentInvalid(`invalid token type "${input.type}"`);
  const reserved = RESERVED_CLAIMS.find((name) => Object.hasOwn(input.claims, name));
  if (reserved) throw argumentInvalid(`claim "${reserved}" is set by the service`);
  const { sub, ...data } = input.claims;
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH)) {
    throw argumentInvalid(`sub must be a string of 1..${MAX_SUBJECT_LENGTH} characters`);
  }
  return {
    iss: input.issuer,
    aud: input.audience,
    ...(sub === undefined ? {} : { sub }),
    jti: input.jti,
    type: input.type,
    iat: input.issuedAt.toISOString(),
    nbf: input.notBefore.toISOString(),
    exp: input.expiresAt.toISOString(),
    ...data,
  };
}

/** The claims as the service wrote them; anything else (a token from elsewhere) is TOKEN_INVALID. */
export function readClaims<T extends JsonObject>(opened: OpenedToken): VerifiedToken<T> {
  const { iss, aud, sub, jti, type, iat, nbf, exp, ...data } = opened.claims;
  const issuedAt = dateOf(iat);
  const notBefore = dateOf(nbf);
  const expiresAt = dateOf(exp);
  const wellFormed =
    typeof iss === 'string' &&
    typeof aud === 'string' &&
    typeof type === 'string' &&
    typeof jti === 'string' &&
    JTI_PATTERN.test(jti) &&
    (sub === undefined || typeof sub === 'string');
  if (!wellFormed || !issuedAt || !notBefore || !expiresAt) {
    throw tokenError('TOKEN_INVALID', 'Token is not a trust token');
  }
  return {
    jti,
    type,
    purpose: opened.purpose,
    keyId: opened.keyId,
    issuer: iss,
    audience: aud,
    subject: sub,
    issuedAt,
    notBefore,
    expiresAt,
    data: data as T,
    footer: opened.footer,
  };
}

/** The library has already checked the RFC 3339 format of these claims. */
function dateOf(value: JsonValue | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Layer 2: exp, nbf and iat, each with the tolerated skew. */
export function checkTime(token: VerifiedToken, nowMs: number, skewMs: number): void {
  if (nowMs > token.expiresAt.getTime() + skewMs) throw tokenError('TOKEN_EXPIRED', 'Token has expired');
  if (nowMs + skewMs < token.notBefore.getTime() || nowMs + skewMs < token.issuedAt.getTime()) {
    throw tokenError('TOKEN_NOT_YET_VALID', 'Token is not valid yet');
  }
}

/** Type, issuer, audience and (when asked) subject. */
export function checkExpectations(
  token: VerifiedToken,
  expect: Omit<VerifyExpectations, 'hooks'>,
  issuer: string,
  audience: string,
): void {
  if (token.type !== expect.type) throw tokenError('TOKEN_WRONG_TYPE', 'Token is of another type');
  if (expect.purpose && token.purpose !== expect.purpose) {
    throw tokenError('TOKEN_WRONG_PURPOSE', `Expected a v4.${expect.purpose} token`);
  }
  if (token.issuer !== issuer) throw tokenError('TOKEN_WRONG_ISSUER', 'Token is from another issuer');
  const accepted = expect.audience ?? audience;
  if (!(typeof accepted === 'string' ? accepted === token.audience : accepted.includes(token.audience))) {
    throw tokenError('TOKEN_WRONG_AUDIENCE', 'Token is meant for another audience');
  }
  if (expect.subject !== undefined && token.subject !== expect.subject) {
    throw tokenError('TOKEN_WRONG_SUBJECT', 'Token belongs to another subject');
  }
}

/** Layers 4 to 6, in this order. A hook's own AppError (NOT_FOUND, FORBIDDEN…) reaches the caller as it is. */
export async function runHooks<T extends JsonObject>(
  token: VerifiedToken<T>,
  hooks: TokenHooks<T>,
): Promise<void> {
  for (const layer of ['status', 'ownership', 'resource'] as const) {
    const hook = hooks[layer];
    if (hook && (await hook(token)) === false) {
      throw tokenError('TOKEN_REJECTED', 'Token is no longer valid for this request', { details: { layer } });
    }
  }
}
