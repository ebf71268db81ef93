import { randomBytes } from 'node:crypto';
import { FlowfullConfigError } from '../errors.js';
import { hashId, silentLogger } from '../log/logger.js';
import {
  argumentInvalid,
  buildClaims,
  checkExpectations,
  checkTime,
  JTI_PATTERN,
  readClaims,
  runHooks,
  subjectKey,
} from './claims.js';
import { createTokenCodec } from './codec.js';
import type { JsonObject } from './encoding.js';
import { tokenError } from './errors.js';
import type { ConsumeOutcome, Retention, TokenStateLookup } from './stores/types.js';
import type {
  IssuedToken,
  IssueOptions,
  RevokeOptions,
  TokenType,
  TrustTokenService,
  TrustTokenServiceOptions,
  VerifiedToken,
  VerifyExpectations,
} from './types.js';

const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Every option is checked here, at construction: a mistake never waits for the first token. */
function checkOptions(options: TrustTokenServiceOptions): void {
  const fail = (message: string) => {
    throw new FlowfullConfigError(`createTrustTokenService: ${message}`);
  };
  if (!options.keys?.signing || !options.keys.verifying) fail('keys must come from createTokenKeys()');
  if (!options.store) fail('store (a TokenStateStore) is required');
  if (typeof options.issuer !== 'string' || options.issuer === '') fail('issuer must be a non-empty string');
  if (typeof options.audience !== 'string' || options.audience === '')
    fail('audience must be a non-empty string');
  if (!(typeof options.clockSkewSeconds === 'number' && options.clockSkewSeconds >= 0))
    fail('clockSkewSeconds must be a number of seconds >= 0');
  if (!Number.isInteger(options.maxLength) || options.maxLength <= 0)
    fail('maxLength must be a positive integer (characters)');
  for (const [type, seconds] of Object.entries(options.lifetimes ?? {}))
    if (!positive(seconds)) fail(`lifetimes.${type} must be a positive number of seconds`);
  if (options.maxLifetimeSeconds !== undefined && !positive(options.maxLifetimeSeconds))
    fail('maxLifetimeSeconds must be a positive number of seconds');
}

/**
 * Issues and checks trust tokens. verify() runs the seed's six layers: (1) signature or MAC with
 * the type bound in, (2) time with skew, then type/issuer/audience/subject, (3) state (not used,
 * not revoked), (4–6) the caller's status, ownership and resource hooks. consume() adds the
 * atomic single use, keyed by jti in the state store.
 */
