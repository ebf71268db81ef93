/**
 * Where single-use and revocation state lives. Keyed by the token's `jti` (never by the token
 * string: one signed token has several encodings that laxer parsers accept) and by a hash of the
 * subject. Every method either does its job or throws: there is no "probably written".
 */

/** What is recorded against a jti. A revoked jti can no longer be consumed, and the reverse. */
export type JtiState = 'used' | 'revoked';

/** consume(): 'consumed' for exactly one caller per jti; the others learn why not. */
export type ConsumeOutcome = 'consumed' | JtiState;

/** How long a record must outlive: until the token it concerns can no longer verify anyway. */
export interface Retention {
  /** Epoch ms after which the record may be dropped. */
  untilMs: number;
  /** The same, relative to now (Redis TTL), at least 1. */
  ttlMs: number;
}

export interface TokenStateLookup {
  jti: JtiState | null;
  /** Epoch ms: tokens of this subject issued before it are revoked (revokeAllFor). */
  subjectNotBeforeMs: number | null;
}

export interface TokenStateStore {
  /** Short label for logs and readiness ('redis', 'database', 'redis+database', 'memory'). */
  readonly kind: string;
  /** Atomically records the jti as used. Of any number of concurrent calls, one gets 'consumed'. */
  consume(jti: string, retention: Retention): Promise<ConsumeOutcome>;
  /** Records the jti as revoked (a no-op when already used or revoked). */
  revoke(jti: string, retention: Retention): Promise<void>;
  /** Tokens of the subject issued before notBeforeMs stop verifying; a later call never moves it back. */
  revokeSubject(subjectKey: string, notBeforeMs: number, retention: Retention): Promise<void>;
  lookup(jti: string, subjectKey: string | undefined): Promise<TokenStateLookup>;
  /** Drops records whose retention has passed; returns how many (where the store can tell). */
  purgeExpired(nowMs: number): Promise<number>;
}
