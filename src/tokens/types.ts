import type { Logger } from '../log/logger.js';
import type { TokenPurpose } from './codec.js';
import type { JsonObject } from './encoding.js';
import type { TokenKeys } from './keys.js';
import type { TokenStateStore } from './stores/types.js';

export const BUILT_IN_TOKEN_TYPES = [
  'invitation',
  'email_verification',
  'password_reset',
  'api_access',
] as const;
export type BuiltInTokenType = (typeof BUILT_IN_TOKEN_TYPES)[number];
/** A built-in type, or the caller's own (which then needs a lifetime: `lifetimes` or `ttlSeconds`). */
export type TokenType = BuiltInTokenType | (string & {});

/** Claims the service sets itself; the caller's data may not use these names. */
export const RESERVED_CLAIMS = ['iss', 'aud', 'jti', 'iat', 'nbf', 'exp', 'type'] as const;

export interface TrustTokenServiceOptions {
  keys: TokenKeys;
  issuer: string;
  audience: string;
  /** Tolerated clock difference on exp, nbf and iat, in seconds. */
  clockSkewSeconds: number;
  /** Lifetime in seconds per type; the built-in four are required. */
  lifetimes: Record<BuiltInTokenType, number> & Record<string, number>;
  /** Longest token accepted (and issued), in characters. */
  maxLength: number;
  store: TokenStateStore;
  logger?: Logger;
  now?: () => Date;
  /**
   * Longest lifetime any token may have (default: the longest of `lifetimes`). Revocation records
   * are kept this long, so a token may not outlive them.
   */
  maxLifetimeSeconds?: number;
}

export interface IssueOptions {
  /** Overrides the type's lifetime (required for a type without one). */
  ttlSeconds?: number;
  /** Not valid before this instant (default: now). */
  notBefore?: Date;
  /** Overrides the configured audience. */
  audience?: string;
  /** 'public' (signed, readable by anyone; default) or 'local' (encrypted, needs PASETO_LOCAL_KEY). */
  purpose?: TokenPurpose;
  /** Extra footer fields (authenticated, never encrypted). `kid` is the service's. */
  footer?: JsonObject;
  /** Extra context bound to the token but not stored in it; verify must pass the same value. */
  implicitAssertion?: string | Uint8Array;
}

export interface IssuedToken {
  token: string;
  jti: string;
  type: TokenType;
  purpose: TokenPurpose;
  issuedAt: Date;
  expiresAt: Date;
}

export interface VerifiedToken<T extends JsonObject = JsonObject> {
  jti: string;
  type: TokenType;
  purpose: TokenPurpose;
  /** k4.pid or k4.lid of the key that verified it. */
  keyId: string;
  issuer: string;
  audience: string;
  subject: string | undefined;
  issuedAt: Date;
  notBefore: Date;
  expiresAt: Date;
  /** The caller's claims (everything but the reserved ones and `sub`). */
  data: T;
  /** The footer's caller fields (without `kid`). */
  footer: JsonObject;
}

/** A caller check; false (or a thrown AppError) refuses the token. */
export type TokenHook<T extends JsonObject = JsonObject> = (
  token: VerifiedToken<T>,
) => boolean | undefined | Promise<boolean | undefined>;

export interface TokenHooks<T extends JsonObject = JsonObject> {
  /** Layer 4: the record behind the token still allows it (invitation pending, user active…). */
  status?: TokenHook<T>;
  /** Layer 5: the token belongs to whoever presents it. */
  ownership?: TokenHook<T>;
  /** Layer 6: the resource it grants still exists and may be granted. */
  resource?: TokenHook<T>;
}

export interface VerifyExpectations<T extends JsonObject = JsonObject> {
  type: TokenType;
  /** Accepted audiences (default: the configured one). */
  audience?: string | readonly string[];
  subject?: string;
  /** Refuse the other purpose. */
  purpose?: TokenPurpose;
  implicitAssertion?: string | Uint8Array;
  hooks?: TokenHooks<T>;
}

export interface RevokeOptions {
  /** Keep the revocation until then (default: now + the longest lifetime + skew). */
  until?: Date;
}

export interface TrustTokenService {
  /** `claims`: the caller's data and an optional `sub`; the reserved names are the service's. */
  issue(
    type: TokenType,
    claims?: JsonObject & { sub?: string },
    options?: IssueOptions,
  ): Promise<IssuedToken>;
  verify<T extends JsonObject = JsonObject>(
    token: unknown,
    expectations: VerifyExpectations<T>,
  ): Promise<VerifiedToken<T>>;
  /** verify, then mark used: of any number of concurrent calls on any instances, exactly one succeeds. */
  consume<T extends JsonObject = JsonObject>(
    token: unknown,
    expectations: VerifyExpectations<T>,
  ): Promise<VerifiedToken<T>>;
  revoke(jti: string, options?: RevokeOptions): Promise<void>;
  /** Tokens of this subject issued before now stop verifying (after a password change, say). */
  revokeAllFor(subject: string): Promise<void>;
  /** Drops state records past their retention; call it from a periodic job. */
  purgeExpired(): Promise<number>;
  readonly store: TokenStateStore;
}