export function createTrustTokenService(options: TrustTokenServiceOptions): TrustTokenService {
  checkOptions(options);
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger();
  const codec = createTokenCodec(options.keys, options.maxLength);
  const skewMs = options.clockSkewSeconds * 1000;
  const maxLifetimeSeconds = options.maxLifetimeSeconds ?? Math.max(...Object.values(options.lifetimes));
  const { store } = options;

  function lifetimeOf(type: string, ttlSeconds: number | undefined): number {
    const ttl = ttlSeconds ?? options.lifetimes[type];
    if (ttl === undefined) throw argumentInvalid(`token type "${type}" has no lifetime: pass ttlSeconds`);
    if (!Number.isFinite(ttl) || ttl <= 0 || ttl > maxLifetimeSeconds) {
      throw argumentInvalid(`ttlSeconds must be within 1..${maxLifetimeSeconds} (maxLifetimeSeconds)`);
    }
    return ttl;
  }

  const retentionUntil = (untilMs: number): Retention => ({
    untilMs,
    ttlMs: Math.max(1, Math.ceil(untilMs - now().getTime())),
  });
  /** As long as any token may live: for records whose token we have not seen. */
  const longestRetention = () => retentionUntil(now().getTime() + maxLifetimeSeconds * 1000 + 2 * skewMs);

  /** The store failed: nothing was decided. Logged without the jti; 503 to the client. */
  function unavailable(err: unknown, what: string) {
    const cause = err instanceof Error ? { name: err.name, message: err.message } : undefined;
    logger.error({ err: cause, what, store: store.kind }, 'trust token state store failed');
    return tokenError('TOKEN_STATE_UNAVAILABLE', 'Token state is temporarily unavailable', {
      cause: err,
      retryAfter: 1,
    });
  }

  async function fromStore<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw unavailable(err, what);
    }
  }

  async function issue(
    type: TokenType,
    claims: JsonObject = {},
    opts: IssueOptions = {},
  ): Promise<IssuedToken> {
    if (opts.footer && Object.hasOwn(opts.footer, 'kid'))
      throw argumentInvalid('footer "kid" is set by the service');
    const purpose = opts.purpose ?? 'public';
    const issuedAt = now();
    const expiresAt = new Date(issuedAt.getTime() + lifetimeOf(type, opts.ttlSeconds) * 1000);
    const jti = randomBytes(24).toString('base64url');
    const body = buildClaims({
      issuer: options.issuer,
      audience: opts.audience ?? options.audience,
      type,
      jti,
      issuedAt,
      notBefore: opts.notBefore ?? issuedAt,
      expiresAt,
      claims,
    });
    const token = await codec.seal(body, {
      purpose,
      type,
      footer: opts.footer,
      implicitAssertion: opts.implicitAssertion,
    });
    logger.debug({ jti: hashId(jti), type, purpose }, 'trust token issued');
    return { token, jti, type, purpose, issuedAt, expiresAt };
  }

  /** Layer 3: not used, not revoked, not issued before its subject's revocation. */
  async function checkState(token: VerifiedToken): Promise<void> {
    const key = token.subject === undefined ? undefined : subjectKey(token.subject);
    const state: TokenStateLookup = await fromStore('lookup', () => store.lookup(token.jti, key));
    if (state.jti === 'used') throw tokenError('TOKEN_ALREADY_USED', 'Token has already been used');
    const revokedWithSubject =
      state.subjectNotBeforeMs !== null && token.issuedAt.getTime() < state.subjectNotBeforeMs;
    if (state.jti === 'revoked' || revokedWithSubject)
      throw tokenError('TOKEN_REVOKED', 'Token has been revoked');
  }

  async function verify<T extends JsonObject>(
    token: unknown,
    expect: VerifyExpectations<T>,
  ): Promise<VerifiedToken<T>> {
    const opened = await codec.open(token, {
      type: expect.type,
      implicitAssertion: expect.implicitAssertion,
    });
    const verified = readClaims<T>(opened);
    checkTime(verified, now().getTime(), skewMs);
    checkExpectations(verified, expect, options.issuer, options.audience);
    await checkState(verified);
    if (expect.hooks) await runHooks(verified, expect.hooks);
    return verified;
  }

  async function consume<T extends JsonObject>(
    token: unknown,
    expect: VerifyExpectations<T>,
  ): Promise<VerifiedToken<T>> {
    const verified = await verify(token, expect);
    const retention = retentionUntil(verified.expiresAt.getTime() + skewMs);
    const outcome: ConsumeOutcome = await fromStore('consume', () => store.consume(verified.jti, retention));
    if (outcome === 'used') throw tokenError('TOKEN_ALREADY_USED', 'Token has already been used');
    if (outcome === 'revoked') throw tokenError('TOKEN_REVOKED', 'Token has been revoked');
    logger.debug({ jti: hashId(verified.jti), type: verified.type }, 'trust token consumed');
    return verified;
  }

  async function revoke(jti: string, opts: RevokeOptions = {}): Promise<void> {
    if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) throw tokenError('TOKEN_MALFORMED', 'Invalid jti');
    const retention = opts.until ? retentionUntil(opts.until.getTime()) : longestRetention();
    await fromStore('revoke', () => store.revoke(jti, retention));
    logger.info({ jti: hashId(jti) }, 'trust token revoked');
  }

  async function revokeAllFor(subject: string): Promise<void> {
    if (typeof subject !== 'string' || subject.length === 0) throw argumentInvalid('subject is required');
    const notBeforeMs = now().getTime();
    await fromStore('revokeSubject', () =>
      store.revokeSubject(subjectKey(subject), notBeforeMs, longestRetention()),
    );
    logger.info({ subject: hashId(subject) }, 'trust tokens of a subject revoked');
  }

  const purgeExpired = () => store.purgeExpired(now().getTime());

  return { issue, verify, consume, revoke, revokeAllFor, purgeExpired, store };
}
